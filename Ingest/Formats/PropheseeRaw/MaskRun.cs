using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace EventSnn.Ingest;

/// <summary>
/// Writes the events of one mask word (EVT 2.1 EVT_NEG/EVT_POS, EVT 3.0 VECT_12/VECT_8): one event at
/// <c>x0 + i</c> for every set bit i of the mask, all sharing time, row and polarity.
/// </summary>
static class MaskRun
{
    /// <summary>
    /// Writes the events of <paramref name="mask"/> from slot <paramref name="k"/> on and returns the slot after the
    /// last. From <paramref name="vectorFrom"/> events on, t, y and p are filled by vector stores, and only x takes one
    /// store per set bit; sparser masks are written one event at a time. The vector stores write up to slot k + 31 for
    /// masks of more than 16 bits and up to slot k + 15 otherwise: the batch must hold those slots.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe int Write(long* t, ushort* x, ushort* y, byte* p, int k, uint mask, long ts, int x0, ushort cy, byte pol, int vectorFrom)
    {
        int count = BitOperations.PopCount(mask);
        if (count >= vectorFrom && Vector256.IsHardwareAccelerated)
        {
            var tv = Vector256.Create(ts);
            for (int q = 0; q < count; q += 4) tv.Store(t + k + q);
            var yv = Vector256.Create(cy);
            yv.Store(y + k);
            if (count > 16)
            {
                yv.Store(y + k + 16);
                Vector256.Create(pol).Store(p + k);
            }
            else Vector128.Create(pol).Store(p + k);
            while (mask != 0)
            {
                x[k++] = (ushort)(x0 + BitOperations.TrailingZeroCount(mask));
                mask &= mask - 1;
            }
        }
        else
        {
            while (mask != 0)
            {
                int b = BitOperations.TrailingZeroCount(mask);
                t[k] = ts; x[k] = (ushort)(x0 + b); y[k] = cy; p[k] = pol;
                k++;
                mask &= mask - 1;
            }
        }
        return k;
    }
}
