using System.Net;
using EventSnn.Ingest;
using EventSnn.Pipeline;
using EventSnn.Pipeline.Binning;
using EventSnn.Pipeline.Flow;
using EventSnn.Pipeline.Network;
using EventSnn.Pipeline.Servers;
using EventSnn.Pipeline.Sources;

namespace EventSnn.Tests.Pipeline;

public class UdpPipelineTests
{
    const int W = 32, H = 32;

    static OnlineBinningOptions Bins(long windowUs, TimeSpan quiet = default) => new() { WindowUs = windowUs, Width = W, Height = H, QuietPeriod = quiet };

    [Fact(Timeout = 30_000)]
    public async Task UdpReplayWithTimestampsGivesTheOfflineDecisionsAndBalancedCounters()
    {
        using var events = SyntheticStreams.Quadrants(W, H, segments: 4, segmentUs: 80_000, eventsPerSegment: 1500, t0: 10_000);
        var factory = new QuadrantClassifierFactory(H, W, timesteps: 8);
        var binning = Bins(10_000, TimeSpan.FromMilliseconds(400));
        var exit = QuadrantClassifierFactory.GapRule(0.5f);
        using var receiver = new SpifUdpReceiver(new IPEndPoint(IPAddress.Loopback, 0), W, H);
        await using var run = new PipelineRun(new StreamPipeline(new PipelineOptions { Binning = binning, Policy = DropPolicy.DropOldest, IngressCapacity = 4096 }, factory, exit), receiver);
        using var sender = new SpifUdpSender(receiver.LocalEndPoint, timestamps: true);
        // Paced at 4x: fast, but gentle enough that the kernel drops nothing on loopback.
        await sender.SendAsync(events, new ReplayPacer(4), CancellationToken.None);

        Assert.True(await PipelineRun.Until(() => run.Counters.BinsClosedByQuietPeriod > 0, TimeSpan.FromSeconds(10)), "the last bin never closed by quiet period");
        Assert.True(await PipelineRun.Until(() => run.Counters.EventsInFlight == 0, TimeSpan.FromSeconds(10)));
        var s = await run.CancelAndWait();
        PipelineRun.AssertBalanced(s);
        Assert.True(events.Count == s.EventsReceived, $"sent {events.Count} events in {sender.DatagramsSent} datagrams; {s}");
        Assert.Equal(events.Count, s.EventsClassified);
        Assert.Equal(0, s.DatagramsMalformed);
        Assert.Equal(sender.DatagramsSent, s.DatagramsReceived);

        var offline = StreamPipeline.ClassifyOffline(run.Decisions.First().Stream, events, binning, new QuadrantClassifierFactory(H, W, timesteps: 8), exit);
        Assert.Equal(offline.Select(d => (d.Class, d.Timestep, d.EventTimeUs, d.Events, d.Reason)),
                     run.Decisions.Select(d => (d.Class, d.Timestep, d.EventTimeUs, d.Events, d.Reason)));
        Assert.Equal(new[] { 0, 1, 2, 3 }, run.Decisions.Where(d => d.Reason == DecisionReason.Cutoff).Select(d => d.Class).Distinct());
        Assert.All(run.Decisions, d => Assert.True(d.LatencyMs >= 0 && d.LatencyMs < 10_000));
        Assert.True(factory.StepsOnOneThread);
        Assert.True(run.DecisionsCompleted);
    }

