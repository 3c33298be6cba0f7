using System.Runtime.CompilerServices;

namespace EventSnn.Ingest;

/// <summary>
/// Decodes DAT CD records (8 bytes, little-endian; FORMATS.md §5.4): uint32 t in µs, then a 32-bit word with x in bits
/// 13..0, y in bits 27..14 and the polarity in bit 28 (Metavision's <c>dat_tools</c> masks). Timestamps are the
/// stored 32-bit values (no wrap handling, as the public readers).
/// </summary>
public static class DatDecoder
{
    /// <summary>Bytes per CD record.</summary>
    public const int RecordSize = 8;

    /// <summary>Decodes the whole records of <paramref name="records"/>; returns records consumed.</summary>
    public static unsafe int Decode(ReadOnlySpan<byte> records, EventBatch into)
    {
        int n = records.Length / RecordSize;
        into.EnsureCapacity(into.Count + n);
        int k = into.Count;
        fixed (byte* src = records)
        fixed (long* t = into.TArray)
        fixed (ushort* x = into.XArray, y = into.YArray)
        fixed (byte* p = into.PArray)
        {
            for (int i = 0; i < n; i++, k++)
            {
                ulong r = Unsafe.ReadUnaligned<ulong>(src + (long)i * RecordSize);
                uint w = (uint)(r >> 32);
                t[k] = (uint)r;
                x[k] = (ushort)(w & 0x3FFF);
                y[k] = (ushort)((w >> 14) & 0x3FFF);
                p[k] = (byte)((w >> 28) & 1);
            }
        }
        into.Count = k;
        return n;
    }
}
