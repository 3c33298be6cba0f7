namespace EventSnn.Cli.Pipeline;

/// <summary>
/// Holds notice lines to at most <see cref="PerSecond"/> per stream and kind in each one-second window; the rest are
/// counted and summarised in one line when the window ends (a flood of malformed datagrams prints a few lines a second,
/// not one line each).
/// </summary>
public sealed class NoticeRateLimiter(int perSecond, Func<double> secondsNow)
{
    readonly Dictionary<(string Stream, string Kind), (long Window, int Shown, int Suppressed)> _state = new();
    readonly object _gate = new();

    /// <summary>Notices shown per stream and kind per second.</summary>
    public int PerSecond { get; } = perSecond;

    /// <summary>A limiter on the monotonic clock.</summary>
    public NoticeRateLimiter(int perSecond) : this(perSecond, StartClock()) { }

    static Func<double> StartClock()
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        return () => watch.Elapsed.TotalSeconds;
    }

    /// <summary>
    /// Whether to show a notice of <paramref name="kind"/> on <paramref name="stream"/> now; <paramref name="summary"/> is a line
    /// to print first when an earlier window suppressed notices of this stream and kind.
    /// </summary>
    public bool Allow(string stream, string kind, out string? summary)
    {
        lock (_gate)
        {
            long window = (long)Math.Floor(secondsNow());
            summary = null;
            _state.TryGetValue((stream, kind), out var s);
            if (s.Window != window)
            {
                if (s.Suppressed > 0) summary = $"{stream}: {kind}: {s.Suppressed} more notice(s) suppressed (at most {PerSecond} a second are shown)";
                s = (window, 0, 0);
            }
            bool show = s.Shown < PerSecond;
            s = show ? (s.Window, s.Shown + 1, s.Suppressed) : (s.Window, s.Shown, s.Suppressed + 1);
            _state[(stream, kind)] = s;
            return show;
        }
    }

    /// <summary>Summary lines of every notice still suppressed (call at the end).</summary>
    public IReadOnlyList<string> Flush()
    {
        lock (_gate)
        {
            var lines = _state.Where(kv => kv.Value.Suppressed > 0)
                .Select(kv => $"{kv.Key.Stream}: {kv.Key.Kind}: {kv.Value.Suppressed} more notice(s) suppressed (at most {PerSecond} a second are shown)").ToList();
            _state.Clear();
            return lines;
        }
    }
}
