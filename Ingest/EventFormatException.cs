namespace EventSnn.Ingest;

/// <summary>
/// An event file (or archive entry) is not what its format requires: wrong magic or version, a header or
/// record cut short, a size field that runs past the end, a decompression failure, an offset out of range.
/// Names the file, the archive entry (if any), the byte offset where the problem was found and what was expected there.
/// (An <see cref="IOException"/>: <see cref="InvalidDataException"/> is sealed and cannot be its base.)
/// </summary>
public sealed class EventFormatException : IOException
{
    /// <summary>Creates the error; the message is built from the parts.</summary>
    public EventFormatException(string file, string? entry, long offset, string expected, string? found = null, Exception? inner = null)
        : base(BuildMessage(file, entry, offset, expected, found), inner)
    {
        File = file;
        Entry = entry;
        Offset = offset;
        Expected = expected;
    }

    /// <summary>Path of the file (the archive itself when the events live in an archive entry).</summary>
    public string File { get; }

    /// <summary>Name of the archive entry, or null for a plain file.</summary>
    public string? Entry { get; }

    /// <summary>Byte offset (0-based, from the start of the file or entry) where the problem was found.</summary>
    public long Offset { get; }

    /// <summary>What the format requires at <see cref="Offset"/>.</summary>
    public string Expected { get; }

    static string BuildMessage(string file, string? entry, long offset, string expected, string? found)
    {
        string where = entry is null ? file : $"{file}#{entry}";
        string msg = $"{where}: at byte {offset}: expected {expected}";
        return found is null ? msg : $"{msg}, found {found}";
    }
}
