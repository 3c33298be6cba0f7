namespace EventSnn.Model;

/// <summary>
/// Integrate-and-fire neuron of ANN-to-SNN conversion (METHOD.md §5.2): no leak (τ = 1), reset by
/// subtraction, threshold λ (per layer, e.g. the trained QCFS λ), membrane starting at λ/2, output λ·s.
/// </summary>
public sealed class IfNeuron : SpikingNeuron
{
    /// <summary>Creates an IF layer with threshold <paramref name="threshold"/> (λ).</summary>
    public IfNeuron(string name = "if", double threshold = 1.0, double surrogateWidth = 1.0, double initialMembrane = 0.5)
        : base(name, threshold, tau: 1.0, softReset: true, surrogateWidth, initialMembrane) { }
}
