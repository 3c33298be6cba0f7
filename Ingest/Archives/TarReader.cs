using System.Text;
using EventSnn.Ingest.Io;

namespace EventSnn.Ingest.Archives;

/// <summary>One file entry of a tar archive: its name, its size in bytes as the header states it, and its data.</summary>
/// <param name="Name">Entry name ('/' separators, PAX or GNU long name when present).</param>
/// <param name="Size">Size of the data in bytes (octal, base-256 or PAX <c>size</c>), checked against the limits of <see cref="TarReader"/>.</param>
/// <param name="IsFile">True for regular files (type '0', '\0' or '7'); directories, links and devices are false.</param>
public readonly record struct TarEntryInfo(string Name, long Size, bool IsFile);

/// <summary>
/// A forward-only ustar/PAX/GNU tar reader with every size checked (docs/errors.md): header checksums are verified; a
/// size field (octal or base-256) must be non-negative and fit in the bytes that remain when the archive's length is
/// known; PAX and GNU long-name headers may hold at most <see cref="MaxMetaHeaderBytes"/>; an archive that ends inside
/// an entry is an <see cref="EventFormatException"/> naming the entry and byte offset, never an endless skip.
/// </summary>
public sealed class TarReader
{
    /// <summary>Largest PAX extended header or GNU long name/link accepted, in bytes (1 MiB).</summary>
    public const int MaxMetaHeaderBytes = 1 << 20;

    readonly Stream _s;
    readonly string _file;
    readonly long? _length;
    readonly byte[] _block = new byte[512];
    long _position;      // bytes consumed from the (decompressed) tar stream
    long _dataLeft;      // data bytes of the current entry not yet read
    long _padding;       // padding after the current entry's data
    string? _current;

    /// <summary>Reads the tar stream <paramref name="s"/> (already decompressed) of archive <paramref name="file"/>; <paramref name="length"/> is its byte count when known (plain .tar).</summary>
    public TarReader(Stream s, string file, long? length)
    {
        _s = s;
        _file = file;
        _length = length;
    }

    /// <summary>The next file or directory entry, or null at the end of the archive; skips what is left of the previous entry.</summary>
    public TarEntryInfo? Next()
    {
        Skip(_dataLeft + _padding);
        _dataLeft = _padding = 0;
        string? longName = null;
        long? paxSize = null;
        string? paxPath = null;
        for (int metaHeaders = 0; ; metaHeaders++)
        {
            if (metaHeaders > 16) throw Fail(_position, "at most 16 extended headers before an entry");
            long headerAt = _position;
            if (!ReadBlock()) return null;                 // end of data without the two zero blocks: accepted
            if (_block.AsSpan().IndexOfAnyExcept((byte)0) < 0) return null;  // end-of-archive block
            VerifyChecksum(headerAt);
            char type = (char)_block[156];
            long size = ParseSize(_block.AsSpan(124, 12), headerAt);
            string name = HeaderName();
            if (type is 'x' or 'L' or 'K' or 'g')
            {
                if (size > MaxMetaHeaderBytes) throw Fail(headerAt, $"an extended header of at most {MaxMetaHeaderBytes} bytes", $"{size} bytes");
                CheckFits(size, headerAt, name);
                byte[] meta = new byte[size];
                ReadData(meta, headerAt, name);
                if (type == 'L') longName = Encoding.UTF8.GetString(meta).TrimEnd('\0');
                else if (type == 'x') ParsePax(meta, headerAt, ref paxPath, ref paxSize);
                continue;
            }
            if (paxSize is long ps) size = ps;
            name = (paxPath ?? longName ?? name).Replace('\\', '/');
            while (name.StartsWith("./", StringComparison.Ordinal)) name = name[2..];
            bool isFile = type is '0' or '\0' or '7';
            // Only regular files and their kin carry data; links and devices have none whatever their size field says.
            if (type is '1' or '2' or '3' or '4' or '6') size = 0;
            CheckFits(size, headerAt, name);
            _current = name;
            _dataLeft = size;
            _padding = (512 - size % 512) % 512;
            return new TarEntryInfo(name, size, isFile && !name.EndsWith('/'));
        }
    }

    /// <summary>A stream over the data of the entry <see cref="Next"/> returned last; it ends at the entry's size.</summary>
    public Stream OpenData() => new EntryStream(this);

    EventFormatException Fail(long offset, string expected, string? found = null) => new(_file, _current, offset, expected, found);

    void CheckFits(long size, long headerAt, string name)
    {
        long start = headerAt + 512;
        if (_length is long len && size > len - start)
            throw new EventFormatException(_file, name, headerAt + 124, $"an entry size that fits in the {len - start} bytes left in the archive", $"{size} bytes");
    }

    string HeaderName()
    {
        string name = CString(_block.AsSpan(0, 100));
        if (_block.AsSpan(257, 5).SequenceEqual("ustar"u8))
        {
            string prefix = CString(_block.AsSpan(345, 155));
            if (prefix.Length > 0) name = prefix + "/" + name;
        }
        return name;
    }

