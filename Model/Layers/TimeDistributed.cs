using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace EventSnn.Model;

/// <summary>
/// Applies a stateless module (Conv, BatchNorm, Linear, Pool, Flatten) to every timestep by folding time
/// into the batch: <c>[T, N, ...] → [T·N, ...] → module → [T, N, ...]</c> (METHOD.md §6.5). BatchNorm
/// therefore normalises over T·N jointly. In single-step mode the module sees <c>[N, ...]</c>.
/// </summary>
public sealed class TimeDistributed : nn.Module<Tensor, Tensor>, ITemporalLayer
{
    private readonly nn.Module<Tensor, Tensor> inner;

    /// <summary>Wraps <paramref name="module"/>.</summary>
    public TimeDistributed(string name, nn.Module<Tensor, Tensor> module) : base(name)
    {
        inner = module;
        RegisterComponents();
    }

    /// <summary>The wrapped module.</summary>
    public nn.Module<Tensor, Tensor> Inner => inner;

    /// <inheritdoc/>
    public override Tensor forward(Tensor x) => ForwardMultiStep(x);

    /// <inheritdoc/>
    public Tensor ForwardMultiStep(Tensor x)
    {
        long t = x.shape[0], n = x.shape[1];
        using var folded = x.flatten(0, 1);
        using var y = Apply(folded);
        var shape = new long[y.shape.Length + 1];
        shape[0] = t; shape[1] = n;
        Array.Copy(y.shape, 1, shape, 2, y.shape.Length - 1);
        return y.reshape(shape);
    }

    /// <inheritdoc/>
    public Tensor ForwardSingleStep(Tensor x) => Apply(x);

    /// <inheritdoc/>
    public Tensor StepWithState(Tensor x, StepState state) => Apply(x);

    // BatchNorm runs through StableBatchNorm: the module's own forward counts training batches with temporary Scalars.
    private Tensor Apply(Tensor x) => inner is BatchNorm bn ? StableBatchNorm.Forward(bn, x) : inner.call(x);

    /// <inheritdoc/>
    public void ResetState() { }
}
