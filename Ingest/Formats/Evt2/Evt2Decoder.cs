using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace EventSnn.Ingest;

/// <summary>
/// Running state of an EVT 2.0 / EVT 2.1 decode: the time base from the last EVT_TIME_HIGH word (with the number of
/// 2^34 µs loops seen) and counters of the words that carry no CD event.
/// </summary>
public struct Evt2State
{
    /// <summary>Time base in µs of the last TIME_HIGH word, loops included.</summary>
    public long TimeHigh;
    /// <summary>Raw base (bits 33..6 of the time, in µs) of the last TIME_HIGH word, for the loop rule.</summary>
    public long LastBase;
    /// <summary>Number of 2^34 µs time loops detected.</summary>
    public long Loops;
    /// <summary>True once a TIME_HIGH word was seen; words before it are skipped, as OpenEB does.</summary>
    public bool HaveTimeHigh;
    /// <summary>Words skipped because no TIME_HIGH word came before them.</summary>
    public long SkippedBeforeTimeHigh;
    /// <summary>TIME_HIGH words whose base went backwards without being a loop (damaged or merged streams).</summary>
    public long TimeHighBackwards;
    /// <summary>IMU, OTHERS and CONTINUED words (types 0xD, 0xE, 0xF): counted, not decoded.</summary>
    public long IgnoredWords;
    /// <summary>Words of a type the format does not define: counted, not fatal.</summary>
    public long ReservedWords;
}

/// <summary>
/// Decodes EVT 2.0 words (32-bit little-endian, type in bits 31..28; FORMATS.md §5.2): CD_OFF/CD_ON carry the 6 low
/// time bits, x (11 bits) and y (11 bits); EVT_TIME_HIGH carries time bits 33..6; EXT_TRIGGER carries the 6 low time
/// bits, a 5-bit id and a value bit. Loop rule (OpenEB): a TIME_HIGH base smaller than the previous one by at least
/// (MaxBase − 10·64) µs starts a new 2^34 µs loop.
/// </summary>
public static class Evt2Decoder
{
    /// <summary>Time added per detected loop, in µs (2^34).</summary>
    public const long TimeLoopUs = 1L << 34;

    /// <summary>Largest TIME_HIGH base, in µs.</summary>
    public const long MaxBaseUs = ((1L << 28) - 1) << 6;

    /// <summary>A backwards TIME_HIGH jump at least this large (µs) is a loop.</summary>
    public const long LoopThresholdUs = MaxBaseUs - 10 * 64;

    /// <summary>Word types.</summary>
    public const uint CdOff = 0x0, CdOn = 0x1, TimeHigh = 0x8, ExtTrigger = 0xA, Imu = 0xD, Others = 0xE, Continued = 0xF;

    /// <summary>Applies a TIME_HIGH value (time bits 33..6) to the state with the loop rule.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ApplyTimeHigh(ref Evt2State s, uint value28)
    {
        long b = (long)value28 << 6;
        if (s.HaveTimeHigh && b < s.LastBase)
        {
            if (s.LastBase - b >= LoopThresholdUs) s.Loops++;
            else s.TimeHighBackwards++;
        }
        s.LastBase = b;
        s.TimeHigh = b + s.Loops * TimeLoopUs;
        s.HaveTimeHigh = true;
    }

    /// <summary>
    /// Decodes whole words of <paramref name="words"/> (length a multiple of 4) into <paramref name="into"/>, at most
    /// <paramref name="limit"/> − Count events (one per CD word); triggers go to <paramref name="triggers"/> when not
    /// null. Returns words consumed.
    /// </summary>
    public static unsafe int Decode(ReadOnlySpan<byte> words, ref Evt2State state, EventBatch into, int limit, List<ExternalTrigger>? triggers)
    {
        int n = words.Length / 4;
        into.EnsureCapacity(limit);
        int k = into.Count;
        int stop = Math.Min(n, limit - k); // every word yields at most one event
        if (stop < 0) stop = 0;
        var s = state;
        int i = 0;
        fixed (byte* src = words)
        fixed (long* t = into.TArray)
        fixed (ushort* x = into.XArray, y = into.YArray)
        fixed (byte* p = into.PArray)
        {
            uint* w = (uint*)src;
            long th = s.TimeHigh;
            bool have = s.HaveTimeHigh;
            for (; i < stop; i++)
            {
                // 16 CD words in a row (the common case): decode them with vectors.
                if (have && Vector256.IsHardwareAccelerated && i + 16 <= stop)
                {
                    var v0 = Vector256.Load(w + i);
                    var v1 = Vector256.Load(w + i + 8);
                    if (((v0 | v1) >> 29) == Vector256<uint>.Zero)
                    {
                        var m6 = Vector256.Create(63u);
                        var m11 = Vector256.Create(0x7FFu);
                        var baseT = Vector256.Create(th);
                        var (ta, tb) = Vector256.Widen((v0 >> 22) & m6);
                        var (tc, td) = Vector256.Widen((v1 >> 22) & m6);
                        long* tp = t + k;
                        (ta.AsInt64() | baseT).Store(tp); (tb.AsInt64() | baseT).Store(tp + 4);
                        (tc.AsInt64() | baseT).Store(tp + 8); (td.AsInt64() | baseT).Store(tp + 12);
                        Vector256.Narrow((v0 >> 11) & m11, (v1 >> 11) & m11).Store(x + k);
                        Vector256.Narrow(v0 & m11, v1 & m11).Store(y + k);
                        var pw = Vector256.Narrow(v0 >> 28, v1 >> 28);
                        Vector128.Narrow(pw.GetLower(), pw.GetUpper()).Store(p + k);
                        k += 16;
                        i += 15;
                        continue;
                    }
                }
                uint v = Unsafe.ReadUnaligned<uint>(w + i);
                uint type = v >> 28;
                if (type <= CdOn && have)
                {
                    t[k] = th | ((v >> 22) & 63);
                    x[k] = (ushort)((v >> 11) & 0x7FF);
                    y[k] = (ushort)(v & 0x7FF);
                    p[k] = (byte)type;
                    k++;
                    continue;
                }
                s.TimeHigh = th;
                s.HaveTimeHigh = have;
                Other(v, type, ref s, triggers);
                th = s.TimeHigh;
                have = s.HaveTimeHigh;
            }
            s.TimeHigh = th;
            s.HaveTimeHigh = have;
        }
        into.Count = k;
        state = s;
        return i;
    }

    static void Other(uint v, uint type, ref Evt2State s, List<ExternalTrigger>? triggers)
    {
        if (type == TimeHigh) { ApplyTimeHigh(ref s, v & 0x0FFFFFFF); return; }
        if (!s.HaveTimeHigh) { s.SkippedBeforeTimeHigh++; return; }
        switch (type)
        {
            case ExtTrigger:
                triggers?.Add(new ExternalTrigger(s.TimeHigh | ((v >> 22) & 63), (int)((v >> 8) & 0x1F), (int)(v & 1)));
                break;
            case Imu or Others or Continued:
                s.IgnoredWords++;
                break;
            default:
                s.ReservedWords++;
                break;
        }
    }
}
