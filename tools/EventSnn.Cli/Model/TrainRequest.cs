using EventSnn.Model;

namespace EventSnn.Cli.Model;

/// <summary>The options of `eventsnn train`, parsed.</summary>
internal sealed record TrainRequest
{
    public required string Dataset { get; init; }
    public required string Root { get; init; }
    public required string Arch { get; init; }
    /// <summary>Timesteps; null = the dataset's default (<see cref="TrainRunner.DefaultT"/>).</summary>
    public int? T { get; init; }
    public int Epochs { get; init; }
    public int Batch { get; init; }
    public double LearningRate { get; init; }
    public required TaskLoss Loss { get; init; }
    public double RcsAlpha { get; init; }
    public double Dropout { get; init; }
    public int Seed { get; init; }
    public required string OutDir { get; init; }
    public int Downsample { get; init; }
    public string? Window { get; init; }
    public string? CacheDir { get; init; }
    public required CheckpointSelection Selection { get; init; }
    public double ValidationFraction { get; init; }
    public bool Augment { get; init; }
    public bool Tebn { get; init; }
    public required NeuronReset Reset { get; init; }
    public bool Resume { get; init; }
    public int Threads { get; init; }
    public int MaxTrain { get; init; }
    public bool Json { get; init; }
}
