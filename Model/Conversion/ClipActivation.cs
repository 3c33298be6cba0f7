using TorchSharp;
using static EventSnn.Model.TensorMath;
using static TorchSharp.torch;

namespace EventSnn.Model.Conversion;

/// <summary>
/// Clipped ReLU with a trainable ceiling (METHOD.md §5.3, <c>clipconstrs</c>): <c>h(z) = λ·clamp(ReLU(z)/λ, 0, 1)</c>,
/// λ initially 8. Converted with threshold λ like QCFS, but without the quantisation that makes QCFS exact at T = L.
/// </summary>
public sealed class ClipActivation : AnnActivation
{
    public ClipActivation(double initialThreshold = DefaultThreshold)
        : base("ClipActivation", initialThreshold, trainable: true) { }

    public override string Kind => "clip";

    protected override Tensor Constrain(Tensor z)
    {
        using var scope = torch.NewDisposeScope();
        var y = Clamp(nn.functional.relu(z).div(vthr), 0, 1).mul(vthr);   // λ·clamp(z/λ, 0, 1)
        return y.MoveToOuterDisposeScope();
    }
}
