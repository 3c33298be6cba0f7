namespace EventSnn.Ingest.Binning;

/// <summary>
/// SpikingJelly <c>split_by='number'</c>: <c>di = N / T</c> events per frame; frame j holds
/// <c>[j·di, (j+1)·di)</c> and the last frame also takes the <c>N mod T</c> remainder.
/// </summary>
public sealed record SpikingJellyNumberRule : BinningRule
{
    /// <summary>Creates the rule for <paramref name="t"/> frames.</summary>
    public SpikingJellyNumberRule(int t)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(t);
        T = t;
    }

    /// <summary>Number of frames.</summary>
    public int T { get; }

    /// <inheritdoc/>
    public override int? FixedBinCount => T;

    /// <inheritdoc/>
    public override string Spec => $"sj-number:{T}";

    /// <inheritdoc/>
    public override EventSlice[] Slice(ReadOnlySpan<long> t)
    {
        int n = t.Length, di = n / T;
        var s = new EventSlice[T];
        for (int j = 0; j < T; j++) s[j] = new EventSlice(j * di, j == T - 1 ? n : (j + 1) * di);
        return s;
    }
}

/// <summary>
/// SpikingJelly <c>split_by='time'</c>: <c>dt = (t[N−1] − t[0]) / T</c> (integer division); frame j holds
/// events with <c>t0 + j·dt ≤ t &lt; t0 + (j+1)·dt</c>, and the last frame runs to the end of the events (so it
/// also holds the last event). Where SpikingJelly fails on an empty window, this rule gives an empty frame.
/// </summary>
public sealed record SpikingJellyTimeRule : BinningRule
{
    /// <summary>Creates the rule for <paramref name="t"/> frames.</summary>
    public SpikingJellyTimeRule(int t)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(t);
        T = t;
    }

    /// <summary>Number of frames.</summary>
    public int T { get; }

    /// <inheritdoc/>
    public override int? FixedBinCount => T;

    /// <inheritdoc/>
    public override string Spec => $"sj-time:{T}";

    /// <inheritdoc/>
    public override EventSlice[] Slice(ReadOnlySpan<long> t)
    {
        var s = new EventSlice[T];
        int n = t.Length;
        if (n == 0) return s;
        long t0 = t[0];
        long dt = FloorDiv(t[n - 1] - t0, T);
        for (int j = 0; j < T; j++)
        {
            int start = LowerBound(t, t0 + j * dt);
            int end = j == T - 1 ? n : LowerBound(t, t0 + (j + 1) * dt);
            s[j] = new EventSlice(start, Math.Max(start, end));
        }
        return s;
    }
}

/// <summary>
/// SpikingJelly <c>duration = d</c> µs. Current code: with <c>t' = t − t[0]</c> there are
/// <c>ceil(t'[N−1] / d)</c> frames, event i goes to frame <c>t'_i / d</c>, and every event from the start of the
/// last frame on joins the last frame (a recording with <c>t'[N−1] = 0</c> gives no frame).
/// <see cref="Legacy"/> reproduces SpikingJelly 0.0.0.0.14 instead: greedy windows anchored at the first event
/// of each window, holding events with <c>t − t_left ≤ d</c>.
/// </summary>
public sealed record SpikingJellyDurationRule : BinningRule
{
    /// <summary>Creates the rule for windows of <paramref name="durationUs"/> µs.</summary>
    public SpikingJellyDurationRule(long durationUs, bool legacy = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(durationUs);
        DurationUs = durationUs;
        Legacy = legacy;
    }

    /// <summary>Window length in µs.</summary>
    public long DurationUs { get; }

    /// <summary>True for the 0.0.0.0.14 greedy windows.</summary>
    public bool Legacy { get; }

    /// <inheritdoc/>
    public override int? FixedBinCount => null;

    /// <inheritdoc/>
    public override string Spec => Legacy ? $"sj-duration:{DurationUs},legacy" : $"sj-duration:{DurationUs}";

    /// <inheritdoc/>
    public override EventSlice[] Slice(ReadOnlySpan<long> t)
    {
        int n = t.Length;
        if (n == 0) return [];
        var list = new List<EventSlice>();
        if (Legacy)
        {
            for (int start = 0; start < n;)
            {
                int end = UpperBound(t, t[start] + DurationUs);
                list.Add(new EventSlice(start, end));
                start = end;
            }
            return [.. list];
        }
        long t0 = t[0];
        long span = t[n - 1] - t0;
        long frames = (span + DurationUs - 1) / DurationUs;
        for (long j = 0; j < frames; j++)
        {
            int start = LowerBound(t, t0 + j * DurationUs);
            int end = j == frames - 1 ? n : LowerBound(t, t0 + (j + 1) * DurationUs);
            list.Add(new EventSlice(start, end));
        }
        return [.. list];
    }
}
