namespace EventSnn.Ingest;

/// <summary>
/// An open event file that yields its events in batches of bounded size, in file order. Each batch is a new pooled
/// <see cref="EventBatch"/> that the caller disposes.
/// </summary>
public interface IEventReader : IDisposable
{
    /// <summary>Format name: "aedat2", "aedat3.1", "aedat4", "bin", "hdf5", "csv", "evt2", "evt2.1", "evt3", "dat" or "metavision-hdf5".</summary>
    string Format { get; }

    /// <summary>Sensor width in pixels, or 0 when the file does not say (ATIS .bin and CSV without a size line).</summary>
    int Width { get; }

    /// <summary>Sensor height in pixels, or 0 when the file does not say.</summary>
    int Height { get; }

    /// <summary>Chip or camera named by the file, if any.</summary>
    string? Source { get; }

    /// <summary>Header facts (creation time, chip class, stream id, convention ...).</summary>
    IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>What a lenient read dropped (a cut tail, a partial last packet), filled while reading.</summary>
    IReadOnlyList<string> Warnings { get; }

    /// <summary>
    /// External trigger events met so far (Prophesee formats), in file order, never mixed into the event batches; complete
    /// once <see cref="ReadBatches"/> has been enumerated to the end. Empty for formats without triggers.
    /// </summary>
    IReadOnlyList<ExternalTrigger> Triggers => [];

    /// <summary>Streams the events in batches of at most <paramref name="batchSize"/> events. Can be enumerated once.</summary>
    IEnumerable<EventBatch> ReadBatches(int batchSize = 65536);
}
