using System.Globalization;

namespace EventSnn.Ingest.Binning;

/// <summary>
/// A rule that cuts a time-ordered event sequence into time bins (FORMATS.md §7, METHOD.md §8). Each rule
/// is named after the option of the library whose slicing it reproduces exactly, and produces half-open
/// index ranges (<see cref="EventSlice"/>) into the events; <see cref="EventBinner"/> counts the events of
/// each range into one frame. Timestamps are microseconds and must be non-decreasing.
/// </summary>
/// <remarks>
/// Every rule has a canonical text form (<see cref="Spec"/>) that <see cref="Parse"/> reads back; the
/// frame cache keys on it.
/// </remarks>
public abstract record BinningRule
{
    /// <summary>Most time bins one rule may cut a recording into (2^22); more is an <see cref="ArgumentException"/> before anything is allocated.</summary>
    public const long MaxSlices = 1L << 22;

    /// <summary>Throws when <paramref name="slices"/> exceeds <see cref="MaxSlices"/>.</summary>
    protected void CheckSliceCount(long slices)
    {
        if (slices > MaxSlices)
            throw new ArgumentException($"rule {Spec} cuts these events into {slices} bins, more than the {MaxSlices} allowed; use a longer window or larger count");
    }

    /// <summary>Index ranges of the time bins over timestamps <paramref name="t"/> (µs, non-decreasing).</summary>
    public abstract EventSlice[] Slice(ReadOnlySpan<long> t);

    /// <summary>
    /// Number of time bins this rule always produces, or null when it depends on the events
    /// (time windows, event counts, durations).
    /// </summary>
    public abstract int? FixedBinCount { get; }

    /// <summary>Canonical text form, e.g. <c>equal-time:16</c> or <c>tonic-time-window:100000,overlap=0,incomplete</c>.</summary>
    public abstract string Spec { get; }

    /// <inheritdoc/>
    public sealed override string ToString() => Spec;

    /// <summary>SpikingJelly <c>split_by='number'</c> with <c>frames_number = T</c>.</summary>
    public static BinningRule SpikingJellyNumber(int t) => new SpikingJellyNumberRule(t);

    /// <summary>SpikingJelly <c>split_by='time'</c> with <c>frames_number = T</c>.</summary>
    public static BinningRule SpikingJellyTime(int t) => new SpikingJellyTimeRule(t);

    /// <summary>SpikingJelly <c>duration = d</c> µs (current code; <paramref name="legacy"/> = the 0.0.0.0.14 greedy windows).</summary>
    public static BinningRule SpikingJellyDuration(long durationUs, bool legacy = false) => new SpikingJellyDurationRule(durationUs, legacy);

    /// <summary>Tonic <c>ToFrame(n_event_bins = B, overlap = o)</c>.</summary>
    public static BinningRule TonicEventBins(int bins, double overlap = 0) => new TonicEventBinsRule(bins, overlap);

    /// <summary>Tonic <c>ToFrame(n_time_bins = B, overlap = o)</c>.</summary>
    public static BinningRule TonicTimeBins(int bins, double overlap = 0) => new TonicTimeBinsRule(bins, overlap);

    /// <summary>Tonic <c>ToFrame(event_count = c, overlap = o events, include_incomplete)</c>.</summary>
    public static BinningRule TonicEventCount(int count, int overlap = 0, bool includeIncomplete = false) =>
        new TonicEventCountRule(count, overlap, includeIncomplete);

    /// <summary>Tonic <c>ToFrame(time_window = w µs, overlap = o µs, include_incomplete)</c>.</summary>
    public static BinningRule TonicTimeWindow(long windowUs, long overlapUs = 0, bool includeIncomplete = false) =>
        new TonicTimeWindowRule(windowUs, overlapUs, includeIncomplete);

    /// <summary>
    /// The method's own preprocessing (METHOD.md §8): <paramref name="t"/> equal time slices between the first
    /// and last kept event, keeping events with <c>tStartUs &lt; t − t_first &lt; tEndUs</c>. This is the default
    /// rule for training.
    /// </summary>
    public static BinningRule EqualTimeSlices(int t, long tStartUs = 0, long tEndUs = long.MaxValue) =>
        new EqualTimeSlicesRule(t, tStartUs, tEndUs);

