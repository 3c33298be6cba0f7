namespace EventSnn.Ingest.Binning;

/// <summary>
/// The equal-time-slices rule of the method's preprocessing (METHOD.md §8). With <c>d = t − t[0]</c> (µs from the
/// sample's first event), events with <c>TStartUs &lt; d &lt; TEndUs</c> are kept (both bounds strict, as in the
/// method's code), times are re-based to the first kept event, <c>slot</c> = re-based time of the last kept event,
/// and frame n (0 ≤ n &lt; T) holds events with <c>n·slot/T ≤ d' &lt; (n+1)·slot/T</c>, so the last kept event
/// (<c>d' = slot</c>) falls in no frame. Bounds are evaluated in exact integer arithmetic.
/// </summary>
public sealed record EqualTimeSlicesRule : BinningRule
{
    /// <summary>Creates the rule; <paramref name="tEndUs"/> = <see cref="long.MaxValue"/> means no upper bound.</summary>
    public EqualTimeSlicesRule(int t, long tStartUs = 0, long tEndUs = long.MaxValue)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(t);
        ArgumentOutOfRangeException.ThrowIfNegative(tStartUs);
        if (tEndUs <= tStartUs) throw new ArgumentOutOfRangeException(nameof(tEndUs), "t_end must be after t_start");
        T = t; TStartUs = tStartUs; TEndUs = tEndUs;
    }

    /// <summary>Number of frames.</summary>
    public int T { get; }

    /// <summary>Window start (exclusive) in µs after the sample's first event.</summary>
    public long TStartUs { get; }

    /// <summary>Window end (exclusive) in µs after the sample's first event; <see cref="long.MaxValue"/> = none.</summary>
    public long TEndUs { get; }

    /// <inheritdoc/>
    public override int? FixedBinCount => T;

    /// <inheritdoc/>
    public override string Spec => $"equal-time:{T}" + (TStartUs != 0 ? $",start={TStartUs}" : "") + (TEndUs != long.MaxValue ? $",end={TEndUs}" : "");

    /// <inheritdoc/>
    public override EventSlice[] Slice(ReadOnlySpan<long> t)
    {
        var s = new EventSlice[T];
        int n = t.Length;
        if (n == 0) return s;
        long first = t[0];
        int a = UpperBound(t, first + TStartUs);
        int b = TEndUs >= long.MaxValue - first ? n : LowerBound(t, first + TEndUs);
        if (a >= b)
        {
            for (int i = 0; i < T; i++) s[i] = new EventSlice(a, a);
            return s;
        }
        long baseT = t[a];
        long slot = t[b - 1] - baseT;
        var kept = t[..b];
        int start = a;
        for (int i = 0; i < T; i++)
        {
            // d' < (i+1)·slot/T  ⇔  d' < ceil((i+1)·slot/T) for integer d'.
            long bound = CeilDiv((long)(i + 1) * slot, T);
            int end = i == T - 1 ? LowerBound(kept, baseT + slot) : LowerBound(kept, baseT + bound);
            end = Math.Max(start, end);
            s[i] = new EventSlice(start, end);
            start = end;
        }
        return s;
    }

    static long CeilDiv(long a, long b) => (a + b - 1) / b;
}
