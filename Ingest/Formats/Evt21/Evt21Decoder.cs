using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace EventSnn.Ingest;

/// <summary>
/// Decodes EVT 2.1 words (64-bit little-endian, type in bits 63..60; Prophesee's EVT 2.1 documentation and OpenEB's
/// <c>evt21_event_types.h</c>). EVT_NEG (0x0) / EVT_POS (0x1): time bits 5..0 in 59..54, x in 53..43 (the first
/// column of a 32-pixel group), y in 42..32, and a 32-bit validity mask in 31..0: one event at x + i for every set
/// bit i. EVT_TIME_HIGH (0x8): time bits 33..6 in 59..32, with EVT 2.0's loop rule (<see cref="Evt2Decoder"/>).
/// EXT_TRIGGER (0xA): time bits 5..0 in 59..54, id in 44..40, value in bit 32. OTHERS (0xE) and CONTINUED (0xF) are
/// counted. Files whose format line says <c>endianness=legacy</c> (IMX636) store each word with its two 32-bit halves
/// swapped; the decoder's legacy flag undoes that.
/// </summary>
public static class Evt21Decoder
{
    /// <summary>Word types.</summary>
    public const uint EvtNeg = 0x0, EvtPos = 0x1, TimeHigh = 0x8, ExtTrigger = 0xA, Others = 0xE, Continued = 0xF;

    /// <summary>
    /// Decodes whole words of <paramref name="words"/> (length a multiple of 8) into <paramref name="into"/>, stopping
    /// before a word whose events would take the count past <paramref name="limit"/>. Returns words consumed.
    /// </summary>
    public static unsafe int Decode(ReadOnlySpan<byte> words, bool legacy, ref Evt2State state, EventBatch into, int limit, List<ExternalTrigger>? triggers)
    {
        int n = words.Length / 8;
        into.EnsureCapacity(limit + 32); // 32 spare slots for the vector stores of a mask
        int k = into.Count;
        var s = state;
        int i = 0;
        fixed (byte* src = words)
        fixed (long* t = into.TArray)
        fixed (ushort* x = into.XArray, y = into.YArray)
        fixed (byte* p = into.PArray)
        {
            ulong* w = (ulong*)src;
            for (; i < n; i++)
            {
                ulong v = Unsafe.ReadUnaligned<ulong>(w + i);
                if (legacy) v = (v << 32) | (v >> 32);
                uint type = (uint)(v >> 60);
                if (type <= EvtPos && s.HaveTimeHigh)
                {
                    uint mask = (uint)v;
                    if (k + 32 > limit && k + BitOperations.PopCount(mask) > limit) break;
                    // Slots up to k + 31 are written: the batch has 32 spare slots past the limit.
                    k = MaskRun.Write(t, x, y, p, k, mask, s.TimeHigh | (long)((v >> 54) & 63), (int)((v >> 43) & 0x7FF),
                        (ushort)((v >> 32) & 0x7FF), (byte)type, vectorFrom: 4);
                    continue;
                }
                uint hi = (uint)(v >> 32);
                if (type == TimeHigh) { Evt2Decoder.ApplyTimeHigh(ref s, hi & 0x0FFFFFFF); continue; }
                if (!s.HaveTimeHigh) { s.SkippedBeforeTimeHigh++; continue; }
                switch (type)
                {
                    case ExtTrigger:
                        triggers?.Add(new ExternalTrigger(s.TimeHigh | ((hi >> 22) & 63), (int)((hi >> 8) & 0x1F), (int)(hi & 1)));
                        break;
                    case Others or Continued:
                        s.IgnoredWords++;
                        break;
                    default:
                        s.ReservedWords++;
                        break;
                }
            }
        }
        into.Count = k;
        state = s;
        return i;
    }
}
