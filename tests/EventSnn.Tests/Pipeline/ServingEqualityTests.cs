using EventSnn.Model.Cutoff;
using System.Net;
using System.Text.Json;
using EventSnn.Ingest;
using EventSnn.Model;
using EventSnn.Pipeline;
using EventSnn.Pipeline.Binning;
using EventSnn.Pipeline.Flow;
using EventSnn.Pipeline.Network;
using EventSnn.Pipeline.Servers;
using EventSnn.Tests.Model;

namespace EventSnn.Tests.Pipeline;

/// <summary>
/// A checkpoint of the "tiny" architecture whose every sum is exact in float32 (<see cref="ExactNetworks"/>) and 16
/// synthetic recordings at its 32×32 sensor, for comparing many streams served at once with each stream alone.
/// </summary>
public sealed class ExactServingFixture : IDisposable
{
    public const int T = 6, Streams = 16, Size = 32;
    public const long WindowUs = 60_000, BinUs = WindowUs / T;
    public string Dir { get; } = Fixtures.TempDir("eventsnn-serving");
    public string Checkpoint { get; }
    public List<EventBatch> Recordings { get; } = new();

    public ExactServingFixture()
    {
        var info = new ModelInfo
        {
            Arch = "tiny", T = T, Classes = 4, ClassNames = ["a", "b", "c", "d"], Height = Size, Width = Size,
            Frames = new FrameInfo { Rule = $"tonic-time-window:{BinUs}", Downsample = 1, SensorWidth = Size, SensorHeight = Size, WindowEndUs = WindowUs },
        };
        Checkpoint = Path.Combine(Dir, "exact.ckpt");
        using (var net = ExactNetworks.Create(info, seed: 21)) global::EventSnn.Model.Checkpoint.Save(Checkpoint, net, info);
        for (int i = 0; i < Streams; i++)
        {
            // Different lengths, classes and densities, so streams decide at different steps and end at different times.
            int segments = 2 + i % 3;
            Recordings.Add(SyntheticStreams.Quadrants(Size, Size, segments, segmentUs: 45_000 + 5_000 * (i % 4), eventsPerSegment: 500 + 150 * (i % 5),
                t0: 1_000_000 + 7_000 * i, seed: 100 + i, classes: [i % 4, (i + 1) % 4, (i + 3) % 4]));
        }
    }

    public OnlineBinningOptions Binning => new() { WindowUs = BinUs, Width = Size, Height = Size };

    /// <summary>
    /// An exit rule that fires at steps that depend on the exact bits of Y(t): any difference in the outputs shows as a
    /// different decision step.
    /// </summary>
    public static ExitRule BitsRule => (acc, t) =>
    {
        int h = t;
        foreach (float v in acc) h = h * 31 + BitConverter.SingleToInt32Bits(v);
        return t >= 2 && (h & 3) == 0;
    };

    /// <summary>Recording <paramref name="i"/> alone: the offline path, batch 1, unfolded; its decisions and every per-step output.</summary>
    public (List<StreamDecision> Decisions, List<StreamStepOutput> Steps) Alone(int i, ExitRule rule)
    {
        var factory = new CheckpointClassifierFactory(Checkpoint);
        using var model = factory.Load(maxBatch: 1, initialSlots: 1, fold: false);
        var steps = new List<StreamStepOutput>();
        var decisions = StreamPipeline.ClassifyOffline($"s{i}", Recordings[i], Binning, model, rule, steps: steps.Add).ToList();
        return (decisions, steps);
    }

