using EventSnn.Model;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace EventSnn.Tests.Model;

/// <summary>
/// Networks whose every sum is exact in float32: weights, biases, BatchNorm means and scales are multiples of 2^-8
/// (small numerators), BatchNorm variances are the float v with v + ε = 1 exactly (so 1/√(v + ε) = 1), TEBN scales are
/// in {0.5, 1, 1.5, 2}; fed integer event counts, any summation order (batch size, folded BatchNorm, another
/// algorithm) gives the same bits.
/// </summary>
internal static class ExactNetworks
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

    /// <summary>Builds <paramref name="info"/>'s architecture with exactly representable parameters (seeded).</summary>
    public static SpikingNetwork Create(ModelInfo info, int seed = 1)
    {
        var net = Architectures.Create(info);
        Make(net, seed);
        net.eval();
        return net;
    }

    /// <summary>Overwrites every parameter and BatchNorm statistic of <paramref name="net"/> with exact values.</summary>
    public static void Make(nn.Module net, int seed)
    {
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
                    bn.weight?.copy_(Dyadic(bn.weight.shape, 2, 9, 4));            // 0.5 .. 2 in steps of 1/4
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
                case TemporalEffectiveBatchNorm tebn:
                    tebn.Scale.copy_(Dyadic(tebn.Scale.shape, 1, 5, 2)); // 0.5 .. 2
                    break;
            }
        }
    }

    /// <summary>Integer event counts 0..<paramref name="maxCount"/> of shape <paramref name="shape"/> (seeded).</summary>
    public static Tensor Counts(long[] shape, int maxCount, int seed)
    {
        using var g = new torch.Generator((ulong)seed);
        return torch.randint(0, maxCount + 1, shape, generator: g).to_type(ScalarType.Float32);
    }
}
