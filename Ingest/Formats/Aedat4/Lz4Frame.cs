using System.Buffers.Binary;
using K4os.Compression.LZ4;

namespace EventSnn.Ingest;

/// <summary>
/// The LZ4 frame format (magic 04 22 4D 18): decodes independent and linked blocks with the project's own block decoder
/// (<see cref="Lz4Block"/>; linked blocks see the previous 64 KiB of output as their dictionary, which is why output is
/// decoded in place, contiguously) and encodes frames of independent 64 KiB blocks with K4os' block encoder. The header
/// checksum is always verified; the optional block and content checksums (xxHash32; DV does not write them) are
/// verified when present unless the caller turns verification off.
/// </summary>
public static class Lz4Frame
{
    const uint Magic = 0x184D2204;
    const int Window = 64 * 1024;

    /// <summary>
    /// Decodes every frame in <paramref name="source"/>, appending to <paramref name="output"/>; never writes more than
    /// <paramref name="maxOutput"/> bytes in total. Malformed input is an <see cref="EventFormatException"/> naming
    /// <paramref name="name"/> and the offset inside <paramref name="source"/>. <paramref name="verifyChecksums"/> (default
    /// true) checks the block and content xxHash32 checksums of frames that carry them; frames without them cost nothing.
    /// </summary>
    public static void Decode(ReadOnlySpan<byte> source, PooledBuffer output, int maxOutput, string name = "<lz4 frame>", bool verifyChecksums = true)
    {
        try { DecodeCore(source, output, maxOutput, verifyChecksums); }
        catch (PayloadException ex) { throw ex.At(name, null, 0); }
    }

    internal static void DecodeCore(ReadOnlySpan<byte> source, PooledBuffer output, int maxOutput, bool verifyChecksums = true)
    {
        int pos = 0;
        do pos = DecodeFrame(source, pos, output, maxOutput, verifyChecksums);
        while (pos < source.Length);
    }

    static int DecodeFrame(ReadOnlySpan<byte> src, int pos, PooledBuffer output, int maxOutput, bool verifyChecksums)
    {
        if (src.Length - pos < 7) throw new PayloadException(pos, "an LZ4 frame header (at least 7 bytes)", $"{src.Length - pos} byte(s)");
        uint magic = BinaryPrimitives.ReadUInt32LittleEndian(src[pos..]);
        if (magic != Magic) throw new PayloadException(pos, "the LZ4 frame magic 04 22 4D 18", $"0x{magic:X8}");
        int desc = pos + 4;
        byte flg = src[desc], bd = src[desc + 1];
        if ((flg >> 6) != 1) throw new PayloadException(desc, "LZ4 frame version 01", ((flg >> 6)).ToString());
        if ((flg & 0x02) != 0 || (bd & 0x8F) != 0) throw new PayloadException(desc, "reserved LZ4 frame bits clear");
        int blockSizeId = (bd >> 4) & 7;
        if (blockSizeId < 4) throw new PayloadException(desc + 1, "an LZ4 block size id of 4..7", blockSizeId.ToString());
        int blockMax = 1 << (8 + 2 * blockSizeId);
        bool independent = (flg & 0x20) != 0, blockChecksum = (flg & 0x10) != 0, contentSize = (flg & 0x08) != 0;
        bool contentChecksum = (flg & 0x04) != 0, dictId = (flg & 0x01) != 0;
        int descLen = 2 + (contentSize ? 8 : 0) + (dictId ? 4 : 0);
        if (src.Length - desc < descLen + 1) throw new PayloadException(desc, "the whole LZ4 frame descriptor", "end of payload");
        byte hc = src[desc + descLen];
        byte expected = (byte)(XxHash32.Hash(src.Slice(desc, descLen)) >> 8);
        if (hc != expected) throw new PayloadException(desc + descLen, $"LZ4 header checksum 0x{expected:X2}", $"0x{hc:X2}");
        if (dictId) throw new PayloadException(desc, "an LZ4 frame without a dictionary id");
        long declared = contentSize ? BinaryPrimitives.ReadInt64LittleEndian(src[(desc + 2)..]) : -1;
        if (declared > maxOutput - output.Length || (contentSize && declared < 0))
            throw new PayloadException(desc + 2, $"a content size of at most {maxOutput - output.Length} bytes", declared.ToString());
        pos = desc + descLen + 1;
        int frameStart = output.Length;
        while (true)
        {
            if (src.Length - pos < 4) throw new PayloadException(pos, "an LZ4 block size or end mark", "end of payload");
            uint word = BinaryPrimitives.ReadUInt32LittleEndian(src[pos..]);
            pos += 4;
            if (word == 0) break;
            int size = (int)(word & 0x7FFFFFFF);
            bool stored = (word & 0x80000000) != 0;
            if (size > blockMax) throw new PayloadException(pos - 4, $"an LZ4 block of at most {blockMax} bytes", size.ToString());
            if (src.Length - pos < size + (blockChecksum ? 4 : 0)) throw new PayloadException(pos, $"{size} bytes of LZ4 block", $"{src.Length - pos}");
            int room = Math.Min(blockMax, maxOutput - output.Length);
            if (stored)
            {
                if (size > room) throw new PayloadException(pos, $"at most {maxOutput} decompressed bytes");
                output.EnsureCapacity(output.Length + size);
                src.Slice(pos, size).CopyTo(output.Array.AsSpan(output.Length));
                output.Length += size;
            }
            else
            {
                output.EnsureCapacity(output.Length + room);
                int dict = independent ? 0 : Math.Min(Window, output.Length - frameStart);
                output.Length += Lz4Block.DecodeAt(src, pos, size, output.Array, output.Length, dict, room);
            }
            if (blockChecksum && verifyChecksums) VerifyChecksum(src, pos + size, src.Slice(pos, size), "block");
            pos += size + (blockChecksum ? 4 : 0);
        }
        if (contentChecksum)
        {
            if (src.Length - pos < 4) throw new PayloadException(pos, "the LZ4 content checksum", "end of payload");
            if (verifyChecksums) VerifyChecksum(src, pos, output.Span[frameStart..], "content");
            pos += 4;
        }
        if (contentSize && output.Length - frameStart != declared)
            throw new PayloadException(desc + 2, $"{declared} decompressed bytes as declared", (output.Length - frameStart).ToString());
        return pos;
    }

