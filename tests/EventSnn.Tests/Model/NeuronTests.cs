using EventSnn.Model;
using TorchSharp;
using static TorchSharp.torch;
using static EventSnn.Tests.Model.TensorAssert;

namespace EventSnn.Tests.Model;

/// <summary>Neurons and surrogate against hand-computed values (METHOD.md §5.1, §5.2).</summary>
[Collection(TorchCollection.Name)]
public class NeuronTests
{
    // Primitive of the triangle (1/γ²)·max(0, γ − |x|): its derivative is the surrogate.
    private static double TrianglePrimitive(double x, double g)
    {
        if (x <= -g) return 0;
        if (x >= g) return 1;
        return x < 0 ? (x + g) * (x + g) / (2 * g * g) : 1 - (g - x) * (g - x) / (2 * g * g);
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(0.5)]
    public void SurrogateGradientMatchesFiniteDifferencesOfTheTrianglePrimitive(double gamma)
    {
        using var scope = NewDisposeScope();
        double[] xs = [-1.7, -0.9, -0.6, -0.2, -0.05, 0.05, 0.3, 0.45, 0.8, 1.3];
        var x = torch.tensor(xs, dtype: ScalarType.Float64, requires_grad: true);
        var s = SurrogateSpike.Apply(x, gamma);
        s.sum().backward();
        var grad = x.grad!.data<double>().ToArray();
        var value = s.detach().data<double>().ToArray();
        const double h = 1e-6;
        for (int i = 0; i < xs.Length; i++)
        {
            double fd = (TrianglePrimitive(xs[i] + h, gamma) - TrianglePrimitive(xs[i] - h, gamma)) / (2 * h);
            Assert.Equal(fd, grad[i], 5);
            Assert.Equal(SurrogateSpike.Triangle(xs[i], gamma), grad[i], 12);
            Assert.Equal(xs[i] > 0 ? 1.0 : 0.0, value[i]);
        }
    }

    [Fact]
    public void SpikeIsStrictAtThreshold()
    {
        using var scope = NewDisposeScope();
        var s = SurrogateSpike.Apply(torch.tensor(new[] { 0f, 1e-6f, -1e-6f }), 1.0);
        Assert.Equal(new[] { 0f, 1f, 0f }, s.data<float>().ToArray());
    }

    [Fact]
    public void LifHardResetMatchesHandTrace()
    {
        // θ=1, τ=0.5, hard reset. x = 0.6, 0.6, 0.6, 1.5, 0.2
        // t1: u=0.6  s=0 u'=0.6  v=0.3
        // t2: u=0.9  s=0 u'=0.9  v=0.45
        // t3: u=1.05 s=1 u'=0    v=0
        // t4: u=1.5  s=1 u'=0    v=0
        // t5: u=0.2  s=0 u'=0.2  v=0.1
        using var scope = NewDisposeScope();
        using var lif = new LifNeuron();
        var x = torch.tensor(new[] { 0.6f, 0.6f, 0.6f, 1.5f, 0.2f }).reshape(5, 1, 1);
        var y = lif.ForwardMultiStep(x).flatten().data<float>().ToArray();
        Assert.Equal(new[] { 0f, 0f, 1f, 1f, 0f }, y);
    }

    [Fact]
    public void LifSoftResetMatchesHandTrace()
    {
        // soft: t1 u=0.6 v=0.3; t2 u=1.5 s=1 u'=0.5 v=0.25; t3 u=0.85 s=0 v=0.425; t4 u=2.425 s=1 u'=1.425 v=0.7125; t5 u=0.9125 s=0
        using var scope = NewDisposeScope();
        using var lif = new LifNeuron(softReset: true);
        var x = torch.tensor(new[] { 0.6f, 1.2f, 0.6f, 2.0f, 0.2f }).reshape(5, 1, 1);
        var y = lif.ForwardMultiStep(x).flatten().data<float>().ToArray();
        Assert.Equal(new[] { 0f, 1f, 0f, 1f, 0f }, y);
        // the carried membrane after the same trace in single-step mode
        foreach (var v in new[] { 0.6f, 1.2f, 0.6f, 2.0f, 0.2f }) lif.ForwardSingleStep(torch.tensor(new[] { v }).reshape(1, 1)).Dispose();
        Assert.Equal(0.45625f, lif.Membrane!.item<float>(), 5); // τ·0.9125
    }

    [Fact]
    public void IfNeuronMatchesHandTrace()
    {
        // λ=2, soft reset, no leak, v0 = λ/2 = 1, output λ·s.
        // x: 0.5, 0.8, 3.0, 0.0, -1.0
        // t1: u=1.5 s=0 v=1.5; t2: u=2.3 s=1 v=0.3; t3: u=3.3 s=1 v=1.3; t4: u=1.3 s=0 v=1.3; t5: u=0.3 s=0 v=0.3
        using var scope = NewDisposeScope();
        using var neuron = new IfNeuron(threshold: 2.0);
        var x = torch.tensor(new[] { 0.5f, 0.8f, 3.0f, 0.0f, -1.0f }).reshape(5, 1, 1);
        var y = neuron.ForwardMultiStep(x).flatten().data<float>().ToArray();
        Assert.Equal(new[] { 0f, 2f, 2f, 0f, 0f }, y);
    }

    [Fact]
    public void SingleStepEqualsMultiStepForNeurons()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(3);
        var x = torch.randn(new long[] { 12, 4, 3, 5, 5 }) * 1.5;
        foreach (SpikingNeuron n in new SpikingNeuron[] { new LifNeuron(), new LifNeuron(softReset: true), new IfNeuron(threshold: 0.7) })
        {
            var multi = n.ForwardMultiStep(x);
            n.ResetState();
            var single = torch.stack(Enumerable.Range(0, 12).Select(t => n.ForwardSingleStep(x[t])));
            Assert.True(Same(multi, single), $"{n.GetType().Name} modes differ");
            Assert.True(multi.sum().item<float>() > 0, "trace must contain spikes");
            n.Dispose();
        }
    }

    [Fact]
    public void ResetGoesThroughTheSurrogate()
    {
        // Hard reset u'=u(1−s) with a differentiable s: at t1 u=1.05 → s=1, ∂s/∂u=0.95, so ∂u'/∂u = (1−s) − u·∂s/∂u.
        using var scope = NewDisposeScope();
        using var lif = new LifNeuron();
        lif.RecordResponse = true;
        var leaf = torch.tensor(new[] { 1.05f }, requires_grad: true);
        lif.ForwardMultiStep(leaf.reshape(1, 1, 1)).Dispose();
        using var r = lif.TakeResponse()!; // R = s + relu(u') = 1 + 0
        r.sum().backward();
        // dR/du = ds/du + 1[u'>0]·du'/du = 0.95 + 0 (u' = 0 so ReLU gradient is 0)
        Assert.Equal(0.95f, leaf.grad!.item<float>(), 4);
    }
}
