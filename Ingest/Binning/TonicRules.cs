namespace EventSnn.Ingest.Binning;

/// <summary>
/// Tonic <c>ToFrame(n_event_bins = B, overlap = o)</c>: <c>count = ⌊⌊N / B⌋·(1 + o)⌋</c> events per bin,
/// <c>stride = ⌊count·(1 − o)⌋</c>; bin k holds <c>[k·stride, k·stride + count)</c>, so with o = 0 the
/// <c>N mod B</c> last events are dropped.
/// </summary>
public sealed record TonicEventBinsRule : BinningRule
{
    /// <summary>Creates the rule.</summary>
    public TonicEventBinsRule(int bins, double overlap = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bins);
        if (!(overlap >= 0 && overlap < 1)) throw new ArgumentOutOfRangeException(nameof(overlap), "overlap must lie in [0, 1)");
        Bins = bins; Overlap = overlap;
    }

    /// <summary>Number of bins.</summary>
    public int Bins { get; }

    /// <summary>Overlap as a fraction of a bin, in [0, 1).</summary>
    public double Overlap { get; }

    /// <inheritdoc/>
    public override int? FixedBinCount => Bins;

    /// <inheritdoc/>
    public override string Spec => Overlap == 0 ? $"tonic-event-bins:{Bins}" : FormattableString.Invariant($"tonic-event-bins:{Bins},overlap={Overlap:R}");

    /// <inheritdoc/>
    public override EventSlice[] Slice(ReadOnlySpan<long> t)
    {
        int n = t.Length;
        int count = (int)((n / Bins) * (1 + Overlap));
        int stride = (int)(count * (1 - Overlap));
        var s = new EventSlice[Bins];
        for (int k = 0; k < Bins; k++)
        {
            int start = Math.Min(n, k * stride);
            s[k] = new EventSlice(start, Math.Min(n, start + count));
        }
        return s;
    }
}

/// <summary>
/// Tonic <c>ToFrame(n_time_bins = B, overlap = o)</c>: <c>window = ⌊(t[N−1] − t[0]) / B⌋·(1 + o)</c>,
/// <c>stride = window·(1 − o)</c>; bin k holds events with <c>t0 + k·stride ≤ t &lt; t0 + k·stride + window</c>,
/// so with o = 0 the events at <c>t ≥ t0 + B·window</c> (at least the last one, usually) are dropped.
/// </summary>
public sealed record TonicTimeBinsRule : BinningRule
{
    /// <summary>Creates the rule.</summary>
    public TonicTimeBinsRule(int bins, double overlap = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bins);
        if (!(overlap >= 0 && overlap < 1)) throw new ArgumentOutOfRangeException(nameof(overlap), "overlap must lie in [0, 1)");
        Bins = bins; Overlap = overlap;
    }

    /// <summary>Number of bins.</summary>
    public int Bins { get; }

    /// <summary>Overlap as a fraction of a bin, in [0, 1).</summary>
    public double Overlap { get; }

    /// <inheritdoc/>
    public override int? FixedBinCount => Bins;

    /// <inheritdoc/>
    public override string Spec => Overlap == 0 ? $"tonic-time-bins:{Bins}" : FormattableString.Invariant($"tonic-time-bins:{Bins},overlap={Overlap:R}");

    /// <inheritdoc/>
    public override EventSlice[] Slice(ReadOnlySpan<long> t)
    {
        var s = new EventSlice[Bins];
        int n = t.Length;
        if (n == 0) return s;
        long t0 = t[0];
        double window = FloorDiv(t[n - 1] - t0, Bins) * (1 + Overlap);
        double stride = window * (1 - Overlap);
        for (int k = 0; k < Bins; k++)
        {
            double start = k * stride + t0;
            int a = LowerBound(t, start);
            s[k] = new EventSlice(a, Math.Max(a, LowerBound(t, start + window)));
        }
        return s;
    }
}