    [Fact(Timeout = 30_000)]
    public async Task ASenderFasterThanTheNetworkKeepsQueuesBoundedAndCountersExact()
    {
        using var events = SyntheticStreams.Quadrants(W, H, segments: 8, segmentUs: 50_000, eventsPerSegment: 20_000, t0: 0);
        // 400 bins of 1 ms at 30 ms a step would take 12 s to classify.
        // T far beyond the bins classified: no decision resets the state, so any gap from a dropped bin is a restart.
        var factory = new QuadrantClassifierFactory(H, W, timesteps: 100_000, stepDelay: TimeSpan.FromMilliseconds(30));
        var options = new PipelineOptions { Binning = Bins(1_000), Policy = DropPolicy.DropOldest, IngressCapacity = 64, BinCapacity = 4 };
        using var receiver = new SpifUdpReceiver(new IPEndPoint(IPAddress.Loopback, 0), W, H, maxBatchEvents: 1024);
        await using var run = new PipelineRun(new StreamPipeline(options, factory, (_, _) => false), receiver);
        using var sender = new SpifUdpSender(receiver.LocalEndPoint, timestamps: true);
        // Paced at half speed: bins keep coming (one every 2 ms) while each step takes 30 ms.
        var sending = Task.Run(() => sender.SendAsync(events, new ReplayPacer(0.5), CancellationToken.None));
        await sending.WaitAsync(TimeSpan.FromSeconds(10));
        // The reader keeps up with the socket although the network stage is far behind.
        await PipelineRun.Until(() => run.Counters.DatagramsReceived == sender.DatagramsSent, TimeSpan.FromSeconds(2));
        var mid = run.Counters;
        Assert.True(mid.EventsReceived >= events.Count / 2, $"received only {mid.EventsReceived} of {events.Count}");
        Assert.True(mid.BinsClassified < 100, $"the network stage should be far behind, yet classified {mid.BinsClassified} bins");
        Assert.True(await PipelineRun.Until(() => run.Counters.BinsClassified >= 6, TimeSpan.FromSeconds(10)), $"{run.Counters}");

        var s = await run.CancelAndWait();
        PipelineRun.AssertBalanced(s);
        Assert.True(s.EventsReceived <= events.Count);
        Assert.True(s.EventsInDroppedBins > 0, "no bin was dropped although the network stage was slow");
        Assert.True(run.Pipeline.IngressMaxDepth <= 64, $"ingress depth reached {run.Pipeline.IngressMaxDepth}");
        Assert.True(run.Pipeline.BinsMaxDepth <= 4, $"bin queue depth reached {run.Pipeline.BinsMaxDepth}");
        Assert.Equal(s.BinsClosedByEventTime + s.BinsClosedByStreamEnd + s.BinsClosedByQuietPeriod,
                     s.BinsClassified + s.BinsDropped + s.BinsDiscardedAtShutdown);
        Assert.True(s.ClassificationsRestarted > 0, $"dropped bins should restart a stream's classification: {s}");
    }

    [Fact(Timeout = 30_000)]
    public async Task AStreamEndDecisionDoesNotCountTheQuietWaitAsLatency()
    {
        using var events = SyntheticStreams.Quadrants(W, H, segments: 1, segmentUs: 1000, eventsPerSegment: 64, t0: 5);
        using var receiver = new SpifUdpReceiver(new IPEndPoint(IPAddress.Loopback, 0), W, H);
        var quiet = TimeSpan.FromMilliseconds(800);
        var options = new PipelineOptions { Binning = Bins(100_000, quiet) };
        await using var run = new PipelineRun(new StreamPipeline(options, new QuadrantClassifierFactory(H, W, timesteps: 8), (_, _) => false), receiver);
        using var sender = new SpifUdpSender(receiver.LocalEndPoint, timestamps: true);
        var words = new byte[512];
        int n = SpifWords.Encode(events, 0, 64, true, words);
        await sender.SendRawAsync(words.AsMemory(0, n), default);
        Assert.True(await PipelineRun.Until(() => run.Decisions.Count > 0, TimeSpan.FromSeconds(10)), "the quiet stream never decided");
        var d = run.Decisions.Single();
        Assert.Equal(DecisionReason.StreamEnd, d.Reason);
        // The bin could only close once the stream had been silent for 800 ms; that wait is not processing latency.
        Assert.True(d.LatencyMs < quiet.TotalMilliseconds / 2, $"latency {d.LatencyMs} ms includes the quiet wait");
        await run.CancelAndWait();
    }

