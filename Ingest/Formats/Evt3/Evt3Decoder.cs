using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace EventSnn.Ingest;

/// <summary>Running state of an EVT 3.0 decode: the current row, vector base, time and counters.</summary>
public struct Evt3State
{
    /// <summary>Current y (EVT_ADDR_Y).</summary>
    public int Y;
    /// <summary>Current vector base x (VECT_BASE_X, advanced by VECT_12 / VECT_8).</summary>
    public int BaseX;
    /// <summary>Polarity of vector events (VECT_BASE_X bit 11).</summary>
    public byte VectorPolarity;
    /// <summary>Time base in µs of the last TIME_HIGH word, loops included.</summary>
    public long TimeBase;
    /// <summary>Raw base (time bits 23..12, in µs) of the last TIME_HIGH word, for the loop rule.</summary>
    public long LastBase;
    /// <summary>Current event time in µs (time base + TIME_LOW).</summary>
    public long Time;
    /// <summary>Number of 2^24 µs time loops detected.</summary>
    public long Loops;
    /// <summary>True once a TIME_HIGH word was seen; words before it are skipped, as OpenEB does.</summary>
    public bool HaveTimeHigh;
    /// <summary>Words skipped because no TIME_HIGH word came before them.</summary>
    public long SkippedBeforeTimeHigh;
    /// <summary>TIME_HIGH words whose base went backwards without being a loop.</summary>
    public long TimeHighBackwards;
    /// <summary>CONTINUED_4, CONTINUED_12, IMU and OTHERS words: counted, not decoded.</summary>
    public long IgnoredWords;
    /// <summary>Words of a type the format does not define (1, 9, 0xB, 0xC): counted, not fatal.</summary>
    public long ReservedWords;
}

/// <summary>
/// Decodes EVT 3.0 words (16-bit little-endian, type in bits 15..12, stateful; FORMATS.md §5.3). EVT_ADDR_Y sets the
/// row; EVT_ADDR_X emits one event; VECT_BASE_X sets the base column and polarity of the vectors that follow, and
/// VECT_12 / VECT_8 emit one event per set bit of their mask at base + bit, then advance the base by 12 / 8;
/// EVT_TIME_HIGH sets time bits 23..12 (and clears the low part), EVT_TIME_LOW bits 11..0. TIME_LOW is never used to
/// infer a wrap (it may go backwards across sources); a TIME_HIGH base smaller than the previous one by at least
/// (MaxBase − 10·4096) µs starts a new 2^24 µs loop (OpenEB's rule). EXT_TRIGGER (0xA): value bit 0, id bits 11..8.
/// </summary>
public static class Evt3Decoder
{
    /// <summary>Time added per detected loop, in µs (2^24).</summary>
    public const long TimeLoopUs = 1L << 24;

    /// <summary>Largest TIME_HIGH base, in µs.</summary>
    public const long MaxBaseUs = 4095L << 12;

    /// <summary>A backwards TIME_HIGH jump at least this large (µs) is a loop.</summary>
    public const long LoopThresholdUs = MaxBaseUs - 10 * 4096;

    /// <summary>Word types.</summary>
    public const int AddrY = 0x0, AddrX = 0x2, VectBaseX = 0x3, Vect12 = 0x4, Vect8 = 0x5, TimeLow = 0x6, Continued4 = 0x7,
        TimeHigh = 0x8, ExtTrigger = 0xA, Imu = 0xD, Others = 0xE, Continued12 = 0xF;

