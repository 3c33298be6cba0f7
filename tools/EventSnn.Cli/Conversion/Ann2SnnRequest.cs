using EventSnn.Model.Conversion;

namespace EventSnn.Cli.Conversion;

/// <summary>The options of `eventsnn ann2snn`, parsed.</summary>
internal sealed record Ann2SnnRequest
{
    public required string Dataset { get; init; }
    public required string Root { get; init; }
    public required string Arch { get; init; }
    public required string Activation { get; init; }
    public int Levels { get; init; }
    public double RcsAlpha { get; init; }
    public int? T { get; init; }
    public int Epochs { get; init; }
    public int Batch { get; init; }
    public double LearningRate { get; init; }
    public double WeightDecay { get; init; }
    public required EventSnn.Model.OptimizerKind Optimizer { get; init; }
    public int Seed { get; init; }
    public required string Out { get; init; }
    public int Downsample { get; init; }
    public ConversionInputMode InputMode { get; init; } = ConversionInputMode.Repeat;
    public double? ThresholdPercentile { get; init; }
    public string? Window { get; init; }
    public string? CacheDir { get; init; }
    public bool Augment { get; init; }
    public int MaxTrain { get; init; }
    public int MaxTest { get; init; }
    public string? ImportPt { get; init; }
    public string? ExportPt { get; init; }
    public int Threads { get; init; }
    public bool Json { get; init; }
    public bool Resume { get; init; } = true;

    /// <summary>Where the ANN's training state (last weights, optimizer, log) is kept so an interrupted run resumes.</summary>
    public string TrainDir => Out + ".ann";
}
