using EventSnn.Model.Cutoff;
using EventSnn.Pipeline;
using EventSnn.Pipeline.Live;
using EventSnn.Pipeline.Network;

namespace EventSnn.Cli.Live;

/// <summary>The live page of one <c>stream classify</c> run: its feed, metrics and server.</summary>
internal sealed class LiveRun : IAsyncDisposable
{
    LiveRun(LiveFeed feed, LiveMetrics metrics, LiveServer server)
    {
        Feed = feed;
        Metrics = metrics;
        Server = server;
    }

    /// <summary>The feed to pass to the pipeline as its observer.</summary>
    public LiveFeed Feed { get; }

    /// <summary>The metrics of <c>/metrics</c>.</summary>
    public LiveMetrics Metrics { get; }

    /// <summary>The server.</summary>
    public LiveServer Server { get; }

    /// <summary>
    /// β_t of the cutoff <c>stream classify</c> will use, when it is the calibrated Top-K rule (the gap threshold the
    /// page draws); null for any other cutoff.
    /// </summary>
    public static IReadOnlyList<double>? TopKThresholds(string checkpoint, CutoffPolicyKind? policy, double? setting)
    {
        if (policy is not (null or CutoffPolicyKind.TopK)) return null;
        string path = CutoffCalibration.PathFor(checkpoint);
        if (!File.Exists(path)) return null;
        var cutoff = CutoffPolicies.FromCalibration(CutoffCalibration.Load(path), CutoffPolicyKind.TopK, setting);
        return cutoff.Thresholds;
    }

    /// <summary>Creates the feed and metrics and starts serving on <paramref name="hostPort"/>.</summary>
    public static async Task<LiveRun> StartAsync(string hostPort, LiveFeedOptions options, LiveHello hello, Func<LiveCounters> counters, CancellationToken ct)
    {
        var feed = new LiveFeed(options);
        var metrics = new LiveMetrics(counters, feed, options.Timesteps);
        var server = await LiveServer.StartAsync(hostPort, feed, hello, counters, metrics, ct);
        return new LiveRun(feed, metrics, server);
    }

    /// <summary>Records a decision for the page and the metrics.</summary>
    public void Decided(StreamDecision d)
    {
        Feed.Decided(d);
        Metrics.Observe(d);
    }

    /// <summary>
    /// Marks the input as ended and keeps serving for <paramref name="lingerSeconds"/> (so the final state can be
    /// read), or until <paramref name="ct"/> is cancelled (Ctrl+C).
    /// </summary>
    public async Task EndAsync(string why, double lingerSeconds, CancellationToken ct)
    {
        Feed.End(why);
        if (lingerSeconds <= 0 || ct.IsCancellationRequested) return;
        try { await Task.Delay(double.IsPositiveInfinity(lingerSeconds) ? Timeout.InfiniteTimeSpan : TimeSpan.FromSeconds(lingerSeconds), ct); }
        catch (OperationCanceledException) { }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => Server.DisposeAsync();
}