    /// <summary>
    /// Decodes whole words of <paramref name="words"/> (length a multiple of 2) into <paramref name="into"/>, stopping
    /// before a word whose events would take the count past <paramref name="limit"/>; triggers go to
    /// <paramref name="triggers"/> when not null. Returns words consumed.
    /// </summary>
    public static unsafe int Decode(ReadOnlySpan<byte> words, ref Evt3State state, EventBatch into, int limit, List<ExternalTrigger>? triggers)
    {
        int n = words.Length / 2;
        into.EnsureCapacity(limit + 16); // 16 spare slots for the vector stores of VECT_12 / VECT_8
        int k = into.Count;
        var s = state;
        int i = 0;
        fixed (byte* src = words)
        fixed (long* t = into.TArray)
        fixed (ushort* x = into.XArray, y = into.YArray)
        fixed (byte* p = into.PArray)
        {
            ushort* w = (ushort*)src;
            if (!s.HaveTimeHigh)
            {
                for (; i < n; i++)
                {
                    uint v = Unsafe.ReadUnaligned<ushort>(w + i);
                    if ((v >> 12) == TimeHigh) break;
                    s.SkippedBeforeTimeHigh++;
                }
            }
            ushort cy = (ushort)s.Y;
            int bx = s.BaseX;
            byte vp = s.VectorPolarity;
            long tc = s.Time;
            long tb = s.TimeBase;
            for (; i < n; i++)
            {
                uint v = Unsafe.ReadUnaligned<ushort>(w + i);
                uint type = v >> 12;
                // ADDR_Y, ADDR_X and TIME_LOW make up nearly every word of a sparse recording, in an order no branch
                // predictor follows: handle them without data-dependent branches. The event slot is written every
                // time and kept only for ADDR_X (k < limit, so the slot is inside the batch).
                if (((0x45u >> (int)type) & 1) != 0)
                {
                    if (k >= limit) break;
                    uint payload = v & 0x7FF;
                    t[k] = tc; x[k] = (ushort)payload; y[k] = cy; p[k] = (byte)((v >> 11) & 1);
                    uint isX = ((type ^ AddrX) - 1) >> 31;          // 1 for ADDR_X, else 0 (type < 16)
                    uint yMask = 0u - (((type ^ AddrY) - 1) >> 31);  // all ones for ADDR_Y
                    long lowMask = -(long)(((type ^ TimeLow) - 1) >> 31); // all ones for TIME_LOW
                    k += (int)isX;
                    cy = (ushort)((cy & ~yMask) | (payload & yMask));
                    tc = (tc & ~lowMask) | ((tb + (v & 0xFFF)) & lowMask);
                    continue;
                }
                switch (type)
                {
                    case VectBaseX:
                        bx = (int)(v & 0x7FF);
                        vp = (byte)((v >> 11) & 1);
                        break;
                    case Vect12:
                    case Vect8:
                    {
                        bool v12 = (v >> 12) == Vect12;
                        uint m = v12 ? v & 0xFFF : v & 0xFF;
                        if (k + (v12 ? 12 : 8) > limit && k + BitOperations.PopCount(m) > limit) goto done;
                        // Slots up to k + 15 are written: the batch has 16 spare slots past the limit.
                        k = MaskRun.Write(t, x, y, p, k, m, tc, bx, cy, vp, vectorFrom: 3);
                        bx += v12 ? 12 : 8;
                        break;
                    }
                    case TimeHigh:
                    {
                        long b = (long)(v & 0xFFF) << 12;
                        if (s.HaveTimeHigh && b < s.LastBase)
                        {
                            if (s.LastBase - b >= LoopThresholdUs) s.Loops++;
                            else s.TimeHighBackwards++;
                        }
                        s.LastBase = b;
                        s.TimeBase = b + s.Loops * TimeLoopUs;
                        s.HaveTimeHigh = true;
                        tc = tb = s.TimeBase;
                        break;
                    }
                    case ExtTrigger:
                        triggers?.Add(new ExternalTrigger(tc, (int)((v >> 8) & 0xF), (int)(v & 1)));
                        break;
                    case Continued4 or Continued12 or Imu or Others:
                        s.IgnoredWords++;
                        break;
                    default:
                        s.ReservedWords++;
                        break;
                }
            }
        done:
            s.Y = cy; s.BaseX = bx; s.VectorPolarity = vp; s.Time = tc;
        }
        into.Count = k;
        state = s;
        return i;
    }
}