    [Fact(Timeout = 30_000)]
    public async Task MalformedDatagramsAreCountedAndSkipped()
    {
        using var events = SyntheticStreams.Quadrants(W, H, segments: 1, segmentUs: 1000, eventsPerSegment: 64, t0: 5);
        using var receiver = new SpifUdpReceiver(new IPEndPoint(IPAddress.Loopback, 0), W, H);
        var options = new PipelineOptions { Binning = Bins(100_000, TimeSpan.FromMilliseconds(100)) };
        await using var run = new PipelineRun(new StreamPipeline(options, new QuadrantClassifierFactory(H, W), (_, _) => false), receiver);
        using var sender = new SpifUdpSender(receiver.LocalEndPoint, timestamps: true);
        var good = new byte[512];
        int n = SpifWords.Encode(events, 0, 64, true, good);
        await sender.SendRawAsync(good.AsMemory(0, n), default);
        await sender.SendRawAsync(new byte[] { 1, 2, 3, 4, 5, 6 }, default);                   // not whole words
        await sender.SendRawAsync(good.AsMemory(0, 4), default);                              // timestamp word missing
        await sender.SendRawAsync(BitConverter.GetBytes(0x8001_0002u), default);             // one valid untimed event
        Assert.True(await PipelineRun.Until(() => run.Counters.DatagramsReceived == 4, TimeSpan.FromSeconds(5)));
        var s = await run.CancelAndWait();
        PipelineRun.AssertBalanced(s);
        Assert.Equal(2, s.DatagramsMalformed);
        Assert.Equal(65, s.EventsReceived);
        Assert.Equal(2, run.Notices.Count(x => x.Kind == StreamNoticeKind.Malformed));
        Assert.Contains(run.Notices, x => x.Kind == StreamNoticeKind.Malformed && x.Message.Contains("byte offset 4"));
        Assert.Contains(run.Notices, x => x.Kind == StreamNoticeKind.Info && x.Message.Contains("receiver's clock"));
    }

    [Fact(Timeout = 30_000)]
    public async Task CancellationStopsEveryStageAndLeavesNothingUncounted()
    {
        using var events = SyntheticStreams.Quadrants(W, H, segments: 4, segmentUs: 100_000, eventsPerSegment: 5000, t0: 0);
        var factory = new QuadrantClassifierFactory(H, W, timesteps: 4, stepDelay: TimeSpan.FromMilliseconds(20));
        using var receiver = new SpifUdpReceiver(new IPEndPoint(IPAddress.Loopback, 0), W, H);
        var run = new PipelineRun(new StreamPipeline(new PipelineOptions { Binning = Bins(5_000) }, factory, (_, _) => false), receiver);
        using var sender = new SpifUdpSender(receiver.LocalEndPoint, timestamps: true);
        using var stopSending = new CancellationTokenSource();
        var sending = Task.Run(async () =>
        {
            try { while (true) await sender.SendAsync(events, new ReplayPacer(10), stopSending.Token); }
            catch (OperationCanceledException) { }
        });
        Assert.True(await PipelineRun.Until(() => run.Counters.BinsClassified >= 3, TimeSpan.FromSeconds(10)));
        var s = await run.CancelAndWait(); // throws if any stage hangs
        Assert.True(run.Task.IsCompletedSuccessfully);
        Assert.True(run.DecisionsCompleted);
        PipelineRun.AssertBalanced(s);
        stopSending.Cancel();
        await sending.WaitAsync(TimeSpan.FromSeconds(5));
        await run.DisposeAsync();
    }

