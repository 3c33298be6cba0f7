using TorchSharp;
using TorchSharp.Modules;
using static EventSnn.Model.TensorMath;
using static TorchSharp.torch;

namespace EventSnn.Model;

/// <summary>
/// TEBN (METHOD.md §6.3): BatchNorm over <c>(N, C, T, H, W)</c>, so statistics are shared across time,
/// followed by a learnable per-timestep scale <c>p[t]</c> (initialised to 1).
/// </summary>
/// <remarks>
/// Single-step mode uses the running statistics (evaluation semantics) and the scale of the current step;
/// steps beyond T reuse <c>p[T−1]</c>, so a stream may run longer than the training T.
/// </remarks>
public sealed class TemporalEffectiveBatchNorm : nn.Module<Tensor, Tensor>, ITemporalLayer
{
    private readonly BatchNorm3d bn;
    private readonly Parameter scale;
    private int step;

    /// <summary>Creates TEBN for <paramref name="channels"/> channels and <paramref name="timesteps"/> steps.</summary>
    public TemporalEffectiveBatchNorm(string name, long channels, int timesteps) : base(name)
    {
        bn = nn.BatchNorm3d(channels);
        scale = nn.Parameter(torch.ones(new long[] { timesteps, 1, 1, 1, 1 }));
        RegisterComponents();
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor x) => ForwardMultiStep(x);

    /// <inheritdoc/>
    public Tensor ForwardMultiStep(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        long t = x.shape[0];
        if (t > scale.shape[0]) throw new ArgumentException($"TEBN was built for T={scale.shape[0]} but got T={t}");
        // StableBatchNorm: the module's own forward counts training batches with temporary Scalars.
        var y = StableBatchNorm.Forward(bn, x.permute(1, 2, 0, 3, 4)).permute(2, 0, 1, 3, 4);
        return (y * scale.narrow(0, 0, t)).MoveToOuterDisposeScope();
    }

    /// <inheritdoc/>
    public Tensor ForwardSingleStep(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        long idx = Math.Min(step, scale.shape[0] - 1);
        step++;
        var y = nn.functional.batch_norm(x, bn.running_mean, bn.running_var, bn.weight, bn.bias, training: false, eps: bn.eps);
        return (y * scale[idx].squeeze(0)).MoveToOuterDisposeScope();
    }

    /// <inheritdoc/>
    /// <remarks>The state is each sample's step index (<c>int64</c>, from 0); a sample at step t uses <c>p[min(t, T−1)]</c>.</remarks>
    public Tensor StepWithState(Tensor x, StepState state)
    {
        var steps = state.Next(GetName(), ReadOnlySpan<long>.Empty, ScalarType.Int64, 0);
        using var scope = torch.NewDisposeScope();
        var y = nn.functional.batch_norm(x, bn.running_mean, bn.running_var, bn.weight, bn.bias, training: false, eps: bn.eps);
        var shape = new long[x.dim()];
        Array.Fill(shape, 1L);
        shape[0] = x.shape[0];
        var p = scale.view(-1).index_select(0, ClampMax(steps, scale.shape[0] - 1)).view(shape);   // p[min(t, T−1)]
        IncrementInPlace(steps);
        return y.mul(p).MoveToOuterDisposeScope();
    }

    /// <summary>The BatchNorm over channels (its running statistics are what single steps use).</summary>
    public BatchNorm3d BatchNorm => bn;

    /// <summary>The per-timestep scales <c>p[t]</c>, shape <c>[T, 1, 1, 1, 1]</c>.</summary>
    public Tensor Scale => scale;

    /// <inheritdoc/>
    public void ResetState() => step = 0;
}
