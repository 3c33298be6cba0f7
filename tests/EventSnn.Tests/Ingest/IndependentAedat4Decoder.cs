using System.Buffers.Binary;
using System.Text;
using System.Text.RegularExpressions;
using K4os.Compression.LZ4;

namespace EventSnn.Tests.Ingest;

/// <summary>
/// A second AEDAT 4.0 decoder written from FORMATS.md §4.1 alone, sharing no code with EventSnn.Ingest: it checks
/// that files the project writes are what the format says, not merely what the project's own reader accepts.
/// Only the LZ4 block codec and the Zstd codec come from libraries.
/// </summary>
internal static class IndependentAedat4Decoder
{
    public sealed record Result(int Compression, long DataTablePosition, int StreamId, int Width, int Height, string? Source,
        List<(long T, short X, short Y, bool On)> Events, int Packets);

    public static Result Decode(byte[] file)
    {
        if (Encoding.ASCII.GetString(file, 0, 14) != "#!AER-DAT4.0\r\n") throw new InvalidDataException("version line");
        int s = (int)BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(14));
        var header = file.AsSpan(18, s);
        if (Encoding.ASCII.GetString(header.Slice(4, 4)) != "IOHE") throw new InvalidDataException("IOHE identifier");
        int table = (int)BinaryPrimitives.ReadUInt32LittleEndian(header);
        int compression = (int)ReadScalar(header, table, 0, 4, 0);
        long dataTable = ReadScalar(header, table, 1, 8, -1);
        int infoField = FieldPos(header, table, 2);
        int strPos = infoField + (int)BinaryPrimitives.ReadUInt32LittleEndian(header[infoField..]);
        int strLen = (int)BinaryPrimitives.ReadUInt32LittleEndian(header[strPos..]);
        string xml = Encoding.UTF8.GetString(header.Slice(strPos + 4, strLen));

        // Lowest-id stream whose typeIdentifier is EVTS.
        int streamId = int.MaxValue; int width = 0, height = 0; string? source = null;
        foreach (Match m in Regex.Matches(xml, "<node name=\"(\\d+)\"[^>]*>(.*?)</node>\\s*</node>", RegexOptions.Singleline))
        {
            string body = m.Groups[2].Value;
            if (!body.Contains("<attr key=\"typeIdentifier\" type=\"string\">EVTS</attr>")) continue;
            int id = int.Parse(m.Groups[1].Value);
            if (id >= streamId) continue;
            streamId = id;
            width = int.Parse(Regex.Match(body, "key=\"sizeX\" type=\"int\">(\\d+)<").Groups[1].Value);
            height = int.Parse(Regex.Match(body, "key=\"sizeY\" type=\"int\">(\\d+)<").Groups[1].Value);
            var src = Regex.Match(body, "key=\"source\" type=\"string\">([^<]*)<");
            source = src.Success ? src.Groups[1].Value : null;
        }

        var events = new List<(long, short, short, bool)>();
        long end = dataTable >= 0 ? dataTable : file.Length;
        int pos = 18 + s, packets = 0;
        while (pos < end)
        {
            int id = BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(pos));
            int size = BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(pos + 4));
            var body = file.AsSpan(pos + 8, size);
            pos += 8 + size;
            if (id != streamId) continue;
            packets++;
            byte[] raw = compression switch
            {
                0 => body.ToArray(),
                1 or 2 => Lz4Frame(body),
                3 or 4 => new ZstdSharp.Decompressor().Unwrap(body).ToArray(),
                _ => throw new InvalidDataException("compression"),
            };
            // Size-prefixed FlatBuffer: uint32 size, root uoffset, "EVTS".
            var fb = raw.AsSpan(4, (int)BinaryPrimitives.ReadUInt32LittleEndian(raw));
            if (Encoding.ASCII.GetString(fb.Slice(4, 4)) != "EVTS") throw new InvalidDataException("EVTS identifier");
            int root = (int)BinaryPrimitives.ReadUInt32LittleEndian(fb);
            int vecField = FieldPos(fb, root, 0);
            int vec = vecField + (int)BinaryPrimitives.ReadUInt32LittleEndian(fb[vecField..]);
            int count = (int)BinaryPrimitives.ReadUInt32LittleEndian(fb[vec..]);
            for (int i = 0; i < count; i++)
            {
                var e = fb.Slice(vec + 4 + 16 * i, 16);
                events.Add((BinaryPrimitives.ReadInt64LittleEndian(e), BinaryPrimitives.ReadInt16LittleEndian(e[8..]),
                    BinaryPrimitives.ReadInt16LittleEndian(e[10..]), e[12] != 0));
            }
        }
        if (pos != end) throw new InvalidDataException("packets do not end at the data table");
        return new Result(compression, dataTable, streamId, width, height, source, events, packets);
    }

    static int FieldPos(ReadOnlySpan<byte> buf, int table, int field)
    {
        int vtable = table - BinaryPrimitives.ReadInt32LittleEndian(buf[table..]);
        int vtSize = BinaryPrimitives.ReadUInt16LittleEndian(buf[vtable..]);
        if (4 + 2 * field + 2 > vtSize) return -1;
        int off = BinaryPrimitives.ReadUInt16LittleEndian(buf[(vtable + 4 + 2 * field)..]);
        return off == 0 ? -1 : table + off;
    }

    static long ReadScalar(ReadOnlySpan<byte> buf, int table, int field, int size, long fallback)
    {
        int at = FieldPos(buf, table, field);
        if (at < 0) return fallback;
        return size == 8 ? BinaryPrimitives.ReadInt64LittleEndian(buf[at..]) : BinaryPrimitives.ReadInt32LittleEndian(buf[at..]);
    }

    // LZ4 frame: magic, FLG, BD, [content size], HC, blocks (uint32 size, high bit = stored), end mark.
    static byte[] Lz4Frame(ReadOnlySpan<byte> f)
    {
        if (BinaryPrimitives.ReadUInt32LittleEndian(f) != 0x184D2204) throw new InvalidDataException("LZ4 magic");
        byte flg = f[4];
        int pos = 4 + 2 + ((flg & 0x08) != 0 ? 8 : 0) + ((flg & 0x01) != 0 ? 4 : 0) + 1;
        bool independent = (flg & 0x20) != 0, blockSum = (flg & 0x10) != 0;
        var output = new List<byte>();
        var block = new byte[4 << 20];
        while (true)
        {
            uint word = BinaryPrimitives.ReadUInt32LittleEndian(f[pos..]);
            pos += 4;
            if (word == 0) break;
            int size = (int)(word & 0x7FFFFFFF);
            if ((word & 0x80000000) != 0) output.AddRange(f.Slice(pos, size).ToArray());
            else
            {
                if (!independent) throw new NotSupportedException("linked blocks (the project writes independent ones)");
                int n = LZ4Codec.Decode(f.Slice(pos, size), block);
                if (n < 0) throw new InvalidDataException("LZ4 block");
                output.AddRange(block.AsSpan(0, n).ToArray());
            }
            pos += size + (blockSum ? 4 : 0);
        }
        return output.ToArray();
    }
}
