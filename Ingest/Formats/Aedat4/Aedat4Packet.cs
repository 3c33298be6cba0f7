using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using ZstdSharp;

namespace EventSnn.Ingest;

/// <summary>
/// AEDAT 4 packets: an 8-byte header (int32 streamId, int32 body size, little-endian) and a body that is a complete
/// LZ4 frame, Zstd frame or raw bytes; decompressed, the body is a size-prefixed FlatBuffer. Event packets ("EVTS")
/// hold field 0 = vector of 16-byte structs: int64 timestamp (µs, Unix time), int16 x, int16 y, bool polarity, 3 pad.
/// Used by file readers/writers and by the DV network-stream client.
/// </summary>
public static class Aedat4Packet
{
    /// <summary>Bytes of the packet header.</summary>
    public const int HeaderSize = 8;

    /// <summary>Bytes per event struct.</summary>
    public const int EventSize = 16;

    /// <summary>Largest decompressed body accepted, in bytes.</summary>
    public const int MaxDecompressedBytes = 256 << 20;

    [ThreadStatic] static Decompressor? t_zstd;
    [ThreadStatic] static PooledBuffer? t_scratch;

    /// <summary>
    /// Decompresses <paramref name="body"/> and appends its events to <paramref name="into"/>; returns the number appended.
    /// Errors name <paramref name="source"/> and offsets inside the body.
    /// </summary>
    public static int DecodeEvents(ReadOnlySpan<byte> body, Aedat4Compression compression, EventBatch into, string source = "<aedat4 packet>")
    {
        var scratch = t_scratch ??= new PooledBuffer();
        try
        {
            ReadOnlySpan<byte> payload = Decompress(body, compression, scratch);
            var (start, count) = LocateEvents(payload);
            return DecodeElements(payload.Slice(start, count * EventSize), into, start);
        }
        catch (PayloadException ex) { throw ex.At(source, null, 0); }
    }

    /// <summary>Decompresses a body into <paramref name="output"/> (reset first); raw bodies are returned as they are.</summary>
    internal static ReadOnlySpan<byte> Decompress(ReadOnlySpan<byte> body, Aedat4Compression compression, PooledBuffer output)
    {
        output.Length = 0;
        switch (compression)
        {
            case Aedat4Compression.None:
                return body;
            case Aedat4Compression.Lz4:
            case Aedat4Compression.Lz4High:
                Lz4Frame.DecodeCore(body, output, MaxDecompressedBytes);
                return output.Span;
            case Aedat4Compression.Zstd:
            case Aedat4Compression.ZstdHigh:
                DecompressZstd(body, output);
                return output.Span;
            default:
                throw new PayloadException(0, "a known compression type", compression.ToString());
        }
    }

    static void DecompressZstd(ReadOnlySpan<byte> body, PooledBuffer output)
    {
        var zstd = t_zstd ??= new Decompressor();
        ulong declared;
        try { declared = Decompressor.GetDecompressedSize(body); }
        catch (ZstdException ex) { throw new PayloadException(0, "a Zstandard frame header", ex.Message, ex); }
        // Unknown sizes are tried with growing buffers; a declared size is still capped so no size field drives allocation alone.
        // A zstd block of 3 header bytes + 1 RLE byte expands to at most 128 KiB: no honest frame beats that ratio.
        // (ZstdSharp reports a block-rounded upper bound when the frame does not state its size, hence the slack.)
        long plausible = Math.Min(MaxDecompressedBytes, (long)body.Length * 65536 + (1 << 17));
        if (declared < ulong.MaxValue - 1 && declared > (ulong)plausible)
            throw new PayloadException(0, $"a Zstandard content size of at most {plausible} bytes for a {body.Length}-byte frame", declared.ToString());
        int size = declared <= MaxDecompressedBytes ? (int)declared
            : declared >= ulong.MaxValue - 1 ? (int)Math.Min(plausible, Math.Max(1 << 16, (long)body.Length * 8))
            : throw new PayloadException(0, $"a Zstandard content size of at most {MaxDecompressedBytes} bytes", declared.ToString());
        while (true)
        {
            output.EnsureCapacity(Math.Max(size, 1));
            try
            {
                if (zstd.TryUnwrap(body, output.Array.AsSpan(0, Math.Max(size, 1)), out int written)) { output.Length = written; return; }
            }
            catch (ZstdException ex) { throw new PayloadException(0, "a decodable Zstandard frame", ex.Message, ex); }
            if (size >= plausible || declared < ulong.MaxValue - 1)
                throw new PayloadException(0, $"a Zstandard frame of at most {plausible} decompressed bytes");
            size = (int)Math.Min((long)size * 4, plausible);
        }
    }

