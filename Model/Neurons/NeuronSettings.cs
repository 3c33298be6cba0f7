namespace EventSnn.Model;

/// <summary>
/// Settings of the spiking neurons of a network (METHOD.md §5.1, §5.2); stored in <see cref="ModelInfo"/>
/// so a checkpoint rebuilds the same neurons.
/// </summary>
public sealed record NeuronSettings
{
    /// <summary>"lif" (direct training: θ = 1, τ = 0.5, hard reset) or "if" (conversion: no leak, soft reset, initial membrane λ/2).</summary>
    public string Kind { get; init; } = "lif";

    /// <summary>Firing threshold θ (membrane units). For "if" this is the default λ of layers without their own.</summary>
    public double Threshold { get; init; } = 1.0;

    /// <summary>Leak factor τ applied after reset (<c>v ← τ·u'</c>); 1 means no leak (IF).</summary>
    public double Tau { get; init; } = 0.5;

    /// <summary>"hard" (<c>u' = u·(1 − s)</c>) or "soft" (<c>u' = u − θ·s</c>).</summary>
    public string Reset { get; init; } = "hard";

    /// <summary>Width γ of the triangle surrogate gradient.</summary>
    public double SurrogateWidth { get; init; } = 1.0;

    /// <summary>Membrane at the start of each sample as a fraction of θ (0 for LIF, 0.5 for IF).</summary>
    public double InitialMembrane { get; init; }

    /// <summary>Per-spiking-layer thresholds λ_l in <see cref="SpikingNetwork.SpikingLayers"/> order (converted nets); null = all <see cref="Threshold"/>.</summary>
    public double[]? LayerThresholds { get; init; }

    /// <summary>The LIF defaults of direct training (METHOD.md §5.1 / §9).</summary>
    public static NeuronSettings Lif() => new();

    /// <summary>IF neurons for ANN-to-SNN conversion (METHOD.md §5.2): soft reset, τ = 1, initial membrane λ/2.</summary>
    public static NeuronSettings If(double threshold = 1.0, double[]? layerThresholds = null) => new()
    {
        Kind = "if", Threshold = threshold, Tau = 1.0, Reset = "soft", InitialMembrane = 0.5, LayerThresholds = layerThresholds,
    };

    /// <summary>Throws <see cref="ArgumentException"/> when a field is outside its domain.</summary>
    public void Validate()
    {
        if (Kind is not ("lif" or "if")) throw new ArgumentException($"neuron kind must be 'lif' or 'if', got '{Kind}'");
        if (Reset is not ("hard" or "soft")) throw new ArgumentException($"reset must be 'hard' or 'soft', got '{Reset}'");
        if (!(Threshold > 0)) throw new ArgumentException("threshold must be > 0");
        if (!(SurrogateWidth > 0)) throw new ArgumentException("surrogate width must be > 0");
        if (Tau < 0 || Tau > 1) throw new ArgumentException("tau must be in [0, 1]");
    }
}
