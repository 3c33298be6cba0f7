using EventSnn.Model;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace EventSnn.Tests.Portable;

/// <summary>
/// Networks whose every sum is exact in float32: weights, biases, BatchNorm means and scales are multiples of 2^-8
/// with small numerators, BatchNorm variances are the float v with v + ε = 1 in float32 (so the folded scale is γ);
/// fed integer event counts, any summation order and BatchNorm folding give the same bits.
/// </summary>
internal static class DyadicNetworks
{
    /// <summary>The float32 variance v with v + (float)ε == 1 in float32 arithmetic.</summary>
    public static float UnitVariance(double eps)
    {
        float e = (float)eps;
        float v = 1f - e;
        for (int i = 0; i < 64 && v + e != 1f; i++) v = v + e < 1f ? MathF.BitIncrement(v) : MathF.BitDecrement(v);
        if (v + e != 1f) throw new InvalidOperationException("no exact unit variance");
        return v;
    }

    /// <summary>Builds <paramref name="info"/>'s architecture with exactly representable parameters (seeded), in eval mode.</summary>
    public static SpikingNetwork Create(ModelInfo info, int seed = 1)
    {
        var net = Architectures.Create(info);
        using var g = new torch.Generator((ulong)seed);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        Tensor Dyadic(long[] shape, int lo, int hi, int denominator) =>
            torch.randint(lo, hi, shape, generator: g).to_type(ScalarType.Float32).div_(denominator);
        foreach (var (_, m) in net.named_modules())
        {
            switch (m)
            {
                case BatchNorm bn:
                    bn.weight?.copy_(Dyadic(bn.weight.shape, 2, 9, 4));
                    bn.bias?.copy_(Dyadic(bn.bias.shape, -64, 65, 256));
                    bn.running_mean?.copy_(Dyadic(bn.running_mean.shape, -64, 65, 256));
                    bn.running_var?.fill_(UnitVariance(bn.eps));
                    break;
                case Conv2d conv:
                    conv.weight.copy_(Dyadic(conv.weight.shape, -24, 25, 256));
                    conv.bias?.copy_(Dyadic(conv.bias.shape, -16, 17, 256));
                    break;
                case Linear lin:
                    lin.weight.copy_(Dyadic(lin.weight.shape, -24, 25, 256));
                    lin.bias?.copy_(Dyadic(lin.bias.shape, -16, 17, 256));
                    break;
            }
        }
        net.eval();
        return net;
    }

    /// <summary>Integer event counts 0..<paramref name="maxCount"/> of shape <paramref name="shape"/> (seeded).</summary>
    public static Tensor Counts(long[] shape, int maxCount, int seed)
    {
        using var g = new torch.Generator((ulong)seed);
        return torch.randint(0, maxCount + 1, shape, generator: g).to_type(ScalarType.Float32);
    }

    /// <summary>Per-step outputs and every spiking layer's output of a multi-step run (<c>x [T, N, C, H, W]</c>), as float arrays.</summary>
    public static (float[] Outputs, List<float[]> Spikes) Trace(SpikingNetwork net, Tensor x)
    {
        var seq = (SequentialSpikingNetwork)net;
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        net.ResetState();
        var spikes = new List<float[]>();
        var h = x;
        foreach (var layer in seq.Layers)
        {
            h = ((ITemporalLayer)layer).ForwardMultiStep(h);
            if (layer is ISpikingLayer) spikes.Add(h.contiguous().data<float>().ToArray());
        }
        net.ResetState();
        return (h.contiguous().data<float>().ToArray(), spikes);
    }
}
