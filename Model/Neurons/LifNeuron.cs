namespace EventSnn.Model;

/// <summary>
/// Leaky integrate-and-fire neuron of direct training (METHOD.md §5.1): θ = 1, τ = 0.5, hard reset and
/// membrane starting at 0 by default, triangle surrogate of width γ = 1. Soft reset is an option.
/// </summary>
/// <remarks>
/// Unlike the public code (which starts a soft-reset LIF at 0.5·θ in single-step mode only), the initial
/// membrane here is the same in both modes, so they agree exactly.
/// </remarks>
public sealed class LifNeuron : SpikingNeuron
{
    /// <summary>Creates a LIF layer.</summary>
    public LifNeuron(string name = "lif", double threshold = 1.0, double tau = 0.5, bool softReset = false,
        double surrogateWidth = 1.0, double initialMembrane = 0.0)
        : base(name, threshold, tau, softReset, surrogateWidth, initialMembrane) { }
}
