using TorchSharp;
using static TorchSharp.torch;

namespace EventSnn.Model;

/// <summary>
/// The Heaviside spike with the triangle (ZIF) surrogate gradient of METHOD.md §5.1:
/// forward <c>s = H(u − θ)</c> (strict, <c>u − θ &gt; 0</c>), backward
/// <c>∂s/∂u = (1/γ²)·max(0, γ − |u − θ|)</c>.
/// </summary>
/// <remarks>
/// Implemented with the straight-through identity <c>s = H + (g·x − stopgrad(g·x))</c> where
/// <c>x = u − θ</c> and <c>g</c> is the detached triangle: the added term is exactly zero in the
/// forward pass (a value minus itself) and its derivative with respect to <c>x</c> is <c>g</c>.
/// This avoids a custom autograd node and keeps the graph in native code.
/// </remarks>
public static class SurrogateSpike
{
    /// <summary>Spikes of <paramref name="membraneMinusThreshold"/> (<c>u − θ</c>) with triangle width <paramref name="gamma"/>.</summary>
    public static Tensor Apply(Tensor membraneMinusThreshold, double gamma)
    {
        if (gamma <= 0) throw new ArgumentOutOfRangeException(nameof(gamma), "surrogate width γ must be > 0");
        var x = membraneMinusThreshold;
        // Explicit scalars only, long-lived (StableScalars) or kept alive by `using` until the native calls return:
        // TorchSharp's implicit double-to-Scalar conversions leave the Scalar unreachable during the call, and a GC
        // finaliser can free it mid-call (seen as "Expected false to be true" from c10::Scalar::toFloat in long runs).
        var heaviside = x.gt(StableScalars.Zero).to_type(x.dtype);
        if (!x.requires_grad || !torch.is_grad_enabled()) return heaviside;
        using var width = gamma.ToScalar();
        using var widthSquared = (gamma * gamma).ToScalar();
        using var scope = torch.NewDisposeScope();
        Tensor g;
        using (torch.no_grad())
            g = x.abs().neg_().add_(width, StableScalars.One).clamp_min_(StableScalars.Zero).div_(widthSquared);
        var gx = g * x;
        // Explicit alpha: `a + b` would create a temporary Scalar(1) with the same hazard.
        var result = heaviside.add(gx.add(gx.detach(), StableScalars.MinusOne), StableScalars.One);
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>The triangle itself, <c>(1/γ²)·max(0, γ − |x|)</c>: the surrogate derivative at <c>x = u − θ</c>.</summary>
    public static double Triangle(double x, double gamma) => Math.Max(0.0, gamma - Math.Abs(x)) / (gamma * gamma);
}
