using TorchSharp;
using static TorchSharp.torch;

namespace EventSnn.Model.Conversion;

/// <summary>
/// Plain ReLU whose conversion threshold tracks the running maximum of its input (METHOD.md §5.3,
/// <c>baseconstrs</c>): during training <c>λ ← m·λ + (1 − m)·max(z)</c> with momentum m = 0.9, λ initially 8
/// and not trained by gradient. The output is ReLU(z) unclipped; λ is used only as the IF threshold.
/// </summary>
public sealed class RunningMaxActivation : AnnActivation
{
    /// <summary>Weight of the old λ in the running update.</summary>
    public double Momentum { get; }

    public RunningMaxActivation(double momentum = 0.9, double initialThreshold = DefaultThreshold)
        : base("RunningMaxActivation", initialThreshold, trainable: false)
    {
        if (momentum < 0 || momentum > 1) throw new ArgumentOutOfRangeException(nameof(momentum));
        Momentum = momentum;
        _keep = momentum.ToScalar();
        _blend = (1 - momentum).ToScalar();
    }

    // Owned scalars: implicit temporaries can be freed by their finalizer mid-call (see StableScalars).
    private readonly Scalar _keep, _blend;

    public override string Kind => "relu-max";

    protected override Tensor Constrain(Tensor z)
    {
        if (training)
        {
            using var noGrad = torch.no_grad();
            using var max = z.detach().max();
            vthr.mul_(_keep).add_(max, _blend);
        }
        return nn.functional.relu(z);
    }
}
