using EventSnn.Model;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace EventSnn.Tests.Model;

/// <summary>
/// <see cref="StableBatchNorm"/> (used by <see cref="TimeDistributed"/> and TEBN) against the TorchSharp module's own
/// forward: same outputs, gradients, running statistics and batch counts, bit for bit, in training and in eval mode.
/// </summary>
[Collection(TorchCollection.Name)]
public class StableBatchNormTests
{
    // (training?, input) calls: training batches update the statistics, eval calls use them, then training again.
    private static readonly bool[] Modes = [true, true, true, false, false, true, false];

    private static float[] Bits(Tensor t) => t.detach().to_type(ScalarType.Float32).contiguous().data<float>().ToArray();

    private static void AssertBitIdentical(Tensor expected, Tensor actual, string what)
    {
        Assert.Equal(expected.shape, actual.shape);
        var e = Bits(expected);
        var a = Bits(actual);
        for (int i = 0; i < e.Length; i++)
            Assert.True(BitConverter.SingleToInt32Bits(e[i]) == BitConverter.SingleToInt32Bits(a[i]), $"{what}[{i}]: expected {e[i]:R}, got {a[i]:R}");
    }

    private static void AssertSameState(BatchNorm expected, BatchNorm actual, string step)
    {
        AssertBitIdentical(expected.running_mean!, actual.running_mean!, $"{step} running_mean");
        AssertBitIdentical(expected.running_var!, actual.running_var!, $"{step} running_var");
        Assert.Equal(expected.num_batches_tracked!.item<long>(), actual.num_batches_tracked!.item<long>());
    }

    /// <summary>Two modules with the same non-trivial starting state (affine parameters and running statistics).</summary>
    private static (BatchNorm Reference, BatchNorm Tested) Pair(Func<BatchNorm> create, long features, Func<BatchNorm>? createTested = null)
    {
        var reference = create();
        var tested = (createTested ?? create)();
        using (torch.no_grad())
        {
            reference.weight.copy_(torch.rand(features) + 0.5);
            reference.bias!.copy_(torch.randn(features));
            reference.running_mean!.copy_(torch.randn(features) * 0.1);
            reference.running_var!.copy_(torch.rand(features) + 0.5);
            reference.num_batches_tracked!.fill_(3);
        }
        tested.load_state_dict(reference.state_dict());
        return (reference, tested);
    }

