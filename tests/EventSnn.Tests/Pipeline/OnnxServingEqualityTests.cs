using EventSnn.Pipeline;
using EventSnn.Pipeline.Binning;
using EventSnn.Pipeline.Flow;
using EventSnn.Pipeline.Network;

namespace EventSnn.Tests.Pipeline;

/// <summary>
/// The streaming equality test on the ONNX Runtime backend: 16 streams of the exactly representable network interleaved
/// in one ONNX Runtime step graph with state slots give, per stream, TorchSharp's bits (the stream alone, unfolded) and
/// decisions.
/// </summary>
[Collection(ExactServingCollection.Name)]
public class OnnxServingEqualityTests(ExactServingFixture exact)
{
    [Theory]
    [InlineData(5)]
    [InlineData(16)]
    public async Task InterleavedStreamsOnOnnxRuntimeGiveEachStreamsTorchSharpBitsAndDecisions(int maxBatch)
    {
        var rule = ExactServingFixture.BitsRule;
        var counters = new PipelineCounters();
        var binner = new OnlineBinner(exact.Binning, counters);
        var perStream = Enumerable.Range(0, ExactServingFixture.Streams).Select(_ => new List<EventBin>()).ToArray();
        for (int i = 0; i < perStream.Length; i++)
        {
            binner.Add(new StreamBatch($"s{i}", exact.Recordings[i], 0), perStream[i].Add);
            binner.EndStream($"s{i}", perStream[i].Add);
        }
        int total = perStream.Sum(b => b.Count);
        var queue = new StageChannel<EventBin>(total, DropPolicy.Wait);
        for (int k = 0; perStream.Any(b => k < b.Count); k++)
            foreach (var bins in perStream)
                if (k < bins.Count) Assert.True(queue.Offer(bins[k]));
        queue.Complete();

        var factory = new CheckpointClassifierFactory(exact.Checkpoint);
        using var model = factory.LoadOnnx(maxBatch, initialSlots: 2, threads: 1);
        var stage = new NetworkStage(model, rule, counters, new ServingOptions { MaxBatch = maxBatch, MaxStreams = 16 });
        var decisions = new List<StreamDecision>();
        var steps = new List<StreamStepOutput>();
        stage.Decisions.Subscribe(decisions.Add);
        stage.Steps.Subscribe(steps.Add);
        await stage.Run(queue, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));
        var s = counters.Snapshot();
        Assert.Equal(total, s.BinsClassified);
        Assert.True(s.NetworkSteps < s.BinsClassified / 2, $"{s.NetworkSteps} steps for {s.BinsClassified} bins: not batched");

        using var alone = factory.Load(maxBatch: 1, initialSlots: 1, fold: false);
        var stepsSeen = new HashSet<int>();
        for (int i = 0; i < ExactServingFixture.Streams; i++)
        {
            var aloneSteps = new List<StreamStepOutput>();
            var aloneDecisions = StreamPipeline.ClassifyOffline($"s{i}", exact.Recordings[i], exact.Binning, alone, rule, steps: aloneSteps.Add).ToList();
            var mine = steps.Where(x => x.Stream == $"s{i}").ToList();
            Assert.Equal(aloneSteps.Count, mine.Count);
            for (int k = 0; k < mine.Count; k++)
                Assert.True(aloneSteps[k].Output.AsSpan().SequenceEqual(mine[k].Output), $"stream s{i} step {k}: [{string.Join(", ", mine[k].Output)}] alone [{string.Join(", ", aloneSteps[k].Output)}]");
            var d = decisions.Where(x => x.Stream == $"s{i}").ToList();
            Assert.Equal(aloneDecisions.Select(x => (x.Class, x.Timestep, x.Reason, x.EventTimeUs, x.Events, x.Confidence)),
                         d.Select(x => (x.Class, x.Timestep, x.Reason, x.EventTimeUs, x.Events, x.Confidence)));
            foreach (var x in d) stepsSeen.Add(x.Timestep);
        }
        Assert.True(stepsSeen.Count >= 3, $"streams should decide at several different steps, saw {string.Join(", ", stepsSeen)}");
    }
}
