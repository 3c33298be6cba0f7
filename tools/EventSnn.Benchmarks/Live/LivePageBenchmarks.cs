using System.Collections.Concurrent;
using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using EventSnn.Benchmarks.Pipeline;
using EventSnn.Cli.Live;
using EventSnn.Ingest;
using EventSnn.Pipeline;
using EventSnn.Pipeline.Binning;
using EventSnn.Pipeline.Flow;
using EventSnn.Pipeline.Live;
using EventSnn.Pipeline.Network;
using EventSnn.Pipeline.Sources;

namespace EventSnn.Benchmarks.Live;

/// <summary>
/// What watching costs the pipeline: 2,000,000 DVS128 events (1 µs apart, 2 s of event time) replayed from memory as
/// fast as possible, losslessly (<see cref="DropPolicy.Wait"/>), binned into 10 ms bins at 128×128 (200 bins) and
/// stepped through a classifier that does no work, so the pipeline's own cost is all there is and the observer's
/// share is as large as it can be. Baseline: no observer. Then the <see cref="LiveFeed"/> as observer with no viewer,
/// and with the HTTP server running and one viewer reading <c>/events</c> over loopback throughout. A fourth case
/// replays 2 s of events at recorded speed with the viewer attached, to measure the update rate a viewer gets;
/// the viewer's stream updates per second are printed at cleanup.
/// </summary>
public class LivePageBenchmarks
{
    const int Events = 2_000_000;
    EventBatch _events = null!;
    readonly OnlineBinningOptions _binning = new() { WindowUs = 10_000, Width = 128, Height = 128 };
    NullClassifierFactory _factory = null!;
    LiveFeed _feed = null!;
    LiveRun _live = null!;
    CancellationTokenSource _stop = null!;
    Task _viewer = null!;
    readonly ConcurrentQueue<long> _updates = new();
    readonly List<string> _rates = new();

    [GlobalSetup]
    public void Setup()
    {
        _events = LoopbackInputs.Recording(Events);
        _factory = new NullClassifierFactory(128, 128);
        var options = new LiveFeedOptions { ClassNames = ["a", "b"], Timesteps = 0 };
        var hello = new LiveHello("benchmark", "memory", null, null, options.ClassNames, 0, null, options.MaxUpdatesPerSecond);
        _live = LiveRun.StartAsync("127.0.0.1:0", options, hello, () => new LiveCounters(new PipelineCountersSnapshot(), 0, 0, 0, 0), CancellationToken.None).GetAwaiter().GetResult();
        _feed = _live.Feed;
        _stop = new CancellationTokenSource();
        _viewer = Task.Run(() => ViewAsync(_live.Server.Address, _stop.Token));
    }

    async Task ViewAsync(Uri address, CancellationToken ct)
    {
        using var http = new HttpClient { BaseAddress = address, Timeout = Timeout.InfiniteTimeSpan };
        try
        {
            using var response = await http.GetAsync("events", HttpCompletionOption.ResponseHeadersRead, ct);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
            while (await reader.ReadLineAsync(ct) is { } line)
                if (line == "event: stream") _updates.Enqueue(Stopwatch.GetTimestamp());
        }
        catch (OperationCanceledException) { }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (string r in _rates) Console.WriteLine(r);
        Console.WriteLine($"// live feed: {_feed.StepsSeen} steps seen, {_feed.StepsSkipped} skipped, {_feed.ImagesSampled} images sampled, {_feed.UpdatesSent} updates sent");
        _stop.Cancel();
        try { _viewer.GetAwaiter().GetResult(); } catch (Exception) { }
        _live.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _events.Dispose();
    }

    long Run(IPipelineObserver? observer, double speed = 0)
    {
        var pipeline = new StreamPipeline(new PipelineOptions { Binning = _binning, Policy = DropPolicy.Wait, Observer = observer }, _factory, (_, _) => false);
        var source = RecordingReplaySource.FromBatch("bench", _events, speed);
        pipeline.RunAsync(source, CancellationToken.None).GetAwaiter().GetResult();
        return pipeline.Counters.Snapshot().EventsClassified;
    }

    [Benchmark(Baseline = true)]
    public long NoObserver() => Run(null);

    [Benchmark]
    public long FeedWithoutViewer()
    {
        // The viewer is connected throughout the run; a separate feed without viewers is the "no viewer" case.
        var quiet = new LiveFeed(_feed.Options);
        return Run(quiet);
    }

    [Benchmark]
    public long FeedWithViewer() => Run(_feed);

    [Benchmark]
    public long RecordedSpeedWithViewer()
    {
        long start = Stopwatch.GetTimestamp();
        long n = Run(_feed, speed: 1);
        long end = Stopwatch.GetTimestamp();
        int updates = _updates.Count(t => t >= start && t <= end);
        double seconds = (end - start) / (double)Stopwatch.Frequency;
        _rates.Add($"// recorded speed: {updates} stream updates in {seconds:0.00} s = {updates / seconds:0.0} updates/s to one viewer (200 bins = {200 / seconds:0} steps/s)");
        return n;
    }
}