    private static void RunBoth(BatchNorm reference, BatchNorm tested, Func<long[]> shape, Func<Tensor, Tensor> testedForward,
        Func<BatchNorm, Tensor, Tensor> referenceForward)
    {
        for (int step = 0; step < Modes.Length; step++)
        {
            using var scope = torch.NewDisposeScope();
            bool training = Modes[step];
            reference.train(training);
            tested.train(training);
            var x = torch.randn(shape()) * 2 + 0.3;
            var upstream = torch.randn(x.shape);
            var xr = x.clone().requires_grad_(training);
            var xt = x.clone().requires_grad_(training);
            var yr = referenceForward(reference, xr);
            var yt = testedForward(xt);
            AssertBitIdentical(yr, yt, $"step {step} output");
            AssertSameState(reference, tested, $"step {step}");
            if (training)
            {
                reference.zero_grad();
                tested.zero_grad();
                (yr * upstream).sum().backward();
                (yt * upstream).sum().backward();
                AssertBitIdentical(xr.grad!, xt.grad!, $"step {step} input gradient");
                AssertBitIdentical(reference.weight.grad!, tested.weight.grad!, $"step {step} weight gradient");
                AssertBitIdentical(reference.bias!.grad!, tested.bias!.grad!, $"step {step} bias gradient");
            }
        }
        Assert.Equal(3 + Modes.Count(m => m), tested.num_batches_tracked!.item<long>());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TimeDistributedBatchNorm2dMatchesTheModule(bool cumulativeAverage)
    {
        torch.manual_seed(11);
        var (reference, tested) = Pair(() => nn.BatchNorm2d(5), 5);
        if (cumulativeAverage) { reference.momentum = null; tested.momentum = null; }
        using var layer = new TimeDistributed("bn", tested);
        // [T, N, C, H, W] through the layer; the reference module sees the same [T·N, C, H, W] batch
        RunBoth(reference, tested, () => new long[] { 3, 4, 5, 6, 6 }, x => layer.ForwardMultiStep(x),
            (m, x) => m.call(x.flatten(0, 1)).reshape(x.shape));
    }

    [Fact]
    public void TimeDistributedBatchNorm1dMatchesTheModule()
    {
        torch.manual_seed(12);
        var (reference, tested) = Pair(() => nn.BatchNorm1d(7), 7);
        using var layer = new TimeDistributed("bn1d", tested);
        RunBoth(reference, tested, () => new long[] { 4, 5, 7 }, x => layer.ForwardMultiStep(x),
            (m, x) => m.call(x.flatten(0, 1)).reshape(x.shape));
    }

    [Fact]
    public void SingleStepBatchNormMatchesTheModule()
    {
        torch.manual_seed(13);
        var (reference, tested) = Pair(() => nn.BatchNorm2d(3), 3);
        using var layer = new TimeDistributed("bn", tested);
        RunBoth(reference, tested, () => new long[] { 4, 3, 5, 5 }, x => layer.ForwardSingleStep(x), (m, x) => m.call(x));
    }

    [Fact]
    public void StableBatchNorm2dModuleMatchesBatchNorm2d()
    {
        torch.manual_seed(16);
        var (reference, tested) = Pair(() => nn.BatchNorm2d(4), 4, () => new StableBatchNorm2d(4));
        Assert.Equal(reference.state_dict().Keys.Order(), tested.state_dict().Keys.Order());
        using var seq = nn.Sequential(("0", tested));   // as in the frame networks
        RunBoth(reference, tested, () => new long[] { 6, 4, 5, 5 }, x => seq.call(x), (m, x) => m.call(x));
    }

    [Fact]
    public void TebnMatchesItsBatchNorm3dModule()
    {
        torch.manual_seed(14);
        const int T = 4;
        using var tebn = new TemporalEffectiveBatchNorm("tebn", 6, T);
        using (torch.no_grad())
            tebn.get_parameter("scale")!.copy_(torch.rand(new long[] { T, 1, 1, 1, 1 }) + 0.5);
        var bn = (BatchNorm3d)tebn.named_children().Single(c => c.name == "bn").module;
        var (reference, _) = Pair(() => nn.BatchNorm3d(6), 6);
        bn.load_state_dict(reference.state_dict());
        var scale = tebn.get_parameter("scale")!.detach().clone();
        RunBoth(reference, bn, () => new long[] { T, 3, 6, 4, 4 }, x => tebn.ForwardMultiStep(x),
            (m, x) => m.call(x.permute(1, 2, 0, 3, 4)).permute(2, 0, 1, 3, 4) * scale);
    }

    [Fact]
    public void NetworkStateDictKeepsTheBatchNormBuffers()
    {
        torch.manual_seed(15);
        using var net = Architectures.Create("tiny", new ModelInfo { Arch = "tiny", T = 2, Classes = 3, Height = 16, Width = 16 });
        net.train();
        using (var scope = torch.NewDisposeScope())
            net.call(torch.rand(new long[] { 2, 4, 2, 16, 16 })).sum().backward();
        var counts = net.state_dict().Where(kv => kv.Key.EndsWith(".num_batches_tracked")).ToList();
        Assert.Equal(2, counts.Count);
        Assert.All(counts, kv => Assert.Equal(1L, kv.Value.item<long>()));
        Assert.Equal(2, net.state_dict().Keys.Count(k => k.EndsWith(".running_mean")));
    }
}
