using EventSnn.Datasets;
using EventSnn.Model;
using EventSnn.Model.Cutoff;
using EventSnn.Model.Evaluation;
using EventSnn.Tests.Model;
using TorchSharp;

namespace EventSnn.Tests.Cutoff;

[Collection(TorchCollection.Name)]
public class EvaluatorTests
{
    private static (SpikingNetwork Net, FrameSet Data) TinySetup(int n = 7)
    {
        torch.manual_seed(3);
        var info = new ModelInfo { Arch = "tiny", T = 4, Classes = 3, Height = 16, Width = 16 };
        var net = Architectures.Create(info);
        var rng = new Random(5);
        var data = new float[n * 4 * 2 * 16 * 16];
        for (int i = 0; i < data.Length; i++) data[i] = rng.NextDouble() < 0.3 ? rng.Next(1, 4) : 0;
        var labels = Enumerable.Range(0, n).Select(i => i % 3).ToArray();
        return (net, new FrameSet(data, labels, 4, 16, 16, ["a", "b", "c"]));
    }

    [Fact]
    public void StepwiseBatchedRunEqualsTheMultiStepForward()
    {
        var (net, data) = TinySetup();
        using var _ = net;
        net.eval();
        var run = Evaluator.Run(net, data, new EvaluatorOptions { BatchSize = 3 });
        Assert.Equal(7, run.Outputs.N);
        Assert.Equal(4, run.Outputs.T);
        Assert.Equal(3, run.Outputs.K);
        Assert.Equal(data.Labels.Select(l => (long)l), run.Outputs.Labels);
        using (torch.no_grad())
        {
            var x = torch.tensor(Enumerable.Range(0, 7).SelectMany(data.GetSample).ToArray(), [7, 4, 2, 16, 16]).transpose(0, 1).contiguous();
            var o = net.call(x); // [T, N, K]
            var expected = o.transpose(0, 1).contiguous().data<float>().ToArray(); // [N, T, K]
            for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], run.Outputs.Outputs[i], 4);
        }
        Assert.Equal(net.SpikingLayers.Count, run.SpikesPerSamplePerLayer.Length);
        Assert.True(run.SpikesPerSamplePerLayer[0] > 0, "the first layer should spike on this input");
        Assert.Equal(4, run.WallClockMsPerTimestep.Length);
        Assert.All(run.WallClockMsPerTimestep, ms => Assert.True(ms > 0));
        Assert.False(net.training);
        Assert.Equal(0, net.SpikeDropout);
    }

    [Fact]
    public void SpikeDropoutIsSeededAndSwitchedOffAfterwards()
    {
        var (net, data) = TinySetup(12);
        using var _ = net;
        var plain = Evaluator.Run(net, data).Outputs.Outputs;
        var a = Evaluator.Run(net, data, new EvaluatorOptions { Dropout = 0.3, DropoutSeed = 9 }).Outputs.Outputs;
        var b = Evaluator.Run(net, data, new EvaluatorOptions { Dropout = 0.3, DropoutSeed = 9 }).Outputs.Outputs;
        Assert.Equal(a, b);
        Assert.NotEqual(plain, a);
        Assert.Equal(plain, Evaluator.Run(net, data).Outputs.Outputs);
        var cal = Evaluator.Calibrate(net, data, new CalibrationSettings(), dropout: 0.3, seed: 9);
        Assert.Equal(0.3, cal.Dropout);
        Assert.Equal(9, cal.Seed);
        Assert.Equal(12, cal.Samples);
        Assert.Equal(4, cal.Thresholds.Length);
        // Same numbers as calibrating the recorded dropout outputs directly.
        Assert.Equal(TopKCutoff.Calibrate(new OutputSet(12, 4, 3, a, data.Labels.Select(l => (long)l).ToArray()), 0).Thresholds, cal.Thresholds);
    }
}