    /// <summary>
    /// Serves the bins of all streams, interleaved in one queue before the stage starts (so every tick batches the
    /// oldest bins of several streams), through one network stage on <paramref name="model"/>.
    /// </summary>
    public async Task<(List<StreamDecision> Decisions, List<StreamStepOutput> Steps, int Bins)> ServeInterleaved(
        IBatchedClassifier model, ExitRule rule, PipelineCounters counters, int maxBatch)
    {
        var binner = new OnlineBinner(Binning, counters);
        var perStream = Enumerable.Range(0, Streams).Select(_ => new List<EventBin>()).ToArray();
        for (int i = 0; i < perStream.Length; i++)
        {
            binner.Add(new StreamBatch($"s{i}", Recordings[i], 0), perStream[i].Add);
            binner.EndStream($"s{i}", perStream[i].Add);
        }
        int total = perStream.Sum(b => b.Count);
        var queue = new StageChannel<EventBin>(total, DropPolicy.Wait);
        for (int k = 0; perStream.Any(b => k < b.Count); k++)
            foreach (var bins in perStream)
                if (k < bins.Count) Assert.True(queue.Offer(bins[k]));
        queue.Complete();

        var stage = new NetworkStage(model, rule, counters, new ServingOptions { MaxBatch = maxBatch, MaxStreams = 16 });
        var decisions = new List<StreamDecision>();
        var steps = new List<StreamStepOutput>();
        stage.Decisions.Subscribe(decisions.Add);
        stage.Steps.Subscribe(steps.Add);
        await stage.Run(queue, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));
        return (decisions, steps, total);
    }

    /// <summary>
    /// Per stream, every per-step output (to the bit, at the same step) and every decision equal the stream alone
    /// (<see cref="Alone"/>); streams decide at several different steps.
    /// </summary>
    public void AssertEachStreamAsAlone(IReadOnlyList<StreamDecision> decisions, IReadOnlyList<StreamStepOutput> steps, ExitRule rule)
    {
        var stepsSeen = new HashSet<int>();
        for (int i = 0; i < Streams; i++)
        {
            var (aloneDecisions, aloneSteps) = Alone(i, rule);
            var mine = steps.Where(x => x.Stream == $"s{i}").ToList();
            Assert.Equal(aloneSteps.Count, mine.Count);
            for (int k = 0; k < mine.Count; k++)
            {
                Assert.Equal(aloneSteps[k].Timestep, mine[k].Timestep);
                Assert.True(aloneSteps[k].Output.AsSpan().SequenceEqual(mine[k].Output), $"stream s{i} step {k}: [{string.Join(", ", mine[k].Output)}] alone [{string.Join(", ", aloneSteps[k].Output)}]");
            }
            var d = decisions.Where(x => x.Stream == $"s{i}").ToList();
            Assert.Equal(aloneDecisions.Select(x => (x.Class, x.Timestep, x.Reason, x.EventTimeUs, x.Events, x.Confidence)),
                         d.Select(x => (x.Class, x.Timestep, x.Reason, x.EventTimeUs, x.Events, x.Confidence)));
            foreach (var x in d) stepsSeen.Add(x.Timestep);
        }
        Assert.True(stepsSeen.Count >= 3, $"streams should decide at several different steps, saw {string.Join(", ", stepsSeen)}");
    }

    public void Dispose()
    {
        foreach (var r in Recordings) r.Dispose();
        try { Directory.Delete(Dir, recursive: true); } catch (IOException) { }
    }
}

[CollectionDefinition(Name)]
public sealed class ExactServingCollection : ICollectionFixture<ExactServingFixture>
{
    public const string Name = "many streams on one exactly representable network";
}

/// <summary>Many streams through one network, batched, against each stream classified alone: the same bits.</summary>
[Collection(ExactServingCollection.Name)]
public class ServingEqualityTests(ExactServingFixture exact)
{
    static JsonElement Json(string line) => JsonDocument.Parse(line).RootElement;

    /// <summary>
    /// The bins of all 16 streams interleaved in one queue before the stage starts, so every tick batches the oldest
    /// bins of several streams; streams decide at steps that depend on their outputs' bits, so slots reset mid-batch
    /// while their neighbours go on. Per stream, every per-step output and every decision equals the stream alone.
    /// </summary>
    [Theory]
    [InlineData(5, true)]
    [InlineData(16, false)]
    [InlineData(64, true)]
    [InlineData(1, true)]
    public async Task InterleavedStreamsInOneBatchedNetworkGiveEachStreamsOwnBitsAndDecisions(int maxBatch, bool fold)
    {
        var rule = ExactServingFixture.BitsRule;
        var counters = new PipelineCounters();
        var factory = new CheckpointClassifierFactory(exact.Checkpoint);
        using var model = factory.Load(maxBatch, initialSlots: 2, fold: fold);
        Assert.Equal(fold, model.Folded);
        var (decisions, steps, total) = await exact.ServeInterleaved(model, rule, counters, maxBatch);

        var s = counters.Snapshot();
        Assert.Equal(total, s.BinsClassified);
        if (maxBatch > 1) Assert.True(s.NetworkSteps < s.BinsClassified / 2, $"{s.NetworkSteps} steps for {s.BinsClassified} bins: not batched");
        Assert.True(model.Slots <= 16);
        exact.AssertEachStreamAsAlone(decisions, steps, rule);
    }

