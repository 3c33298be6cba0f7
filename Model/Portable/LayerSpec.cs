using System.Text.Json.Serialization;

namespace EventSnn.Model;

/// <summary>
/// One layer of an architecture <c>"layers"</c> network (<see cref="ModelInfo.Layers"/>): what to build, not the
/// weights (those are in the checkpoint's <c>weights.bin</c> as for every architecture). Stored in <c>info.json</c>.
/// </summary>
public sealed record LayerSpec
{
    /// <summary>
    /// "conv" (Conv2d), "fc" (Linear), "lif" (spiking neuron), "maxpool", "avgpool", "sumpool" (2-D pooling),
    /// "flatten", "threshold" (Heaviside <c>x &gt; Threshold</c>), "scale" (element-wise product with a stored tensor).
    /// </summary>
    public string Kind { get; init; } = "";

    /// <summary>conv: input channels; fc: input features.</summary>
    public long In { get; init; }

    /// <summary>conv: output channels; fc: output features.</summary>
    public long Out { get; init; }

    /// <summary>conv and pooling: kernel [height, width] in pixels.</summary>
    public long[]? Kernel { get; init; }

    /// <summary>conv and pooling: stride [height, width] in pixels.</summary>
    public long[]? Stride { get; init; }

    /// <summary>conv and pooling: zero padding [height, width] in pixels.</summary>
    public long[]? Padding { get; init; }

    /// <summary>conv and fc: whether the layer has a bias.</summary>
    public bool Bias { get; init; } = true;

    /// <summary>lif: firing threshold θ (membrane units, output θ·s); threshold: the value the input must exceed.</summary>
    public double Threshold { get; init; } = 1.0;

    /// <summary>lif: membrane decay factor per step τ (<c>v ← τ·u'</c>; 1 = no leak).</summary>
    public double Tau { get; init; } = 0.5;

    /// <summary>lif: "hard" (reset to 0) or "soft" (subtract θ).</summary>
    public NeuronReset Reset { get; init; } = NeuronReset.Hard;

    /// <summary>lif: membrane at the start of a sample as a fraction of θ.</summary>
    public double InitialMembrane { get; init; }

    /// <summary>scale: shape of the stored factor tensor (broadcast against one sample).</summary>
    public long[]? Shape { get; init; }

    /// <summary>All kinds a <see cref="LayerSpec"/> may have.</summary>
    [JsonIgnore]
    public static IReadOnlyList<string> Kinds { get; } = ["conv", "fc", "lif", "maxpool", "avgpool", "sumpool", "flatten", "threshold", "scale"];

    /// <summary>Throws <see cref="ArgumentException"/> when a field is outside its domain.</summary>
    public void Validate()
    {
        if (!Kinds.Contains(Kind)) throw new ArgumentException($"layer kind must be one of {string.Join(", ", Kinds)}, got '{Kind}'");
        const long Most = 1 << 20;
        if (In > Most || Out > Most || new[] { Kernel, Stride, Padding, Shape }.Any(a => a is not null && a.Any(v => v > Most)))
            throw new ArgumentException($"{Kind} layer: sizes above {Most} are not accepted");
        long weights = Kind switch { "conv" => In * Out * (Kernel?.Aggregate(1L, (a, b) => a * b) ?? 1), "fc" => In * Out, "scale" => Shape?.Aggregate(1L, (a, b) => a * b) ?? 1, _ => 0 };
        if (weights > 1L << 28) throw new ArgumentException($"{Kind} layer: {weights} parameters, more than {1L << 28}");
        switch (Kind)
        {
            case "conv":
                if (In < 1 || Out < 1) throw new ArgumentException($"conv layer needs In, Out >= 1, got {In}, {Out}");
                CheckPair(Kernel, nameof(Kernel), 1); CheckPair(Stride, nameof(Stride), 1); CheckPair(Padding, nameof(Padding), 0);
                break;
            case "fc":
                if (In < 1 || Out < 1) throw new ArgumentException($"fc layer needs In, Out >= 1, got {In}, {Out}");
                break;
            case "maxpool" or "avgpool" or "sumpool":
                CheckPair(Kernel, nameof(Kernel), 1); CheckPair(Stride, nameof(Stride), 1); CheckPair(Padding, nameof(Padding), 0);
                break;
            case "lif":
                if (!(Threshold > 0)) throw new ArgumentException("lif threshold must be > 0");
                if (!(Tau >= 0 && Tau <= 1)) throw new ArgumentException("lif tau must be in [0, 1]");
                if (!Enum.IsDefined(Reset)) throw new ArgumentException($"lif reset must be 'hard' or 'soft', got '{Reset}'");
                break;
            case "threshold":
                if (!double.IsFinite(Threshold)) throw new ArgumentException("threshold must be finite");
                break;
            case "scale":
                if (Shape is null || Shape.Any(d => d < 1)) throw new ArgumentException("scale layer needs a shape of positive sizes");
                break;
        }
    }

    private static void CheckPair(long[]? pair, string name, long min)
    {
        if (pair is null || pair.Length != 2 || pair.Any(v => v < min))
            throw new ArgumentException($"{name} must be [height, width] with values >= {min}");
    }
}
