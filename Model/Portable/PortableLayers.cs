using TorchSharp;
using static EventSnn.Model.TensorMath;
using static TorchSharp.torch;

namespace EventSnn.Model;

/// <summary>
/// Heaviside step of NIR's <c>Threshold</c> node: <c>y = 1</c> where <c>x &gt; threshold</c>, else 0 (same dtype as
/// <c>x</c>). After sum pooling of binary spikes, a threshold of 0.5 gives max pooling exactly.
/// </summary>
public sealed class ThresholdLayer : nn.Module<Tensor, Tensor>
{
    /// <summary>Creates the step at <paramref name="value"/> (input units).</summary>
    public ThresholdLayer(string name, double value) : base(name)
    {
        Value = value;
    }

    /// <summary>The value the input must exceed to give 1.</summary>
    public double Value { get; }

    /// <inheritdoc/>
    public override Tensor forward(Tensor x) => Greater(x, Value).to_type(x.dtype);
}

/// <summary>
/// Element-wise product with a stored factor tensor (NIR's <c>Scale</c> node), broadcast against one sample
/// <c>[N, ...]</c>; the factors are the buffer <c>scale</c> of the state dict.
/// </summary>
public sealed class ScaleLayer : nn.Module<Tensor, Tensor>
{
    private readonly Tensor scale;

    /// <summary>Creates the layer with factors of shape <paramref name="shape"/> (one sample), all 1 until loaded.</summary>
    public ScaleLayer(string name, long[] shape) : base(name)
    {
        scale = torch.ones(shape);
        register_buffer("scale", scale);
    }

    /// <summary>The factors (one sample's shape).</summary>
    public Tensor Factors => scale;

    /// <inheritdoc/>
    public override Tensor forward(Tensor x) => x.mul(scale);
}