    /// <summary>
    /// Parses a rule's text form: <c>NAME:ARG[,key=value|flag]...</c>. Names: <c>sj-number:T</c>,
    /// <c>sj-time:T</c>, <c>sj-duration:US[,legacy]</c>, <c>tonic-event-bins:B[,overlap=F]</c>,
    /// <c>tonic-time-bins:B[,overlap=F]</c>, <c>tonic-event-count:C[,overlap=N][,incomplete]</c>,
    /// <c>tonic-time-window:US[,overlap=US][,incomplete]</c>, <c>equal-time:T[,start=US][,end=US]</c>.
    /// </summary>
    /// <exception cref="FormatException">The text names no rule or has a bad argument.</exception>
    public static BinningRule Parse(string spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        string s = spec.Trim();
        int colon = s.IndexOf(':');
        if (colon <= 0) throw new FormatException($"binning rule '{spec}': expected NAME:ARG (e.g. equal-time:16)");
        string name = s[..colon].Trim().ToLowerInvariant();
        string[] parts = s[(colon + 1)..].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0) throw new FormatException($"binning rule '{spec}': missing argument after ':'");
        var opts = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (string p in parts.Skip(1))
        {
            int eq = p.IndexOf('=');
            if (eq < 0) opts[p] = null; else opts[p[..eq].Trim()] = p[(eq + 1)..].Trim();
        }
        try
        {
            BinningRule rule = name switch
            {
                "sj-number" => SpikingJellyNumber(Int(parts[0])),
                "sj-time" => SpikingJellyTime(Int(parts[0])),
                "sj-duration" => SpikingJellyDuration(Long(parts[0]), Flag(opts, "legacy")),
                "tonic-event-bins" => TonicEventBins(Int(parts[0]), Dbl(opts, "overlap", 0)),
                "tonic-time-bins" => TonicTimeBins(Int(parts[0]), Dbl(opts, "overlap", 0)),
                "tonic-event-count" => TonicEventCount(Int(parts[0]), (int)Lng(opts, "overlap", 0), Flag(opts, "incomplete")),
                "tonic-time-window" => TonicTimeWindow(Long(parts[0]), Lng(opts, "overlap", 0), Flag(opts, "incomplete")),
                "equal-time" => EqualTimeSlices(Int(parts[0]), Lng(opts, "start", 0), Lng(opts, "end", long.MaxValue)),
                _ => throw new FormatException($"binning rule '{spec}': unknown name '{name}' (known: sj-number, sj-time, sj-duration, tonic-event-bins, tonic-time-bins, tonic-event-count, tonic-time-window, equal-time)"),
            };
            if (opts.Count > 0) throw new FormatException($"binning rule '{spec}': unknown option(s) {string.Join(", ", opts.Keys)}");
            return rule;
        }
        catch (ArgumentException e)
        {
            throw new FormatException($"binning rule '{spec}': {e.Message}", e);
        }
        catch (FormatException e) when (!e.Message.StartsWith("binning rule", StringComparison.Ordinal))
        {
            throw new FormatException($"binning rule '{spec}': {e.Message}", e);
        }

        static int Int(string v) => int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out int r) ? r
            : throw new FormatException($"'{v}' is not an integer");
        static long Long(string v) => long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out long r) ? r
            : throw new FormatException($"'{v}' is not an integer");
        static bool Flag(Dictionary<string, string?> o, string key) => o.Remove(key);
        static double Dbl(Dictionary<string, string?> o, string key, double def)
        {
            if (!o.Remove(key, out string? v)) return def;
            return double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out double r) ? r
                : throw new FormatException($"option {key}: '{v}' is not a number");
        }
        static long Lng(Dictionary<string, string?> o, string key, long def)
        {
            if (!o.Remove(key, out string? v)) return def;
            return long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out long r) ? r
                : throw new FormatException($"option {key}: '{v}' is not an integer");
        }
    }

    /// <summary>First index with <c>t[i] ≥ value</c> (numpy <c>searchsorted</c>, side left).</summary>
    protected static int LowerBound(ReadOnlySpan<long> t, long value)
    {
        int lo = 0, hi = t.Length;
        while (lo < hi)
        {
            int mid = (int)((uint)(lo + hi) >> 1);
            if (t[mid] < value) lo = mid + 1; else hi = mid;
        }
        return lo;
    }

    /// <summary>First index with <c>t[i] ≥ value</c> for a real-valued bound (Tonic's float window edges).</summary>
    protected static int LowerBound(ReadOnlySpan<long> t, double value)
    {
        int lo = 0, hi = t.Length;
        while (lo < hi)
        {
            int mid = (int)((uint)(lo + hi) >> 1);
            if (t[mid] < value) lo = mid + 1; else hi = mid;
        }
        return lo;
    }

    /// <summary>First index with <c>t[i] &gt; value</c> (side right).</summary>
    protected static int UpperBound(ReadOnlySpan<long> t, long value)
    {
        int lo = 0, hi = t.Length;
        while (lo < hi)
        {
            int mid = (int)((uint)(lo + hi) >> 1);
            if (t[mid] <= value) lo = mid + 1; else hi = mid;
        }
        return lo;
    }

    /// <summary>Python-style floor division for a non-negative divisor.</summary>
    protected static long FloorDiv(long a, long b) => a >= 0 ? a / b : -((-a + b - 1) / b);
}
