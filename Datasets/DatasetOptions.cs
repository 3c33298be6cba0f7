namespace EventSnn.Datasets;

/// <summary>Options of <see cref="DatasetCatalog.Open"/>; each dataset reads the ones that concern it.</summary>
public sealed record DatasetOptions
{
    /// <summary>
    /// CIFAR10-DVS split: <c>"method"</c> (default; per class the first 90 % of files by index train, the rest test,
    /// as in the method's code) or <c>"spikingjelly"</c> (per class indices 0–99 test, the rest train).
    /// </summary>
    public string Cifar10DvsSplit { get; init; } = "method";

    /// <summary>Coordinate convention for AEDAT 2.0 recordings (CIFAR10-DVS): <c>libcaer</c> (default), <c>spikingjelly</c>, <c>events-tfds</c>, <c>raw</c>.</summary>
    public string Convention { get; init; } = "libcaer";

    /// <summary>N-Caltech101: include the <c>BACKGROUND_Google</c> folder as a class (default false).</summary>
    public bool IncludeBackground { get; init; }

    /// <summary>N-Caltech101: fraction of each class's files used for training (default 0.9).</summary>
    public double TrainFraction { get; init; } = 0.9;

    /// <summary>N-Caltech101: seed of the per-class shuffle that makes the split (default 0).</summary>
    public int SplitSeed { get; init; }

    /// <summary>The defaults.</summary>
    public static DatasetOptions Default { get; } = new();
}
