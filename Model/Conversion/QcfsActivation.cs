using TorchSharp;
using static EventSnn.Model.TensorMath;
using static TorchSharp.torch;

namespace EventSnn.Model.Conversion;

/// <summary>
/// Quantization-clip-floor-shift activation (QCFS, Bu et al. 2022; METHOD.md §5.3):
/// <c>h(z) = λ·clamp(floor(ReLU(z)/λ·L + 0.5)/L, 0, 1)</c> with a trainable λ (initially 8) and L quantisation
/// levels. The floor passes its gradient straight through, so ∂h/∂z = 1 inside (0, λ] and λ gets
/// <c>floor(·)/L − ReLU(z)/λ</c> there and 1 where the output saturates.
/// </summary>
public sealed class QcfsActivation : AnnActivation
{
    /// <summary>Quantisation levels L (the method uses 4, 8 or 16).</summary>
    public int Levels { get; }

    public QcfsActivation(int levels = 4, double initialThreshold = DefaultThreshold)
        : base("QcfsActivation", initialThreshold, trainable: true)
    {
        if (levels < 1) throw new ArgumentOutOfRangeException(nameof(levels), "levels must be ≥ 1");
        Levels = levels;
    }

    public override string Kind => "qcfs";

    protected override Tensor Constrain(Tensor z)
    {
        using var scope = torch.NewDisposeScope();
        // λ·clamp(⌊L·z/λ + 1/2⌋ / L, 0, 1)
        var u = Add(Scale(nn.functional.relu(z).div(vthr), Levels), 0.5);
        var floored = StraightThroughFloor(u);
        var y = Clamp(Divide(floored, Levels), 0, 1).mul(vthr);
        return y.MoveToOuterDisposeScope();
    }

    /// <summary>floor(u) in the forward pass, identity in the backward pass.</summary>
    public static Tensor StraightThroughFloor(Tensor u)
    {
        using var scope = torch.NewDisposeScope();
        var result = Add(u, Subtract(u.floor(), u).detach());   // u + stopgrad(⌊u⌋ − u)
        return result.MoveToOuterDisposeScope();
    }
}
