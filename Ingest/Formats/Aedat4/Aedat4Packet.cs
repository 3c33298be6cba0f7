using System.Buffers.Binary;
using System.Runtime.CompilerServices;
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
            for (int i = 0; i < n; i++)
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
