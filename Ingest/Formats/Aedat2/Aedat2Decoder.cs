using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace EventSnn.Ingest;

/// <summary>Decodes AEDAT 2.0 payload records (8 bytes, big-endian uint32 address then uint32 timestamp in µs).</summary>
public static class Aedat2Decoder
{
    /// <summary>Bytes per record.</summary>
    public const int RecordSize = 8;

    /// <summary>
    /// Appends the DVS128 events of the whole records in <paramref name="records"/> to <paramref name="into"/> under
    /// <paramref name="convention"/>; returns the number of records consumed. Bit 15 (sync) events are kept, as every
    /// dataset loader does.
    /// </summary>
    public static unsafe int DecodeDvs128(ReadOnlySpan<byte> records, Aedat2Convention convention, EventBatch into)
    {
        int n = records.Length / RecordSize;
        if (n == 0) return 0;
        into.EnsureCapacity(into.Count + n);
        int start = into.Count;
        // The swap is folded into shift amounts so the loop has no branch per event.
        int sx = convention.Swap ? 8 : 1, sy = convention.Swap ? 1 : 8;
        uint xx = (uint)convention.XorX, xy = (uint)convention.XorY, xp = (uint)convention.XorP;
        fixed (byte* src = records)
        fixed (long* t = &into.TArray[start])
        fixed (ushort* x = &into.XArray[start], y = &into.YArray[start])
        fixed (byte* p = &into.PArray[start])
        {
            ulong* r = (ulong*)src;
            for (int i = 0; i < n; i++)
            {
                ulong w = BinaryPrimitives.ReverseEndianness(Unsafe.ReadUnaligned<ulong>(r + i));
                // After the byte swap the address is the high word and the timestamp the low word.
                uint a = (uint)(w >> 32);
                t[i] = (uint)w;
                x[i] = (ushort)(((a >> sx) & 0x7F) ^ xx);
                y[i] = (ushort)(((a >> sy) & 0x7F) ^ xy);
                p[i] = (byte)((a & 1) ^ xp);
            }
        }
        into.Count = start + n;
        return n;
    }

    /// <summary>
    /// Appends the DVS events of DAVIS records (bit 31 = 0; APS/IMU samples with bit 31 = 1 are skipped):
    /// x = (a &gt;&gt; 12) &amp; 0x3FF, y = (a &gt;&gt; 22) &amp; 0x1FF, p = (a &gt;&gt; 11) &amp; 1. With <paramref name="flip"/> both axes are
    /// mirrored (x = width − 1 − x, y = height − 1 − y), as Tonic's read_davis_346 does. Returns the index (in records)
    /// of the first record whose coordinates fall outside the sensor, or −1 when all were in range; records are consumed
    /// up to that point.
    /// </summary>
    public static int DecodeDavis(ReadOnlySpan<byte> records, int width, int height, bool flip, EventBatch into, out int consumed)
    {
        int n = records.Length / RecordSize;
        into.EnsureCapacity(into.Count + n);
        int k = into.Count;
        long[] t = into.TArray; ushort[] x = into.XArray, y = into.YArray; byte[] p = into.PArray;
        ReadOnlySpan<ulong> r = MemoryMarshal.Cast<byte, ulong>(records[..(n * RecordSize)]);
        for (int i = 0; i < r.Length; i++)
        {
            ulong w = BinaryPrimitives.ReverseEndianness(r[i]);
            uint a = (uint)(w >> 32);
            if ((a & 0x80000000u) != 0) continue;
            uint ex = (a >> 12) & 0x3FF, ey = (a >> 22) & 0x1FF;
            if (ex >= (uint)width || ey >= (uint)height)
            {
                into.Count = k;
                consumed = i;
                return i;
            }
            if (flip) { ex = (uint)width - 1 - ex; ey = (uint)height - 1 - ey; }
            t[k] = (uint)w; x[k] = (ushort)ex; y[k] = (ushort)ey; p[k] = (byte)((a >> 11) & 1);
            k++;
        }
        into.Count = k;
        consumed = n;
        return -1;
    }
}
