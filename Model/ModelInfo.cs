namespace EventSnn.Model;

/// <summary>
/// Everything needed to rebuild and feed a network, stored in every checkpoint (JSON): architecture,
/// timesteps, classes, input geometry, neuron settings, dataset and frame settings, and the kind of model.
/// </summary>
public sealed record ModelInfo
{
    /// <summary>Architecture name for <see cref="Architectures.Create(string, ModelInfo)"/> ("vgg-gesture", "vggann", "vgg-ncaltech101", "vggsnn", "tiny").</summary>
    public string Arch { get; init; } = "tiny";

    /// <summary>Timesteps T the network was trained (or converted) for.</summary>
    public int T { get; init; } = 16;

    /// <summary>Number of classes K.</summary>
    public int Classes { get; init; } = 11;

    /// <summary>Class names, index = class id (may be empty when unknown).</summary>
    public string[] ClassNames { get; init; } = [];

    /// <summary>Input channels C (2 for event frames: OFF, ON).</summary>
    public int InputChannels { get; init; } = 2;

    /// <summary>Input height H in pixels (after any downsampling).</summary>
    public int Height { get; init; } = 128;

    /// <summary>Input width W in pixels (after any downsampling).</summary>
    public int Width { get; init; } = 128;

    /// <summary>Neuron settings of every spiking layer.</summary>
    public NeuronSettings Neuron { get; init; } = new();

    /// <summary>True: BatchNorm2d layers are replaced by TEBN (METHOD.md §6.3).</summary>
    public bool Tebn { get; init; }

    /// <summary>Dataset name ("dvsgesture", "cifar10dvs", "ncaltech101", or free text).</summary>
    public string Dataset { get; init; } = "";

    /// <summary>How event frames were made (binning rule, downsampling, sensor size); null when not from events.</summary>
    public FrameInfo? Frames { get; init; }

    /// <summary>"snn" (directly trained) or "converted" (ANN-to-SNN).</summary>
    public string Kind { get; init; } = "snn";

    /// <summary>Converted networks: how the input is built from a sample (source, mode, normalisation); null otherwise.</summary>
    public ConversionInput? Input { get; init; }

    /// <summary>
    /// The layer chain of architecture <c>"layers"</c> (networks imported from NIR and other hand-built chains), in forward
    /// order; null for every named architecture.
    /// </summary>
    public LayerSpec[]? Layers { get; init; }

    /// <summary>Most timesteps a model may declare.</summary>
    public const int MaxT = 4096;

    /// <summary>Most classes a model may declare.</summary>
    public const int MaxClasses = 100_000;

    /// <summary>Most input channels a model may declare.</summary>
    public const int MaxInputChannels = 64;

    /// <summary>Largest input height or width in pixels a model may declare.</summary>
    public const int MaxInputSide = 4096;

    /// <summary>Most input values (channels × height × width) a model may declare: 2^22.</summary>
    public const long MaxInputValues = 1L << 22;

    /// <summary>Throws <see cref="ArgumentException"/> when a field is outside its domain (including the size limits above, checked before a network is built).</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Arch)) throw new ArgumentException("architecture name is empty");
        if (T < 1) throw new ArgumentException($"T must be >= 1, got {T}");
        if (Classes < 2) throw new ArgumentException($"classes must be >= 2, got {Classes}");
        if (ClassNames.Length != 0 && ClassNames.Length != Classes)
            throw new ArgumentException($"{ClassNames.Length} class names for {Classes} classes");
        if (InputChannels < 1 || Height < 1 || Width < 1) throw new ArgumentException($"bad input size {InputChannels}x{Height}x{Width}");
        if (T > MaxT) throw new ArgumentException($"T must be <= {MaxT}, got {T}");
        if (Classes > MaxClasses) throw new ArgumentException($"classes must be <= {MaxClasses}, got {Classes}");
        if (InputChannels > MaxInputChannels || Height > MaxInputSide || Width > MaxInputSide || (long)InputChannels * Height * Width > MaxInputValues)
            throw new ArgumentException($"input size {InputChannels}x{Height}x{Width} beyond the limits (at most {MaxInputChannels} channels, " +
                $"{MaxInputSide} pixels a side, {MaxInputValues} values)");
        if (Kind is not ("snn" or "converted")) throw new ArgumentException($"kind must be 'snn' or 'converted', got '{Kind}'");
        Neuron.Validate();
        if (Input is not null && Kind != "converted") throw new ArgumentException("only converted checkpoints record a conversion input");
        Input?.Validate(InputChannels);
        if (Layers is not null)
        {
            if (!string.Equals(Arch, LayerChain.ArchName, StringComparison.OrdinalIgnoreCase))
                throw new ArgumentException($"only architecture '{LayerChain.ArchName}' has a layer list, not '{Arch}'");
            foreach (var l in Layers) l.Validate();
        }
    }
}

/// <summary>How the frames a network consumes were made from events (so evaluation and streaming bin alike).</summary>
public sealed record FrameInfo
{
    /// <summary>
    /// The method's T equal time slices over <see cref="WindowStartUs"/>..<see cref="WindowEndUs"/> (METHOD.md §8): the
    /// default <see cref="Rule"/>, read by <see cref="ModelInput"/> as <c>equal-time:T</c> with that window.
    /// </summary>
    public const string EqualTimeSlices = "equal-time-slices";

    /// <summary>Binning rule: a <c>BinningRule</c> text form (e.g. <c>equal-time:16,end=1300000</c>) or <see cref="EqualTimeSlices"/>; read through <see cref="ModelInput.Rule"/>.</summary>
    public string Rule { get; init; } = EqualTimeSlices;

    /// <summary>Integer spatial downsampling factor applied to sensor coordinates (1 = none).</summary>
    public int Downsample { get; init; } = 1;

    /// <summary>Sensor width in pixels before downsampling.</summary>
    public int SensorWidth { get; init; } = 128;

    /// <summary>Sensor height in pixels before downsampling.</summary>
    public int SensorHeight { get; init; } = 128;

    /// <summary>Start of the sample window in µs from the first event (0 = from the start).</summary>
    public long WindowStartUs { get; init; }

    /// <summary>End of the sample window in µs from the first event (0 = whole sample).</summary>
    public long WindowEndUs { get; init; }

    /// <summary>Further rule-specific settings as text (owner-defined keys).</summary>
    public Dictionary<string, string> Options { get; init; } = new();
}