    static string CString(ReadOnlySpan<byte> b)
    {
        int end = b.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? b : b[..end]);
    }

    void VerifyChecksum(long headerAt)
    {
        long sum = 0, signedSum = 0;
        for (int i = 0; i < 512; i++)
        {
            byte b = i is >= 148 and < 156 ? (byte)' ' : _block[i];
            sum += b;
            signedSum += (sbyte)b;
        }
        string field = Encoding.ASCII.GetString(_block, 148, 8).Trim(' ', '\0');
        long stated;
        try { stated = field.Length == 0 ? -1 : Convert.ToInt64(field, 8); }
        catch (Exception e) when (e is FormatException or ArgumentException or OverflowException) { stated = -1; }
        if (stated != sum && stated != signedSum)
            throw Fail(headerAt + 148, "a tar header whose checksum matches", $"checksum field '{field}', computed {sum}");
    }

    long ParseSize(ReadOnlySpan<byte> f, long headerAt)
    {
        if ((f[0] & 0x80) != 0)
        {
            // base-256: big-endian two's complement; anything that does not fit in 63 bits is refused
            if ((f[0] & 0x40) != 0) throw Fail(headerAt + 124, "a non-negative entry size", "a negative base-256 size");
            long v = f[0] & 0x3F;
            for (int i = 1; i < f.Length; i++)
            {
                if (v > (long.MaxValue >> 8)) throw Fail(headerAt + 124, "an entry size below 2^63", "a larger base-256 size");
                v = (v << 8) | f[i];
            }
            return v;
        }
        long r = 0;
        bool any = false;
        foreach (byte b in f)
        {
            if (b is 0 or (byte)' ') { if (any) break; continue; }
            if (b is < (byte)'0' or > (byte)'7') throw Fail(headerAt + 124, "an octal entry size", $"byte 0x{b:X2}");
            r = r * 8 + (b - '0');
            any = true;
        }
        return r;
    }

    void ParsePax(byte[] meta, long headerAt, ref string? path, ref long? size)
    {
        int p = 0;
        while (p < meta.Length)
        {
            int space = Array.IndexOf(meta, (byte)' ', p);
            if (space < 0) break;
            if (!int.TryParse(Encoding.ASCII.GetString(meta, p, space - p), out int len) || len <= space - p || p + len > meta.Length)
                throw Fail(headerAt + 512 + p, "a PAX record 'LENGTH key=value\\n' inside its header");
            string record = Encoding.UTF8.GetString(meta, space + 1, p + len - space - 1).TrimEnd('\n');
            int eq = record.IndexOf('=');
            if (eq > 0)
            {
                string key = record[..eq], value = record[(eq + 1)..];
                if (key == "path") path = value;
                else if (key == "size")
                {
                    if (!long.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long s))
                        throw Fail(headerAt + 512 + p, "a PAX size of decimal digits below 2^63", value.Length > 40 ? value[..40] + "…" : value);
                    size = s;
                }
            }
            p += len;
        }
    }

    bool ReadBlock()
    {
        int n = _s.ReadAtLeast(_block, 512, throwOnEndOfStream: false);
        _position += n;
        if (n == 0) return false;
        if (n < 512) throw Fail(_position - n, "a whole 512-byte tar header", $"{n} bytes before the end");
        return true;
    }

    void ReadData(byte[] into, long headerAt, string name)
    {
        int n = _s.ReadAtLeast(into, into.Length, throwOnEndOfStream: false);
        _position += n;
        if (n < into.Length) throw new EventFormatException(_file, name, _position, $"{into.Length} bytes of the entry", "the end of the archive");
        long pad = (512 - into.Length % 512) % 512;
        Skip(pad);
    }

    void Skip(long count)
    {
        if (count <= 0) return;
        if (_s.CanSeek)
        {
            long target = _s.Position + count;
            if (_length is long len && _position + count > len) throw Fail(_position, $"{count} more bytes of the entry", "the end of the archive");
            _s.Position = target;
            _position += count;
            return;
        }
        byte[] buf = new byte[1 << 16];
        while (count > 0)
        {
            int n = _s.Read(buf, 0, (int)Math.Min(buf.Length, count));
            if (n <= 0) throw Fail(_position, $"{count} more bytes of the entry", "the end of the archive");
            count -= n;
            _position += n;
        }
    }

    sealed class EntryStream(TarReader r) : ForwardReadStream
    {
        public override int Read(Span<byte> buffer)
        {
            if (r._dataLeft <= 0 || buffer.Length == 0) return 0;
            int n = r._s.Read(buffer[..(int)Math.Min(buffer.Length, r._dataLeft)]);
            if (n <= 0) throw r.Fail(r._position, $"{r._dataLeft} more bytes of the entry", "the end of the archive");
            r._dataLeft -= n;
            r._position += n;
            return n;
        }
    }
}
