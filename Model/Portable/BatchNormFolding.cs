using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace EventSnn.Model.Portable;

/// <summary>
/// Folds an evaluation-mode BatchNorm into the convolution or linear layer before it:
/// <c>s = γ / √(var + ε)</c>, <c>W' = W·s</c> (per output channel), <c>b' = (b − mean)·s + β</c>, in float32 as the
/// network computes. Exact (bit for bit) when <c>var + ε</c> is 1 in float32 and all products are exact.
/// </summary>
public static class BatchNormFolding
{
    /// <summary>Folded weights (shape of <paramref name="weight"/>, row-major) and biases <c>[out]</c>.</summary>
    /// <param name="weight">Weight <c>[out, ...]</c>.</param>
    /// <param name="bias">Bias <c>[out]</c>, or null for none (treated as 0).</param>
    /// <param name="bn">The BatchNorm after the layer (running statistics are used).</param>
    public static (float[] Weight, float[] Bias) Fold(Tensor weight, Tensor? bias, BatchNorm bn)
    {
        float[] w = Floats(weight);
        long outs = weight.shape[0];
        long per = outs == 0 ? 0 : w.LongLength / outs;
        float[] b = bias is null ? new float[outs] : Floats(bias);
        if (bn.running_mean is null || bn.running_var is null) throw new ArgumentException($"BatchNorm '{bn.GetName()}' has no running statistics");
        float[] mean = Floats(bn.running_mean), variance = Floats(bn.running_var);
        float[] gamma = bn.weight is null ? Enumerable.Repeat(1f, (int)outs).ToArray() : Floats(bn.weight);
        float[] beta = bn.bias is null ? new float[outs] : Floats(bn.bias);
        if (mean.Length != outs) throw new ArgumentException($"BatchNorm '{bn.GetName()}' has {mean.Length} channels, the layer before it {outs}");
        float eps = (float)bn.eps;
        for (long o = 0; o < outs; o++)
        {
            float s = gamma[o] / MathF.Sqrt(variance[o] + eps);
            for (long i = 0; i < per; i++) w[o * per + i] *= s;
            b[o] = (b[o] - mean[o]) * s + beta[o];
        }
        return (w, b);
    }

    /// <summary>A tensor's values as a float32 array (copied to the CPU).</summary>
    public static float[] Floats(Tensor t)
    {
        using var c = t.detach().to(torch.CPU).to_type(ScalarType.Float32).contiguous();
        return c.data<float>().ToArray();
    }
}
