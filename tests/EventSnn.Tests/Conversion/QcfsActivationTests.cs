using EventSnn.Model.Conversion;
using TorchSharp;
using static TorchSharp.torch;

namespace EventSnn.Tests.Conversion;

/// <summary>QCFS, clip and running-max constraints on hand-computed values.</summary>
public class QcfsActivationTests
{
    // λ = 8, L = 4: h(z) = 8·clamp(floor(z/2 + 0.5)/4, 0, 1).
    private static readonly float[] Z = { -1f, 0.9f, 1.1f, 3f, 12f };

    [Fact]
    public void ForwardQuantisesToLevelsOfLambdaOverL()
    {
        using var qcfs = new QcfsActivation(levels: 4);
        using var z = torch.tensor(Z);
        using var h = qcfs.call(z);
        // floor(·): −1→0 (ReLU), 0.95→0, 1.05→1, 2.0→2, 6.5→6 (clamped to 4/4).
        Assert.Equal(new[] { 0f, 0f, 2f, 4f, 8f }, h.data<float>().ToArray());
    }

    [Fact]
    public void FloorPassesGradientStraightThrough()
    {
        using var qcfs = new QcfsActivation(levels: 4);
        using var z = torch.tensor(Z, requires_grad: true);
        using var h = qcfs.call(z);
        using var loss = h.sum();
        loss.backward();
        // ∂h/∂z = λ·(1/L)·(L/λ) = 1 where 0 < z and the output is not clamped; 0 for z < 0 and for saturated outputs.
        Assert.Equal(new[] { 0f, 1f, 1f, 1f, 0f }, z.grad!.data<float>().ToArray());
        // ∂h/∂λ = floor(u)/L − ReLU(z)/λ inside, 1 when saturated:
        // 0 + (0 − 0.1125) + (0.25 − 0.1375) + (0.5 − 0.375) + 1 = 1.125.
        Assert.Equal(1.125f, qcfs.vthr.grad!.item<float>(), 5);
    }

    [Theory]
    [InlineData(4)]
    [InlineData(8)]
    [InlineData(16)]
    public void OutputTakesOnlyLPlusOneValues(int levels)
    {
        using var qcfs = new QcfsActivation(levels, initialThreshold: 2.0);
        torch.manual_seed(3);
        using var z = torch.randn(4000) * 3;
        using var h = qcfs.call(z);
        var distinct = h.data<float>().ToArray().Select(v => Math.Round(v * levels / 2.0, 4)).Distinct().ToList();
        Assert.True(distinct.Count <= levels + 1, $"{distinct.Count} values");
        Assert.All(distinct, d => Assert.Equal(Math.Round(d), d, 4));
    }

    [Fact]
    public void ClipIsReluCappedAtLambda()
    {
        using var clip = new ClipActivation(initialThreshold: 2.0);
        using var z = torch.tensor(new[] { -1f, 0.5f, 1.5f, 3f }, requires_grad: true);
        using var h = clip.call(z);
        Assert.Equal(new[] { 0f, 0.5f, 1.5f, 2f }, h.data<float>().ToArray());
        h.sum().backward();
        Assert.Equal(new[] { 0f, 1f, 1f, 0f }, z.grad!.data<float>().ToArray());
        Assert.Equal(1f, clip.vthr.grad!.item<float>(), 5);
    }

    [Fact]
    public void RunningMaxTracksTheInputMaximumOnlyInTraining()
    {
        using var act = new RunningMaxActivation();
        using var z = torch.tensor(new[] { -3f, 1f, 18f });
        act.train();
        using (var h = act.call(z)) Assert.Equal(new[] { 0f, 1f, 18f }, h.data<float>().ToArray());
        Assert.Equal(0.9 * 8 + 0.1 * 18, act.Threshold, 5);
        act.eval();
        using (act.call(z)) { }
        Assert.Equal(9.0, act.Threshold, 5);
        Assert.False(act.vthr.requires_grad);
    }

    [Fact]
    public void ThresholdIsNamedVthrLikeThePublicCode()
    {
        using var qcfs = new QcfsActivation();
        var names = qcfs.state_dict().Keys.ToList();
        Assert.Equal(new[] { "vthr" }, names);
        Assert.Equal(8.0, qcfs.Threshold);
        Assert.Throws<ArgumentOutOfRangeException>(() => new QcfsActivation(levels: 0));
    }
}
