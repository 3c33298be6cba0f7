using EventSnn.Ingest;

namespace EventSnn.Datasets;

/// <summary>
/// An event-camera dataset as it is downloaded: class names, sensor size, a fixed train/test split, and a way to
/// read each sample's events (time-ordered, µs, canonical coordinates: origin top-left, ON = 1).
/// </summary>
public interface IEventDataset
{
    /// <summary>Catalog name: <c>dvsgesture</c>, <c>cifar10dvs</c>, <c>ncaltech101</c> or <c>ncars</c>.</summary>
    string Name { get; }

    /// <summary>Class names in label order.</summary>
    IReadOnlyList<string> ClassNames { get; }

    /// <summary>Sensor width in pixels (frames are binned on this canvas).</summary>
    int SensorWidth { get; }

    /// <summary>Sensor height in pixels.</summary>
    int SensorHeight { get; }

    /// <summary>The samples of a split, in a fixed order.</summary>
    IReadOnlyList<DatasetSample> Samples(DatasetSplit split);

    /// <summary>The events of one sample; the caller disposes the batch.</summary>
    EventBatch LoadEvents(DatasetSample sample);

    /// <summary>
    /// Every sample of a split with its events, each once, in an order of the dataset's choosing (archive order for
    /// tarballs); reads each recording once where several samples share it. The caller disposes each batch.
    /// </summary>
    IEnumerable<(DatasetSample Sample, EventBatch Events)> ReadAll(DatasetSplit split)
    {
        foreach (DatasetSample s in Samples(split)) yield return (s, LoadEvents(s));
    }
}