    [Fact(Timeout = 30_000)]
    public async Task AReplayUnderTheWaitPolicyLosesNothingThroughSmallQueues()
    {
        using var events = SyntheticStreams.Quadrants(W, H, segments: 6, segmentUs: 40_000, eventsPerSegment: 3000, t0: 123);
        var factory = new QuadrantClassifierFactory(H, W, timesteps: 6, stepDelay: TimeSpan.FromMilliseconds(1));
        var binning = Bins(8_000);
        var exit = QuadrantClassifierFactory.GapRule(0.6f);
        var options = new PipelineOptions { Binning = binning, Policy = DropPolicy.Wait, IngressCapacity = 1, BinCapacity = 1 };
        var pipeline = new StreamPipeline(options, factory, exit);
        var decisions = new List<StreamDecision>();
        pipeline.Decisions.Subscribe(decisions.Add);
        await pipeline.RunAsync(RecordingReplaySource.FromBatch("rec", events, speed: 0, chunkEvents: 700), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(20));
        var s = pipeline.Counters.Snapshot();
        PipelineRun.AssertBalanced(s);
        Assert.Equal(events.Count, s.EventsClassified);
        Assert.Equal(0, s.BinsDropped);
        var offline = StreamPipeline.ClassifyOffline("rec", events, binning, new QuadrantClassifierFactory(H, W, timesteps: 6), exit);
        Assert.Equal(offline.Select(d => (d.Class, d.Timestep, d.EventTimeUs, d.Events, d.Reason)),
                     decisions.Select(d => (d.Class, d.Timestep, d.EventTimeUs, d.Events, d.Reason)));
        Assert.Equal(1, factory.Created);
    }
}

public class EventSourceStreamsTests
{
    [Fact(Timeout = 30_000)]
    public async Task AReplayReadsBackAsAnAsyncStreamAndAnObservable()
    {
        using var events = SyntheticStreams.Quadrants(16, 16, segments: 3, segmentUs: 1000, eventsPerSegment: 1000);
        var source = RecordingReplaySource.FromBatch("rec", events, chunkEvents: 700);
        long count = 0, lastT = long.MinValue;
        await foreach (var batch in source.ReadAllAsync(capacity: 1))
        {
            using var ev = batch.Events;
            Assert.Equal("rec", batch.Stream);
            Assert.True(ev.T[0] > lastT);
            lastT = ev.T[ev.Count - 1];
            count += ev.Count;
        }
        Assert.Equal(events.Count, count);

        var sizes = await System.Reactive.Threading.Tasks.TaskObservableExtensions.ToTask(System.Reactive.Linq.Observable.ToList(System.Reactive.Linq.Observable.Select(source.ToObservable(), b => { int n = b.Events.Count; b.Events.Dispose(); return n; })));
        Assert.Equal(events.Count, sizes.Sum());
        Assert.Equal(5, sizes.Count);
    }
}

public class PipelineFailureTests
{
    sealed class Failing : EventSnn.Pipeline.Network.IStreamClassifierFactory
    {
        public EventSnn.Pipeline.Network.ClassifierInfo Info { get; } = new(["a", "b"], 4, 8, 8);
        public EventSnn.Pipeline.Network.IStreamClassifier Create() => new F();
        sealed class F : EventSnn.Pipeline.Network.IStreamClassifier
        {
            int _n;
            public void Step(ReadOnlySpan<float> frame, Span<float> output) { if (++_n == 3) throw new InvalidOperationException("network broke"); }
            public void Reset() { }
            public void Dispose() { }
        }
    }

    [Fact(Timeout = 30_000)]
    public async Task AFailingNetworkStopsEveryStageAndSurfacesTheError()
    {
        using var events = SyntheticStreams.Quadrants(8, 8, segments: 50, segmentUs: 10_000, eventsPerSegment: 200);
        var options = new PipelineOptions { Binning = new OnlineBinningOptions { WindowUs = 1000, Width = 8, Height = 8 }, Policy = DropPolicy.Wait, IngressCapacity = 1, BinCapacity = 1 };
        var pipeline = new StreamPipeline(options, new Failing(), (_, _) => false);
        Exception? seen = null;
        pipeline.Decisions.Subscribe(_ => { }, e => seen = e);
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => pipeline.RunAsync(RecordingReplaySource.FromBatch("r", events, chunkEvents: 100), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.Equal("network broke", ex.Message);
        Assert.Same(ex, seen);
        PipelineRun.AssertBalanced(pipeline.Counters.Snapshot());
    }
}