    // The xxHash32 stored at src[at..at + 4] must be that of covered (the block's bytes or the frame's whole output).
    static void VerifyChecksum(ReadOnlySpan<byte> src, int at, ReadOnlySpan<byte> covered, string what)
    {
        uint stated = BinaryPrimitives.ReadUInt32LittleEndian(src[at..]);
        uint actual = XxHash32.Hash(covered);
        if (stated != actual) throw new PayloadException(at, $"the LZ4 {what} checksum 0x{actual:X8}", $"0x{stated:X8}");
    }

    /// <summary>Encodes <paramref name="data"/> as one LZ4 frame (independent 64 KiB blocks, content size stored).</summary>
    public static void Encode(ReadOnlySpan<byte> data, PooledBuffer output, LZ4Level level = LZ4Level.L00_FAST)
    {
        output.EnsureCapacity(output.Length + 19 + LZ4Codec.MaximumOutputSize(data.Length) + 4 * (data.Length / Window + 2) + data.Length / 200 + 64);
        var o = output.Array.AsSpan();
        int p = output.Length;
        BinaryPrimitives.WriteUInt32LittleEndian(o[p..], Magic);
        int desc = p + 4;
        o[desc] = 0x60 | 0x08;     // version 01, independent blocks, content size present
        o[desc + 1] = 4 << 4;      // 64 KiB blocks
        BinaryPrimitives.WriteInt64LittleEndian(o[(desc + 2)..], data.Length);
        o[desc + 10] = (byte)(XxHash32.Hash(o.Slice(desc, 10)) >> 8);
        p = desc + 11;
        for (int i = 0; i < data.Length; i += Window)
        {
            var block = data.Slice(i, Math.Min(Window, data.Length - i));
            int n = LZ4Codec.Encode(block, o[(p + 4)..], level);
            if (n <= 0 || n >= block.Length)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(o[p..], 0x80000000u | (uint)block.Length);
                block.CopyTo(o[(p + 4)..]);
                n = block.Length;
            }
            else BinaryPrimitives.WriteUInt32LittleEndian(o[p..], (uint)n);
            p += 4 + n;
        }
        BinaryPrimitives.WriteUInt32LittleEndian(o[p..], 0);
        output.Length = p + 4;
    }
}
