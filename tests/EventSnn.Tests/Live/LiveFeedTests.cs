using System.Diagnostics;
using System.Reflection;
using EventSnn.Pipeline.Binning;
using EventSnn.Pipeline.Live;
using EventSnn.Pipeline.Network;

namespace EventSnn.Tests.Live;

public class LiveFeedTests
{
    static EventBin Bin(string stream, long sequence, int events)
    {
        // EventBin's constructor is internal to the pipeline: made here through reflection, with an unpooled frame.
        var ctor = typeof(EventBin).GetConstructors(BindingFlags.NonPublic | BindingFlags.Instance).Single();
        var frame = new float[2 * 8 * 8];
        for (int i = 0; i < events && i < frame.Length; i++) frame[i * 7 % frame.Length] = 1;
        var bin = (EventBin)ctor.Invoke([stream, sequence, frame, 8, 8]);
        typeof(EventBin).GetProperty(nameof(EventBin.EventCount))!.SetValue(bin, events);
        return bin;
    }

    static StreamDecision Decision(string stream, int t, double latencyMs) => new()
    {
        Stream = stream, Class = 1, Label = "b", Confidence = 0.9, Timestep = t, EventTimeUs = t * 1000, StartTimeUs = 0,
        LatencyMs = latencyMs, Reason = DecisionReason.Cutoff, Events = 10, Accumulated = [0.5f, 2.5f, 1f],
    };

    [Fact]
    public void ImagesAreSampledAtMostAtTheUpdateRateWhileEveryStepIsSeen()
    {
        var feed = new LiveFeed(new LiveFeedOptions { ClassNames = ["a", "b", "c"], Timesteps = 4, MaxUpdatesPerSecond = 20 });
        var clock = Stopwatch.StartNew();
        int steps = 0;
        while (clock.Elapsed < TimeSpan.FromMilliseconds(300))
        {
            feed.Stepped(Bin("s", steps, 5), steps % 4 + 1, [1f, 2f, 3f]);
            steps++;
        }
        Assert.Equal(steps, feed.StepsSeen);
        Assert.True(steps > 100, $"only {steps} steps in 300 ms");
        // 20 per second over 0.3 s: about 7 images, however many steps.
        Assert.InRange(feed.ImagesSampled, 1, 8);
    }

    [Fact]
    public void ASlowViewerGetsEveryDecisionInOrderButOnlyTheLatestStreamState()
    {
        var feed = new LiveFeed(new LiveFeedOptions { ClassNames = ["a", "b", "c"], Timesteps = 4, Thresholds = [3, 2, 1, 0.5] });
        using var viewer = feed.Connect();
        for (int i = 0; i < 5000; i++)
        {
            feed.Stepped(Bin("s", i, 3), i % 4 + 1, [0.5f, 2.5f, 1f]);
            if (i % 4 == 3) feed.Decided(Decision("s", 4, i));
        }
        var got = new List<LiveDecision>();
        var streams = new List<LiveStreamUpdate>();
        for (int polls = 0; polls < 10; polls++)
        {
            var p = viewer.Poll(maxDecisions: 400);
            got.AddRange(p.Decisions);
            streams.AddRange(p.Streams);
            Assert.Equal(0, p.DecisionsMissed);
        }
        Assert.Equal(Enumerable.Range(0, 1250).Select(i => (long)i), got.Select(d => d.Sequence));
        Assert.Equal(Enumerable.Range(0, 1250).Select(i => 4.0 * i + 3), got.Select(d => d.LatencyMs));
        // The stream changed 5000 times; the viewer saw its state once, the latest.
        var s = Assert.Single(streams);
        Assert.Equal(5000, s.StepsSeen);
        Assert.Equal(4999, s.BinSequence);
        Assert.Equal(1.5, s.Gap!.Value, 6);
        Assert.Equal(0.5, s.Beta);
        Assert.Equal(1, s.Top1);
        Assert.Equal(1250, s.Decisions);
        Assert.Equal(200, s.ExitStepHistogram[4]);
        // The last 200 latencies are 4k + 3 for k = 1050..1249; nearest-rank percentiles.
        Assert.Equal(4 * 1149 + 3, s.LatencyP50Ms);
        Assert.Equal(4 * 1229 + 3, s.LatencyP90Ms);
        Assert.Equal(4 * 1247 + 3, s.LatencyP99Ms);
        Assert.Equal(1.5, got[0].Gap, 6);
        Assert.Equal(0.5, got[0].Beta);
    }

    [Fact]
    public void AViewerFurtherBehindThanTheLogIsToldHowManyDecisionsItMissed()
    {
        var feed = new LiveFeed(new LiveFeedOptions { DecisionLogCapacity = 10 });
        using var viewer = feed.Connect();
        for (int i = 0; i < 25; i++) feed.Decided(Decision("s", 1, i));
        var p = viewer.Poll();
        Assert.Equal(15, p.DecisionsMissed);
        Assert.Equal(Enumerable.Range(15, 10).Select(i => (long)i), p.Decisions.Select(d => d.Sequence));
    }

    [Fact]
    public void AStepArrivingWhileAViewerCopiesTheStreamIsSkippedNotWaitedFor()
    {
        var feed = new LiveFeed(new LiveFeedOptions { ClassNames = ["a", "b"] });
        feed.Stepped(Bin("s", 0, 1), 1, [1f, 0f]);
        // Hold the stream's lock as a viewer copying it would, from another thread, while the producer steps.
        var views = typeof(LiveFeed).GetField("_streams", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(feed)!;
        var view = ((System.Collections.IDictionary)views)["s"]!;
        object gate = view.GetType().GetField("Gate")!.GetValue(view)!;
        using var held = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var holder = new Thread(() => { lock (gate) { held.Set(); release.Wait(); } });
        holder.Start();
        held.Wait();
        var clock = Stopwatch.StartNew();
        feed.Stepped(Bin("s", 1, 1), 2, [2f, 0f]);
        clock.Stop();
        release.Set();
        holder.Join();
        Assert.Equal(1, feed.StepsSkipped);
        Assert.True(clock.ElapsedMilliseconds < 100, $"the step waited {clock.ElapsedMilliseconds} ms");
    }
}