    /// <summary>
    /// 16 recordings served concurrently by 16 AEDAT 4 servers and read losslessly (TCP, --policy wait) by ONE
    /// `eventsnn stream classify` with 16 --tcp: per stream, the decisions (class, step, reason, times, events, and the
    /// confidence to the last bit) are those of classifying that recording alone.
    /// </summary>
    [Fact]
    public async Task SixteenTcpStreamsIntoOneClassifyGiveEachRecordingsOwnDecisions()
    {
        var servers = new List<Aedat4TcpServer>();
        var serving = new List<Task<int>>();
        try
        {
            foreach (var rec in exact.Recordings)
            {
                var server = new Aedat4TcpServer(new IPEndPoint(IPAddress.Loopback, 0));
                servers.Add(server);
                var copy = new EventBatch(rec.Count, rec.Width, rec.Height);
                rec.T.CopyTo(copy.TArray); rec.X.CopyTo(copy.XArray); rec.Y.CopyTo(copy.YArray); rec.P.CopyTo(copy.PArray);
                copy.Count = rec.Count;
                serving.Add(server.ServeAsync([copy], rec.Width, rec.Height, new Aedat4ServeOptions { PacketEvents = 300 }, CancellationToken.None));
            }
            var args = new List<string> { "stream", "classify", "--model", exact.Checkpoint, "--json", "--once", "--policy", "wait", "--quiet-ms", "0",
                                          "--cutoff", "fixed", "--cutoff-setting", "4", "--counters-every", "0", "--threads", "1" };
            foreach (var s in servers) { args.Add("--tcp"); args.Add($"127.0.0.1:{s.LocalEndPoint.Port}"); }
            var (code, stdout, stderr) = EventSnnProcess.Run(TimeSpan.FromSeconds(120), null, args.ToArray());
            Assert.True(code == 0, stderr);
            foreach (var t in serving) Assert.Equal(1, await t.WaitAsync(TimeSpan.FromSeconds(10)));

            var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(Json).ToList();
            var start = lines.First(l => l.GetProperty("type").GetString() == "start");
            Assert.Equal(64, start.GetProperty("max_batch").GetInt32());
            Assert.True(start.GetProperty("state_bytes_per_stream").GetInt64() > 0);
            var final = lines.Last(l => l.GetProperty("type").GetString() == "counters");
            var c = final.GetProperty("counters");
            long sent = exact.Recordings.Sum(r => (long)r.Count);
            Assert.Equal(sent, c.GetProperty("events_received").GetInt64());
            Assert.Equal(sent, c.GetProperty("events_classified").GetInt64());
            Assert.Equal(ExactServingFixture.Streams, c.GetProperty("connections").GetInt64());
            Assert.Equal(0, c.GetProperty("streams_refused").GetInt64());
            var decisions = lines.Where(l => l.GetProperty("type").GetString() == "decision").ToList();

            var factory = new CheckpointClassifierFactory(exact.Checkpoint);
            var (rule, _) = factory.LoadExitRule(CutoffPolicyKind.Fixed, 4);
            using var model = factory.Load(maxBatch: 1, initialSlots: 1, fold: false);
            for (int i = 0; i < servers.Count; i++)
            {
                string name = $"tcp://127.0.0.1:{servers[i].LocalEndPoint.Port}";
                var alone = StreamPipeline.ClassifyOffline(name, exact.Recordings[i], exact.Binning, model, rule);
                var online = decisions.Where(d => d.GetProperty("stream").GetString() == name).ToList();
                Assert.True(alone.Count >= 1);
                Assert.Equal(alone.Select(d => (d.Class, d.Timestep, JsonNamingPolicy.SnakeCaseLower.ConvertName(d.Reason.ToString()), d.EventTimeUs, d.Events, d.Confidence)),
                             online.Select(d => (d.GetProperty("class").GetInt32(), d.GetProperty("timestep").GetInt32(), d.GetProperty("reason").GetString()!,
                                                 d.GetProperty("event_time_us").GetInt64(), d.GetProperty("events").GetInt64(), d.GetProperty("confidence").GetDouble())));
            }
        }
        finally
        {
            foreach (var s in servers) s.Dispose();
        }
    }