    /// <summary>Finds the event structs of a decompressed, size-prefixed "EVTS" FlatBuffer: (start byte, count).</summary>
    internal static (int Start, int Count) LocateEvents(ReadOnlySpan<byte> payload)
    {
        var fb = new FlatBufferView(payload);
        uint size = fb.U32(0);
        if (size > payload.Length - 4) throw new PayloadException(0, $"a FlatBuffer size prefix of at most {payload.Length - 4}", size.ToString());
        fb.Identifier(8, "EVTS");
        int table = fb.Deref(4);
        return fb.Vector(table, 0, EventSize);
    }

    /// <summary>
    /// Appends whole 16-byte event structs to <paramref name="into"/>; returns the number appended. A negative coordinate
    /// is a <see cref="PayloadException"/> at <paramref name="baseOffset"/> + its position.
    /// </summary>
    internal static unsafe int DecodeElements(ReadOnlySpan<byte> elements, EventBatch into, int baseOffset = 0)
    {
        int n = elements.Length / EventSize;
        if (n == 0) return 0;
        into.EnsureCapacity(into.Count + n);
        int k = into.Count;
        uint negative = 0;
        fixed (byte* src = elements)
        fixed (long* t = &into.TArray[k])
        fixed (ushort* x = &into.XArray[k], y = &into.YArray[k])
        fixed (byte* p = &into.PArray[k])
        {
            int i = Avx2.IsSupported ? DecodeElementsAvx2(src, n, t, x, y, p, ref negative) : 0;
            for (; i < n; i++)
            {
                byte* e = src + i * EventSize;
                uint xy = Unsafe.ReadUnaligned<uint>(e + 8);
                t[i] = Unsafe.ReadUnaligned<long>(e);
                x[i] = (ushort)xy;
                y[i] = (ushort)(xy >> 16);
                p[i] = e[12] != 0 ? (byte)1 : (byte)0;
                negative |= xy;
            }
        }
        if ((negative & 0x80008000u) != 0)
        {
            for (int i = 0; i < n; i++)
                if (BinaryPrimitives.ReadInt16LittleEndian(elements[(i * EventSize + 8)..]) < 0 || BinaryPrimitives.ReadInt16LittleEndian(elements[(i * EventSize + 10)..]) < 0)
                    throw new PayloadException(baseOffset + i * EventSize + 8, "non-negative event coordinates");
        }
        into.Count = k + n;
        return n;
    }

    // Four events per step: the two 8-byte halves of the 16-byte structs are separated with 64-bit unpacks; timestamps
    // are stored as they are, x/y/polarity bytes are gathered with one byte shuffle and one dword permute. Returns the
    // number of events done (a multiple of 4); ORs every x/y word into negative for the caller's sign check.
    static unsafe int DecodeElementsAvx2(byte* src, int n, long* t, ushort* x, ushort* y, byte* p, ref uint negative)
    {
        // Per 128-bit lane (two structs' upper halves h_a at 0..7, h_b at 8..15): x_a x_b | y_a y_b | p_a p_b 0 0 | 0.
        var gather = Vector256.Create((byte)0, 1, 8, 9, 2, 3, 10, 11, 4, 12, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
                                            0, 1, 8, 9, 2, 3, 10, 11, 4, 12, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80);
        var order = Vector256.Create(0, 4, 1, 5, 2, 6, 3, 7);
        Vector256<ulong> signs = Vector256<ulong>.Zero;
        int i = 0;
        for (; i + 4 <= n; i += 4)
        {
            byte* e = src + i * EventSize;
            var a = Avx.LoadVector256((ulong*)e);         // struct i, i + 1
            var b = Avx.LoadVector256((ulong*)(e + 32));  // struct i + 2, i + 3
            // unpack pairs lane-wise: [i, i+2 | i+1, i+3]; the permute restores [i, i+1 | i+2, i+3]
            var times = Avx2.Permute4x64(Avx2.UnpackLow(a, b), 0b11_01_10_00);
            var upper = Avx2.Permute4x64(Avx2.UnpackHigh(a, b), 0b11_01_10_00);
            Avx.Store((ulong*)(t + i), times);
            signs |= upper;
            // dwords after the permute: x0x1 x2x3 y0y1 y2y3 | p0p1-- p2p3-- ...
            var fields = Avx2.PermuteVar8x32(Avx2.Shuffle(upper.AsByte(), gather).AsInt32(), order).AsUInt64();
            var low = fields.GetLower();
            Unsafe.WriteUnaligned(x + i, low.ToScalar());
            Unsafe.WriteUnaligned(y + i, low.GetElement(1));
            ulong pol = fields.GetElement(2);
            uint four = (uint)pol | (uint)(pol >> 16);           // p0 p1 p2 p3
            four = (four | (four >> 4)) & 0x0F0F0F0Fu;           // each byte: nonzero → 1
            four = (four | (four >> 2)) & 0x03030303u;
            four = (four | (four >> 1)) & 0x01010101u;
            Unsafe.WriteUnaligned(p + i, four);
        }
        negative |= (uint)(signs.GetElement(0) | signs.GetElement(1) | signs.GetElement(2) | signs.GetElement(3));
        return i;
    }

