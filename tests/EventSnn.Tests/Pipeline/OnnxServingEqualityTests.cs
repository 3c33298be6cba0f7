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
        var factory = new CheckpointClassifierFactory(exact.Checkpoint);
        using var model = factory.LoadOnnx(maxBatch, initialSlots: 2, threads: 1);
        var (decisions, steps, total) = await exact.ServeInterleaved(model, rule, counters, maxBatch);
        var s = counters.Snapshot();
        Assert.Equal(total, s.BinsClassified);
        Assert.True(s.NetworkSteps < s.BinsClassified / 2, $"{s.NetworkSteps} steps for {s.BinsClassified} bins: not batched");
        exact.AssertEachStreamAsAlone(decisions, steps, rule);
    }
}