    /// <summary>More streams than --max-streams: the extra ones are refused with a notice and their events counted as dropped; no slot is made for them.</summary>
    [Fact(Timeout = 60_000)]
    public async Task StreamsBeyondTheLimitAreRefusedWithANoticeAndTheirEventsCounted()
    {
        var factory = new CheckpointClassifierFactory(exact.Checkpoint);
        using var model = factory.Load(maxBatch: 8, initialSlots: 1);
        var options = new PipelineOptions { Binning = exact.Binning, Policy = DropPolicy.Wait, Serving = new ServingOptions { MaxStreams = 3 } };
        var pipeline = new StreamPipeline(options, model, (_, _) => false);
        var notices = new List<StreamNotice>();
        pipeline.Notices.Subscribe(n => { lock (notices) notices.Add(n); });
        // Five streams one after another, each sending everything twice: the first three are admitted, the last two refused once each.
        var source = new ScriptedSource(Enumerable.Range(0, 5).SelectMany(i => new[] { (i, TimeSpan.Zero), (i, TimeSpan.Zero) }).ToList(), exact.Recordings);
        await pipeline.RunAsync(source, CancellationToken.None);
        var s = pipeline.Counters.Snapshot();
        PipelineRun.AssertBalanced(s);
        Assert.Equal(2, s.StreamsRefused);
        Assert.Equal(2L * (exact.Recordings[3].Count + exact.Recordings[4].Count), s.EventsDroppedRefused);
        Assert.Equal(2L * (exact.Recordings[0].Count + exact.Recordings[1].Count + exact.Recordings[2].Count), s.EventsClassified);
        var refused = notices.Where(n => n.Kind == StreamNoticeKind.StreamRefused).ToList();
        Assert.Equal(["s3", "s4"], refused.Select(n => n.Stream));
        Assert.Contains("3 streams", refused[0].Message);
        Assert.True(model.Slots <= 3, $"{model.Slots} slots");
    }

    /// <summary>A stream quiet for longer than the idle time is evicted with a notice; when it comes back it is served afresh.</summary>
    [Fact(Timeout = 60_000)]
    public async Task AnIdleStreamIsEvictedWithANoticeAndServedAgainWhenItReturns()
    {
        var factory = new CheckpointClassifierFactory(exact.Checkpoint);
        using var model = factory.Load(maxBatch: 8, initialSlots: 1);
        var options = new PipelineOptions { Binning = exact.Binning, Policy = DropPolicy.Wait, Serving = new ServingOptions { MaxStreams = 1, StreamIdle = TimeSpan.FromMilliseconds(200) } };
        var pipeline = new StreamPipeline(options, model, (_, _) => false);
        var notices = new List<StreamNotice>();
        pipeline.Notices.Subscribe(n => { lock (notices) notices.Add(n); });
        // s0, a long pause, then s1: with room for one stream, s1 is served only because s0 was evicted meanwhile.
        var source = new ScriptedSource([(0, TimeSpan.Zero), (1, TimeSpan.FromMilliseconds(1500))], exact.Recordings);
        await pipeline.RunAsync(source, CancellationToken.None);
        var s = pipeline.Counters.Snapshot();
        PipelineRun.AssertBalanced(s);
        Assert.Equal(0, s.StreamsRefused);
        Assert.True(s.StreamsEvicted >= 1, s.ToString());
        Assert.Equal(exact.Recordings[0].Count + exact.Recordings[1].Count, s.EventsClassified);
        var evicted = notices.First(n => n.Kind == StreamNoticeKind.StreamEvicted);
        Assert.Equal("s0", evicted.Stream);
        Assert.Contains("evicted", evicted.Message);
    }

    /// <summary>Replays recordings as streams s{i}, in the given order, each after the given pause.</summary>
    sealed class ScriptedSource(List<(int Recording, TimeSpan Pause)> script, List<EventBatch> recordings) : EventSnn.Pipeline.Sources.IEventSource
    {
        public string Description => "scripted";
        public bool IsLive => false;
        public async Task RunAsync(EventSnn.Pipeline.Sources.IEventSink sink, CancellationToken ct)
        {
            foreach (var (i, pause) in script)
            {
                if (pause > TimeSpan.Zero) await Task.Delay(pause, ct);
                await EventSnn.Pipeline.Sources.RecordingReplaySource.FromBatch($"s{i}", recordings[i], chunkEvents: 400).RunAsync(sink, ct);
            }
        }
    }
}