    /// <summary>The uncompressed size-prefixed "EVTS" FlatBuffer for events [start, start + count) of <paramref name="events"/>.</summary>
    public static void EncodeEventsPayload(EventBatch events, int start, int count, PooledBuffer output)
    {
        int total = 32 + count * EventSize;
        output.Length = 0;
        output.EnsureCapacity(total);
        var s = output.Array.AsSpan(0, total);
        s[..32].Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(s, (uint)(total - 4));  // size prefix
        BinaryPrimitives.WriteUInt32LittleEndian(s[4..], 16);            // root table at 4 + 16 = 20
        "EVTS"u8.CopyTo(s[8..]);
        BinaryPrimitives.WriteUInt16LittleEndian(s[12..], 6);            // vtable at 12: 1 field
        BinaryPrimitives.WriteUInt16LittleEndian(s[14..], 8);            // table size
        BinaryPrimitives.WriteUInt16LittleEndian(s[16..], 4);            // elements @ +4
        BinaryPrimitives.WriteInt32LittleEndian(s[20..], 20 - 12);       // table → vtable
        BinaryPrimitives.WriteUInt32LittleEndian(s[24..], 4);            // → vector at 28
        BinaryPrimitives.WriteUInt32LittleEndian(s[28..], (uint)count);  // structs start at 32 (8-aligned)
        var t = events.T; var x = events.X; var y = events.Y; var p = events.P;
        for (int i = 0; i < count; i++)
        {
            var e = s.Slice(32 + i * EventSize, EventSize);
            BinaryPrimitives.WriteInt64LittleEndian(e, t[start + i]);
            BinaryPrimitives.WriteInt16LittleEndian(e[8..], (short)x[start + i]);
            BinaryPrimitives.WriteInt16LittleEndian(e[10..], (short)y[start + i]);
            e[12] = p[start + i];
            e[13] = e[14] = e[15] = 0;
        }
        output.Length = total;
    }

    /// <summary>Compresses <paramref name="payload"/> as a packet body into <paramref name="output"/> (reset first).</summary>
    public static void Compress(ReadOnlySpan<byte> payload, Aedat4Compression compression, PooledBuffer output)
    {
        output.Length = 0;
        switch (compression)
        {
            case Aedat4Compression.None:
                output.EnsureCapacity(payload.Length);
                payload.CopyTo(output.Array);
                output.Length = payload.Length;
                break;
            case Aedat4Compression.Lz4:
                Lz4Frame.Encode(payload, output);
                break;
            case Aedat4Compression.Lz4High:
                Lz4Frame.Encode(payload, output, K4os.Compression.LZ4.LZ4Level.L09_HC);
                break;
            default:
                using (var zstd = new Compressor(compression == Aedat4Compression.ZstdHigh ? 19 : 3))
                {
                    output.EnsureCapacity(Compressor.GetCompressBound(payload.Length));
                    output.Length = zstd.Wrap(payload, output.Array.AsSpan());
                }
                break;
        }
    }
}
