namespace EventSnn.Model;

/// <summary>
/// Settings of the spiking neurons of a network (METHOD.md §5.1, §5.2); stored in <see cref="ModelInfo"/>
/// so a checkpoint rebuilds the same neurons.
/// </summary>
public sealed record NeuronSettings
{
    /// <summary>LIF (direct training: θ = 1, τ = 0.5, hard reset) or IF (conversion: no leak, soft reset, initial membrane λ/2).</summary>
    public NeuronKind Kind { get; init; } = NeuronKind.Lif;

    /// <summary>Firing threshold θ (membrane units). For IF this is the default λ of layers without their own.</summary>
    public double Threshold { get; init; } = 1.0;

    /// <summary>Leak factor τ applied after reset (<c>v ← τ·u'</c>); 1 means no leak (IF).</summary>
    public double Tau { get; init; } = 0.5;

    /// <summary>Hard (<c>u' = u·(1 − s)</c>) or soft (<c>u' = u − θ·s</c>).</summary>
    public NeuronReset Reset { get; init; } = NeuronReset.Hard;

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
        Kind = NeuronKind.If, Threshold = threshold, Tau = 1.0, Reset = NeuronReset.Soft, InitialMembrane = 0.5, LayerThresholds = layerThresholds,
    };

    /// <summary>Throws <see cref="ArgumentException"/> when a field is outside its domain.</summary>
    public void Validate()
    {
        if (!Enum.IsDefined(Kind)) throw new ArgumentException($"neuron kind must be 'lif' or 'if', got '{Kind}'");
        if (!Enum.IsDefined(Reset)) throw new ArgumentException($"reset must be 'hard' or 'soft', got '{Reset}'");
        if (!(Threshold > 0)) throw new ArgumentException("threshold must be > 0");
        if (!(SurrogateWidth > 0)) throw new ArgumentException("surrogate width must be > 0");
        if (Tau < 0 || Tau > 1) throw new ArgumentException("tau must be in [0, 1]");
    }
}

/// <summary>Neuron model of a network's spiking layers (spelled "lif" or "if").</summary>
public enum NeuronKind
{
    /// <summary>Leaky integrate-and-fire.</summary>
    Lif,

    /// <summary>Integrate-and-fire without leak (converted networks).</summary>
    If,
}

/// <summary>What a spike does to the membrane (spelled "hard" or "soft").</summary>
public enum NeuronReset
{
    /// <summary>Reset to zero: <c>u' = u·(1 − s)</c>.</summary>
    Hard,

    /// <summary>Subtract the threshold: <c>u' = u − θ·s</c>.</summary>
    Soft,
}

/// <summary>Parsing of <see cref="NeuronReset"/>.</summary>
public static class NeuronResets
{
    /// <summary>The reset spelled <paramref name="name"/>: "hard" or "soft".</summary>
    public static NeuronReset Parse(string name) => EnumNames.Parse<NeuronReset>(name)
        ?? throw new ArgumentException($"reset must be 'hard' or 'soft', got '{name}'");
}
