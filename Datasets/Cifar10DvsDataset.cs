using EventSnn.Ingest;

namespace EventSnn.Datasets;

/// <summary>Placeholder until the event readers land.</summary>
public sealed class Cifar10DvsDataset : IEventDataset
{
    Cifar10DvsDataset() { }

    /// <inheritdoc/>
    public string Name => "";
    /// <inheritdoc/>
    public IReadOnlyList<string> ClassNames => [];
    /// <inheritdoc/>
    public int SensorWidth => 128;
    /// <inheritdoc/>
    public int SensorHeight => 128;
    /// <inheritdoc/>
    public IReadOnlyList<DatasetSample> Samples(DatasetSplit split) => [];
    /// <inheritdoc/>
    public EventBatch LoadEvents(DatasetSample sample) => throw new NotSupportedException("not yet available");

    internal static bool Looks(string root) => false;
    internal static Cifar10DvsDataset Open(string root, DatasetOptions? options = null) => throw new NotSupportedException("Cifar10Dvs: not yet available");
}
