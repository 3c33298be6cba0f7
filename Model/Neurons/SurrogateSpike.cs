using TorchSharp;
using static EventSnn.Model.TensorMath;
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
        var heaviside = Greater(x, 0.0).to_type(x.dtype);                       // H(x)
        if (!x.requires_grad || !torch.is_grad_enabled()) return heaviside;
        using var scope = torch.NewDisposeScope();
        Tensor g;
        using (torch.no_grad())
        {
            // g = max(0, γ − |x|) / γ², detached
            g = AddInPlace(x.abs().neg_(), gamma);
            DivideInPlace(ClampMinInPlace(g, 0.0), gamma * gamma);
        }
        var gx = g * x;
        var result = Add(heaviside, Subtract(gx, gx.detach()));                // H + (g·x − stopgrad(g·x))
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>The triangle itself, <c>(1/γ²)·max(0, γ − |x|)</c>: the surrogate derivative at <c>x = u − θ</c>.</summary>
    public static double Triangle(double x, double gamma) => Math.Max(0.0, gamma - Math.Abs(x)) / (gamma * gamma);
}
