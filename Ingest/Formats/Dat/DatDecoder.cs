using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

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
            int i = 0;
            if (Vector256.IsHardwareAccelerated)
            {
                // 16 records per step: split times from address words, widen times, narrow x, y, p.
                var evens = Vector256.Create(0u, 2, 4, 6, 1, 3, 5, 7);
                var m14 = Vector256.Create(0x3FFFu);
                var one = Vector256.Create(1u);
                for (; i + 16 <= n; i += 16, k += 16)
                {
                    uint* r = (uint*)(src + (long)i * RecordSize);
                    var a = Vector256.Shuffle(Vector256.Load(r), evens);      // t0..t3 | w0..w3
                    var b = Vector256.Shuffle(Vector256.Load(r + 8), evens);  // t4..t7 | w4..w7
                    var c = Vector256.Shuffle(Vector256.Load(r + 16), evens);
                    var d = Vector256.Shuffle(Vector256.Load(r + 24), evens);
                    var t0 = Vector256.Create(a.GetLower(), b.GetLower());
                    var w0 = Vector256.Create(a.GetUpper(), b.GetUpper());
                    var t1 = Vector256.Create(c.GetLower(), d.GetLower());
                    var w1 = Vector256.Create(c.GetUpper(), d.GetUpper());
                    var (ta, tb) = Vector256.Widen(t0);
                    var (tc, td) = Vector256.Widen(t1);
                    long* tp = t + k;
                    ta.AsInt64().Store(tp); tb.AsInt64().Store(tp + 4); tc.AsInt64().Store(tp + 8); td.AsInt64().Store(tp + 12);
                    Vector256.Narrow(w0 & m14, w1 & m14).Store(x + k);
                    Vector256.Narrow((w0 >> 14) & m14, (w1 >> 14) & m14).Store(y + k);
                    var pw = Vector256.Narrow((w0 >> 28) & one, (w1 >> 28) & one);
                    Vector128.Narrow(pw.GetLower(), pw.GetUpper()).Store(p + k);
                }
            }
            for (; i < n; i++, k++)
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
