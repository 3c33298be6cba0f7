using TorchSharp;
using TorchSharp.Modules;
using static EventSnn.Model.TensorMath;
using static TorchSharp.torch;

namespace EventSnn.Model;

/// <summary>
/// The inference form of a <see cref="SequentialSpikingNetwork"/> for explicit-state single steps: every BatchNorm
/// (BatchNorm2d, BatchNorm1d, or the BatchNorm of a TEBN) that directly follows a convolution or linear layer is
/// folded into it at construction, <c>W' = W·a</c>, <c>b' = b·a + β</c> with <c>a = γ/√(σ² + ε)</c> and
/// <c>β = bias − μ·a</c> per output channel (<c>a</c> computed in float32 as libtorch's eval BatchNorm computes it),
/// so a folded conv is one native call instead of two. Neurons update their membranes in place
/// (<see cref="SpikingNeuron.StepWithState"/>). The state layout is the network's own (<see cref="NetworkState"/> of the
/// source network), so both forms step the same state. On networks whose values are exactly representable the outputs
/// are bit-identical to the unfolded step; otherwise folding changes rounding only (pre-threshold membranes agree to
/// float32 precision). Holds its own copies of the folded weights; the source network must outlive it (unfolded layers
/// are called as they are).
/// </summary>
public sealed class FoldedNetwork : IDisposable
{
    abstract class Op : IDisposable
    {
        public abstract Tensor Run(Tensor x, StepState state);
        public virtual void Dispose() { }
    }

    sealed class ConvOp(Tensor weight, Tensor? bias, long[] stride, long[] padding, long[] dilation, long groups) : Op
    {
        public override Tensor Run(Tensor x, StepState state) => nn.functional.conv2d(x, weight, bias, stride, padding, dilation, groups);
        public override void Dispose() { weight.Dispose(); bias?.Dispose(); }
    }

    sealed class LinearOp(Tensor weight, Tensor? bias) : Op
    {
        public override Tensor Run(Tensor x, StepState state) => nn.functional.linear(x, weight, bias);
        public override void Dispose() { weight.Dispose(); bias?.Dispose(); }
    }

    /// <summary>A TEBN whose BatchNorm was folded: only the per-step scale <c>p[min(t, T−1)]</c> of each sample remains.</summary>
    sealed class StepScaleOp(string name, Tensor scale) : Op
    {

        public override Tensor Run(Tensor x, StepState state)
        {
            var steps = state.Next(name, ReadOnlySpan<long>.Empty, ScalarType.Int64, 0);
            var shape = new long[x.dim()];
            Array.Fill(shape, 1L);
            shape[0] = x.shape[0];
            using var clamped = ClampMax(steps, scale.shape[0] - 1);   // min(t, T−1)
            using var p = scale.index_select(0, clamped).view(shape);
            IncrementInPlace(steps);
            return x.mul(p);
        }

        public override void Dispose() => scale.Dispose();
    }

    sealed class LayerOp(ITemporalLayer layer) : Op
    {
        public override Tensor Run(Tensor x, StepState state) => layer.StepWithState(x, state);
    }

    readonly Op[] _ops;

    FoldedNetwork(Op[] ops, int folded)
    {
        _ops = ops;
        FoldedBatchNorms = folded;
    }

    /// <summary>How many BatchNorm layers were folded away.</summary>
    public int FoldedBatchNorms { get; }

    /// <summary>
    /// The folded form of <paramref name="net"/> (in eval mode), or null when it is not a
    /// <see cref="SequentialSpikingNetwork"/> (a converted network steps unfolded).
    /// </summary>
    public static FoldedNetwork? TryCreate(SpikingNetwork net)
    {
        if (net is not SequentialSpikingNetwork seq) return null;
        var layers = seq.Layers;
        var ops = new List<Op>();
        int folded = 0;
        using var noGrad = torch.no_grad();
        for (int i = 0; i < layers.Count; i++)
        {
            var layer = layers[i];
            var next = i + 1 < layers.Count ? layers[i + 1] : null;
            if (layer is TimeDistributed { Inner: Conv2d conv } && conv.padding_type is null && conv.padding_mode == PaddingModes.Zeros && conv.padding is not null)
            {
                if (next is TimeDistributed { Inner: BatchNorm2d bn2 } && Affine(bn2) is { } a2)
                {
                    var (w, b) = Fold(conv.weight, conv.bias, a2.Scale, a2.Shift);
                    ops.Add(new ConvOp(w, b, conv.stride, conv.padding, conv.dilation, conv.groups));
                    folded++; i++;
                    continue;
                }
                if (next is TemporalEffectiveBatchNorm tebn && Affine(tebn.BatchNorm) is { } a3)
                {
                    var (w, b) = Fold(conv.weight, conv.bias, a3.Scale, a3.Shift);
                    ops.Add(new ConvOp(w, b, conv.stride, conv.padding, conv.dilation, conv.groups));
                    var scale = tebn.Scale.detach().reshape(-1).clone();
                    scale.DetachFromDisposeScope();
                    ops.Add(new StepScaleOp(tebn.GetName(), scale));
                    folded++; i++;
                    continue;
                }
            }
            if (layer is TimeDistributed { Inner: Linear lin } && next is TimeDistributed { Inner: BatchNorm1d bn1 } && Affine(bn1) is { } a1)
            {
                var (w, b) = Fold(lin.weight, lin.bias, a1.Scale, a1.Shift);
                ops.Add(new LinearOp(w, b));
                folded++; i++;
                continue;
            }
            ops.Add(new LayerOp((ITemporalLayer)layer));
        }
        return new FoldedNetwork(ops.ToArray(), folded);
    }

