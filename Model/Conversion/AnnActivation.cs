using TorchSharp;
using static EventSnn.Model.TensorMath;
using static TorchSharp.torch;

namespace EventSnn.Model.Conversion;

/// <summary>
/// Base of the ANN activation constraints trained before ANN-to-SNN conversion (METHOD.md §5.3).
/// Each holds one threshold λ (the parameter <c>vthr</c>, shape [1], named as in the method's public code so
/// PyTorch state dicts map 1:1); conversion turns the layer into an IF neuron with threshold λ.
/// Input and output are activations of any shape; the first dimension is the batch.
/// </summary>
public abstract class AnnActivation : nn.Module<Tensor, Tensor>
{
    /// <summary>Initial threshold λ of every constraint in the method's code.</summary>
    public const double DefaultThreshold = 8.0;

    /// <summary>The threshold λ, shape [1]. Registered as <c>vthr</c>.</summary>
    public readonly TorchSharp.Modules.Parameter vthr;

    protected AnnActivation(string name, double initialThreshold, bool trainable) : base(name)
    {
        if (!(initialThreshold > 0)) throw new ArgumentOutOfRangeException(nameof(initialThreshold), "threshold must be positive");
        vthr = new TorchSharp.Modules.Parameter(Full([1], (float)initialThreshold), requires_grad: trainable);
        register_parameter("vthr", vthr);
    }

    /// <summary>Current λ as a number (the IF threshold after conversion).</summary>
    public double Threshold
    {
        get { using var _ = torch.no_grad(); return vthr.item<float>(); }
    }

    /// <summary>
    /// When set, every forward pass appends this layer's RCS ratio q_l[n] (METHOD.md §3.3, computed from the
    /// pre-activation before the constraint) to the recorder. Null outside RCS training.
    /// </summary>
    public AnnRcsRecorder? Recorder { get; set; }

    /// <summary>Short name of the constraint ("qcfs", "clip", "relu-max").</summary>
    public abstract string Kind { get; }

    /// <summary>
    /// When set (a percentile in (0, 100]), the next forward pass first sets λ to that percentile of ReLU(z) over the
    /// batch (at least a small positive floor) and clears the setting: a data-driven start for λ, so the L levels cover
    /// the layer's actual activations instead of λ = 8 on batch-normalised inputs of scale ~1.
    /// </summary>
    public double? InitialiseThresholdAtPercentile { get; set; }

    public sealed override Tensor forward(Tensor z)
    {
        if (InitialiseThresholdAtPercentile is { } percentile)
        {
            InitialiseThresholdAtPercentile = null;
            SetThresholdFromPercentile(z, percentile);
        }
        Recorder?.Add(AnnRcs.LayerRatio(z));
        return Constrain(z);
    }

    private void SetThresholdFromPercentile(Tensor z, double percentile)
    {
        if (!(percentile > 0 && percentile <= 100)) throw new ArgumentOutOfRangeException(nameof(percentile), "percentile must be in (0, 100]");
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var a = nn.functional.relu(z.detach()).flatten();
        long k = Math.Clamp((long)Math.Ceiling(percentile / 100.0 * a.shape[0]), 1, a.shape[0]);
        var (values, _) = a.kthvalue(k, 0, false);
        double value = values.item<float>();
        FillInPlace(vthr, Math.Max(value, 1e-3));
    }

    /// <summary>The constrained activation h(z).</summary>
    protected abstract Tensor Constrain(Tensor z);
}
