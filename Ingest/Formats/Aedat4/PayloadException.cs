namespace EventSnn.Ingest;

/// <summary>
/// A problem found while parsing an in-memory payload (FlatBuffer, LZ4/Zstd frame), at an offset relative to that
/// payload. Callers that know the file turn it into an <see cref="EventFormatException"/> with the absolute offset.
/// </summary>
internal sealed class PayloadException(int offset, string expected, string? found = null, Exception? inner = null)
    : Exception($"at payload byte {offset}: expected {expected}" + (found is null ? "" : $", found {found}"), inner)
{
    public int Offset { get; } = offset;
    public string Expected { get; } = expected;
    public string? Found { get; } = found;

    public EventFormatException At(string file, string? entry, long baseOffset)
        => new(file, entry, baseOffset + Offset, Expected, Found, this);
}