/// <summary>
/// Tonic <c>ToFrame(event_count = c, overlap = o, include_incomplete)</c>: <c>stride = c − o</c> events,
/// <c>n = ⌊(N − min(c, N)) / stride⌋ + 1</c> bins (ceiling when <see cref="IncludeIncomplete"/>), bin k holds
/// <c>[k·stride, k·stride + min(c, N))</c>.
/// </summary>
public sealed record TonicEventCountRule : BinningRule
{
    /// <summary>Creates the rule.</summary>
    public TonicEventCountRule(int count, int overlap = 0, bool includeIncomplete = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        ArgumentOutOfRangeException.ThrowIfNegative(overlap);
        if (count - overlap <= 0) throw new ArgumentOutOfRangeException(nameof(overlap), "overlap must be smaller than the event count");
        Count = count; Overlap = overlap; IncludeIncomplete = includeIncomplete;
    }

    /// <summary>Events per bin.</summary>
    public int Count { get; }

    /// <summary>Events shared by neighbouring bins.</summary>
    public int Overlap { get; }

    /// <summary>Whether a last, shorter bin is kept.</summary>
    public bool IncludeIncomplete { get; }

    /// <inheritdoc/>
    public override int? FixedBinCount => null;

    /// <inheritdoc/>
    public override string Spec => $"tonic-event-count:{Count}" + (Overlap != 0 ? $",overlap={Overlap}" : "") + (IncludeIncomplete ? ",incomplete" : "");

    /// <inheritdoc/>
    public override EventSlice[] Slice(ReadOnlySpan<long> t)
    {
        int n = t.Length;
        int count = Math.Min(Count, n);
        int stride = Count - Overlap;
        double q = (double)(n - count) / stride;
        long slicesLong = (long)(IncludeIncomplete ? Math.Ceiling(q) : Math.Floor(q)) + 1;
        CheckSliceCount(slicesLong);
        int slices = (int)slicesLong;
        var s = new EventSlice[slices];
        for (int k = 0; k < slices; k++)
        {
            int start = Math.Min(n, k * stride);
            s[k] = new EventSlice(start, Math.Min(n, start + count));
        }
        return s;
    }
}

/// <summary>
/// Tonic <c>ToFrame(time_window = w, overlap = o, include_incomplete)</c> (µs): <c>stride = w − o</c>,
/// <c>n = ⌊((t[N−1] − t[0]) − w) / stride⌋ + 1</c> windows (ceiling when <see cref="IncludeIncomplete"/>,
/// at least 1); window k holds events with <c>t0 + k·stride ≤ t &lt; t0 + k·stride + w</c>.
/// </summary>
public sealed record TonicTimeWindowRule : BinningRule
{
    /// <summary>Creates the rule.</summary>
    public TonicTimeWindowRule(long windowUs, long overlapUs = 0, bool includeIncomplete = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(windowUs);
        ArgumentOutOfRangeException.ThrowIfNegative(overlapUs);
        if (windowUs - overlapUs <= 0) throw new ArgumentOutOfRangeException(nameof(overlapUs), "overlap must be shorter than the window");
        WindowUs = windowUs; OverlapUs = overlapUs; IncludeIncomplete = includeIncomplete;
    }

    /// <summary>Window length in µs.</summary>
    public long WindowUs { get; }

    /// <summary>Overlap of neighbouring windows in µs.</summary>
    public long OverlapUs { get; }

    /// <summary>Whether a last, shorter window is kept.</summary>
    public bool IncludeIncomplete { get; }

    /// <inheritdoc/>
    public override int? FixedBinCount => null;

    /// <inheritdoc/>
    public override string Spec => $"tonic-time-window:{WindowUs}" + (OverlapUs != 0 ? $",overlap={OverlapUs}" : "") + (IncludeIncomplete ? ",incomplete" : "");

    /// <inheritdoc/>
    public override EventSlice[] Slice(ReadOnlySpan<long> t)
    {
        int n = t.Length;
        if (n == 0) return [new EventSlice(0, 0)];
        long t0 = t[0];
        long stride = WindowUs - OverlapUs;
        double q = (double)(t[n - 1] - t0 - WindowUs) / stride;
        long slices = Math.Max(1, (long)Math.Min(IncludeIncomplete ? Math.Ceiling(q) : Math.Floor(q), MaxSlices + 1) + 1);
        CheckSliceCount(slices);
        var s = new EventSlice[slices];
        for (long k = 0; k < slices; k++)
        {
            long start = t0 + k * stride;
            int a = LowerBound(t, start);
            s[k] = new EventSlice(a, Math.Max(a, LowerBound(t, start + WindowUs)));
        }
        return s;
    }
}