    /// <summary>
    /// <paramref name="weight"/> and <paramref name="bias"/> of a convolution or linear layer with the eval-mode
    /// <paramref name="bn"/> after it folded in (new tensors the caller owns), or null when the BatchNorm keeps no running
    /// statistics. The same folding as the served network's, for the portable exporters (NIR, ONNX).
    /// </summary>
    internal static (Tensor Weight, Tensor Bias)? FoldBatchNorm(Tensor weight, Tensor? bias, BatchNorm bn)
    {
        using var noGrad = torch.no_grad();
        return Affine(bn) is { } a ? Fold(weight, bias, a.Scale, a.Shift) : null;
    }

    // The per-channel affine form y = a·x + β of an eval-mode BatchNorm, as libtorch computes it in float32.
    static (Tensor Scale, Tensor Shift)? Affine(BatchNorm bn)
    {
        if (bn.running_mean is null || bn.running_var is null) return null;
        using var scope = torch.NewDisposeScope();
        var invstd = Add(bn.running_var, (float)bn.eps).sqrt_().reciprocal_();   // 1/√(σ² + ε), ε in float32
        var a = bn.weight is null ? invstd : invstd.mul(bn.weight);
        var shift = bn.running_mean.mul(a).neg_();
        if (bn.bias is not null) shift = AddInPlace(shift, bn.bias);
        return (a.MoveToOuterDisposeScope(), shift.MoveToOuterDisposeScope());
    }

    static (Tensor Weight, Tensor Bias) Fold(Tensor weight, Tensor? bias, Tensor scale, Tensor shift)
    {
        using (scale)
        using (shift)
        {
            var shape = new long[weight.dim()];
            Array.Fill(shape, 1L);
            shape[0] = -1;
            using var s = scale.view(shape);
            var w = weight.detach().mul(s).contiguous();
            var b = bias is null ? shift.clone() : AddInPlace(bias.detach().mul(scale), shift);
            w.DetachFromDisposeScope();
            b.DetachFromDisposeScope();
            return (w, b);
        }
    }

    /// <summary>One explicit-state step of the slots <paramref name="slots"/> of <paramref name="state"/> (see <see cref="SpikingNetwork.Step(Tensor, NetworkState, ReadOnlySpan{int})"/>).</summary>
    public Tensor Step(Tensor x, NetworkState state, ReadOnlySpan<int> slots)
    {
        if (x.dim() != 4) throw new ArgumentException($"single-step input must be [N, C, H, W], got [{string.Join(", ", x.shape)}]");
        if (x.shape[0] != slots.Length) throw new ArgumentException($"input holds {x.shape[0]} samples for {slots.Length} slots");
        return state.Apply(slots, s => Step(x, s));
    }

    /// <summary>One explicit-state step on the state of exactly the samples of <paramref name="x"/>.</summary>
    public Tensor Step(Tensor x, StepState state)
    {
        using var noGrad = torch.is_grad_enabled() ? torch.no_grad() : null;
        using var scope = torch.NewDisposeScope();
        var h = x;
        foreach (var op in _ops)
        {
            var next = op.Run(h, state);
            if (!ReferenceEquals(h, x) && !ReferenceEquals(next, h)) h.Dispose();
            h = next;
        }
        return h.MoveToOuterDisposeScope();
    }

    /// <summary>Frees the folded weights.</summary>
    public void Dispose()
    {
        foreach (var op in _ops) op.Dispose();
    }
}
