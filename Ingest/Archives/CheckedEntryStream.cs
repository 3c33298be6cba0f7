using EventSnn.Ingest.Io;

namespace EventSnn.Ingest.Archives;

/// <summary>Limits on what an archive entry may decompress to (docs/errors.md).</summary>
public static class ArchiveLimits
{
    /// <summary>Default ceiling on one entry's uncompressed size: 64 GiB.</summary>
    public const long DefaultMaxEntryBytes = 64L << 30;

    /// <summary>
    /// Ceiling on one entry's uncompressed size in bytes: EVENTSNN_MAX_ENTRY_BYTES when set to a positive integer, else
    /// <see cref="DefaultMaxEntryBytes"/>. Decompression stops with an error past it, whatever the entry declares.
    /// </summary>
    public static long MaxEntryBytes =>
        long.TryParse(Environment.GetEnvironmentVariable("EVENTSNN_MAX_ENTRY_BYTES"), out long v) && v > 0 ? v : DefaultMaxEntryBytes;
}

/// <summary>
/// Reads a zip entry's decompressed data and holds it to what the archive declares: no byte past the declared size (or the
/// <see cref="ArchiveLimits.MaxEntryBytes"/> ceiling), no early end, and the CRC-32 of the data equal to the declared one
/// (checked at the end). Violations are <see cref="EventFormatException"/>s naming the archive, entry and byte offset.
/// </summary>
public sealed class CheckedEntryStream : ForwardReadStream
{
    readonly Stream _inner;
    readonly IDisposable? _owner;
    readonly string _file, _entry;
    readonly long _declared, _ceiling;
    readonly long? _crc;
    uint _crcState = 0xFFFFFFFF;
    long _read;
    bool _checked;

    /// <summary>Wraps a decompressing stream for one entry.</summary>
    /// <param name="inner">The entry's decompressed data (owned).</param>
    /// <param name="owner">Disposed with the stream (the archive), or null.</param>
    /// <param name="file">Archive path, for errors.</param>
    /// <param name="entry">Entry name, for errors.</param>
    /// <param name="declared">Uncompressed size in bytes the archive states.</param>
    /// <param name="crc">CRC-32 the archive states, or null when it states none.</param>
    public CheckedEntryStream(Stream inner, IDisposable? owner, string file, string entry, long declared, long? crc)
    {
        _inner = inner; _owner = owner; _file = file; _entry = entry; _declared = declared; _crc = crc;
        _ceiling = ArchiveLimits.MaxEntryBytes;
        if (declared < 0 || declared > _ceiling)
            throw new EventFormatException(file, entry, 0, $"an entry of at most {_ceiling} bytes (EVENTSNN_MAX_ENTRY_BYTES)", $"{declared} bytes declared");
    }

    /// <inheritdoc />
    public override int Read(Span<byte> buffer)
    {
        if (buffer.Length == 0) return 0;
        int n;
        // Read one byte beyond the declared size at most: enough to see that there is more.
        long allowed = _declared - _read + 1;
        try { n = _inner.Read(buffer[..(int)Math.Min(buffer.Length, allowed)]); }
        catch (Exception e) when (DecompressionGuardStream.IsDecompressorFailure(e) && e is not EventFormatException)
        {
            throw Error("decompressible data", e.Message, e);
        }
        if (n > 0)
        {
            _crcState = Crc32.Update(_crcState, buffer[..n]);
            _read += n;
            if (_read > _declared) throw Error($"at most the {_declared} bytes the archive declares", "more data");
            return n;
        }
        if (_read < _declared) throw Error($"the {_declared} bytes the archive declares", $"the end after {_read} bytes");
        if (!_checked && _crc is long c && (_crcState ^ 0xFFFFFFFF) != (uint)c)
            throw Error($"data whose CRC-32 is {c:x8} as declared", $"{_crcState ^ 0xFFFFFFFF:x8}");
        _checked = true;
        return 0;
    }

    EventFormatException Error(string expected, string found, Exception? inner = null) => new(_file, _entry, _read, expected, found, inner);

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing) { _inner.Dispose(); _owner?.Dispose(); }
        base.Dispose(disposing);
    }
}

/// <summary>CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320) as zip uses it.</summary>
public static class Crc32
{
    static readonly uint[] Table = Build();

    static uint[] Build()
    {
        var t = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            uint c = i;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
            t[i] = c;
        }
        return t;
    }

    /// <summary>Advances a running state (start 0xFFFFFFFF; the CRC is the final state XOR 0xFFFFFFFF) over <paramref name="data"/>.</summary>
    public static uint Update(uint state, ReadOnlySpan<byte> data)
    {
        foreach (byte b in data) state = Table[(state ^ b) & 0xFF] ^ (state >> 8);
        return state;
    }

    /// <summary>The CRC-32 of <paramref name="data"/>.</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => Update(0xFFFFFFFF, data) ^ 0xFFFFFFFF;
}

/// <summary>
/// Reads a decompressing stream (gzip, deflate) and turns every failure of the decompressor on damaged data into an
/// <see cref="EventFormatException"/> at the offset of the decompressed data reached. SharpZipLib's inflater can throw
/// IndexOutOfRangeException on some corrupt Huffman tables (found by fuzzing); that is bad input, not a defect here.
/// </summary>
public sealed class DecompressionGuardStream(Stream inner, string file, string? entry = null) : ForwardReadStream
{
    long _read;

    /// <inheritdoc />
    public override long Position { get => _read; set => throw new NotSupportedException(); }

    /// <inheritdoc />
    public override int Read(Span<byte> buffer)
    {
        try
        {
            int n = inner.Read(buffer);
            _read += n;
            return n;
        }
        catch (Exception e) when (IsDecompressorFailure(e))
        {
            throw new EventFormatException(file, entry, _read, "decompressible data", e.Message, e);
        }
    }

    /// <summary>True for what a decompressor throws on damaged data (not for I/O failures of the file itself).</summary>
    public static bool IsDecompressorFailure(Exception e) => e is ICSharpCode.SharpZipLib.SharpZipBaseException or InvalidDataException
        or IndexOutOfRangeException or ArgumentOutOfRangeException or EndOfStreamException;

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }
}
