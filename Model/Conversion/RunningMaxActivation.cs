using TorchSharp;
using static EventSnn.Model.TensorMath;
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
    }

    public override string Kind => "relu-max";

    protected override Tensor Constrain(Tensor z)
    {
        if (training)
        {
            using var noGrad = torch.no_grad();
            using var max = z.detach().max();
            AddScaledInPlace(ScaleInPlace(vthr, Momentum), max, 1 - Momentum);   // λ ← m·λ + (1 − m)·max
        }
        return nn.functional.relu(z);
    }
}
