using EventSnn.Model;
using EventSnn.Model.Conversion;
using TorchSharp;
using static TorchSharp.torch;

namespace EventSnn.Tests.Conversion;

/// <summary>The converted SNN reproduces its QCFS ANN: exactly where QCFS theory says so, and increasingly with T.</summary>
public class ConversionFaithfulnessTests
{
    [Theory]
    [InlineData(4)]
    [InlineData(8)]
    [InlineData(16)]
    public void OneLayerNetworkMatchesQcfsExactlyAtTEqualsL(int levels)
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(11);
        var shape = new FrameNetworkShape(2, 4, 4, 5);
        using var ann = new OneHiddenLayerNet(shape, 64, _ => new QcfsActivation(levels, initialThreshold: 1.5));
        ann.eval();
        using var snn = AnnToSnnConverter.Convert(ann);
        var x = torch.rand(32, 2, 4, 4) * 2 - 0.5;
        using var _ = torch.no_grad();
        var expected = ann.call(x);
        // Constant input current I, v0 = λ/2, soft reset: after T steps the spike count is floor(T·I/λ + 0.5)
        // clamped to [0, T], which is exactly QCFS with L = T (Bu et al. 2022).
        var means = ConversionEvaluation.MeanOutputs(snn, x, levels);
        var difference = (means[levels - 1] - expected).abs().max().item<float>();
        Assert.True(difference < 1e-4, $"max |Y(T)/T − ANN| = {difference}");
        // Before T = L the SNN has not resolved the quantisation yet.
        var early = (means[levels / 2 - 1] - expected).abs().max().item<float>();
        Assert.True(early > 1e-3, $"error at T = L/2 is only {early}");
    }

    [Theory]
    [InlineData(4)]
    [InlineData(8)]
    [InlineData(16)]
    public void DeepNetworkErrorIsSmallestAtTEqualsLAndFallsWithT(int levels)
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(5);
        var shape = new FrameNetworkShape(3, 16, 16, 10);
        using var ann = FrameArchitectures.Create("tiny-vgg", shape, _ => new QcfsActivation(levels, initialThreshold: 1.0));
        ann.eval();
        using var snn = AnnToSnnConverter.Convert(ann);
        var x = torch.rand(64, 3, 16, 16);
        using var _ = torch.no_grad();
        var expected = ann.call(x);
        var means = ConversionEvaluation.MeanOutputs(snn, x, 64);
        double Error(int t) => ((means[t - 1] - expected).norm(1) / expected.norm(1)).mean().item<float>();
        var steps = new[] { 1, 2, 4, 8, 16, 32, 64 };
        var errors = steps.ToDictionary(t => t, Error);
        string curve = string.Join(" ", steps.Select(t => $"T={t}:{errors[t]:F4}"));
        // Where QCFS theory says so (T = L) the SNN is closest to the quantised ANN; beyond, its rates approach the
        // unquantised clip network, so the error settles at the quantisation gap (smaller for larger L).
        Assert.True(errors[levels] < 0.15, curve);
        Assert.All(steps, t => Assert.True(errors[levels] <= errors[t], curve));
        Assert.True(errors[64] < errors[4] || levels == 4, curve);
        if (levels == 16) Assert.True(errors[64] < 0.35 * errors[4], curve);
    }

    [Fact]
    public void EveryActivationBecomesAnIfNeuronWithItsThreshold()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(2);
        var shape = new FrameNetworkShape(3, 32, 32, 10);
        using var ann = FrameArchitectures.Create("resnet20", shape, _ => new QcfsActivation(8));
        var lambdas = new List<double>();
        using (torch.no_grad())
        {
            int i = 0;
            foreach (var act in ann.Activations.Cast<AnnActivation>()) { act.vthr.fill_(1.0 + 0.25 * i++); lambdas.Add(act.Threshold); }
        }
        using var snn = AnnToSnnConverter.Convert(ann);
        Assert.Equal(19, snn.SpikingLayers.Count);   // stem + 9 blocks × 2
        Assert.Equal(lambdas, snn.SpikingLayers.Select(l => l.Threshold));
        Assert.All(snn.Neurons, n => { Assert.True(n.SoftReset); Assert.Equal(1.0, n.Tau); Assert.Equal(0.5, n.InitialMembrane); });
        Assert.DoesNotContain(snn.modules(), m => m is AnnActivation);
        // Weights are copied, not re-initialised.
        var annWeight = ann.state_dict()["conv2_x.1.residual_function.3.weight"];
        var snnWeight = snn.state_dict()["body.conv2_x.1.residual_function.3.weight"];
        Assert.True(ConversionTestData.Same(annWeight, snnWeight));
    }

    [Fact]
    public void PlainReluCannotBeConvertedSilently()
    {
        var shape = new FrameNetworkShape(3, 8, 8, 4);
        using var ann = FrameArchitectures.Create("tiny-vgg", shape, _ => nn.ReLU());
        var e = Assert.Throws<ArgumentException>(() => AnnToSnnConverter.Convert(ann));
        Assert.Contains("activation 0", e.Message);
    }

    [Fact]
    public void ConvertedCheckpointLoadsAsTheSameNetwork()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(9);
        var shape = new FrameNetworkShape(3, 16, 16, 4);
        using var ann = FrameArchitectures.Create("tiny-vgg", shape, i => new QcfsActivation(8, initialThreshold: 0.7 + i));
        ann.eval();
        using var snn = AnnToSnnConverter.Convert(ann, ConversionInputMode.Causal, inputScale: 2.0);
        var info = AnnToSnnConverter.Describe(snn, 8, "dvsgesture", new[] { "a", "b", "c", "d" }, new FrameInfo());
        string dir = Fixtures.TempDir();
        try
        {
            string path = Path.Combine(dir, "tiny.ckpt");
            Checkpoint.Save(path, snn, info);
            var (loaded, loadedInfo) = Checkpoint.Load(path);
            using var _l = loaded;
            Assert.Equal("converted", loadedInfo.Kind);
            var converted = Assert.IsType<ConvertedNetwork>(loaded);
            Assert.Equal(new[] { 0.7, 1.7 }, converted.SpikingLayers.Select(l => Math.Round(l.Threshold, 5)));
            Assert.Equal(2.0, converted.InputScale);
            Assert.Equal(ConversionInputMode.Causal, converted.InputMode);
            Assert.Equal(new ConversionInput { Source = ConversionInput.Events, Mode = ConversionInput.Causal, Scale = 2.0 }, loadedInfo.Input! with { });
            var x = torch.rand(new long[] { 3, 5, 3, 16, 16 });
            using var _g = torch.no_grad();
            var a = snn.call(x);
            var b = converted.call(x);
            Assert.True(a.allclose(b), "per-step outputs differ after reload");
        }
        finally { Directory.Delete(dir, true); }
    }
}
