namespace EventSnn.Ingest;

/// <summary>How readers interpret a file.</summary>
public sealed record EventReadOptions
{
    /// <summary>
    /// Coordinate/polarity convention for AEDAT 2.0 DVS128 files, whose public loaders disagree (FORMATS.md §1.3):
    /// "libcaer" (default; the DV/AEDAT 3.1/4 convention: x = 127 − rx, y = 127 − ry, ON = raw bit 0 clear),
    /// "spikingjelly" (x = 127 − ry, y = 127 − rx), "events-tfds" (x = 127 − rx, y = ry), "tonic-dvs128" (x = ry, y = rx,
    /// p = raw bit 0) or "raw" (x = rx, y = ry, ON = raw bit 0 clear). Other formats ignore it.
    /// </summary>
    public string Convention { get; init; } = Aedat2Convention.LibcaerName;

    /// <summary>AEDAT 3.1: keep events whose valid bit is clear (as SpikingJelly and Tonic do). Default false.</summary>
    public bool KeepInvalid { get; init; }

    /// <summary>
    /// True: a file that ends inside a record or packet is an error. False (default): whole records are kept and the
    /// cut tail is reported in <see cref="IEventReader.Warnings"/> and in the recording's "warning" metadata.
    /// </summary>
    public bool Strict { get; init; }

    /// <summary>AEDAT 4: the name (originalOutputName, e.g. "events") or id of the event stream to read; null = lowest-id event stream.</summary>
    public string? StreamName { get; init; }

    /// <summary>
    /// Sensor width in pixels to use when the file does not state one (DAT files without a "% Width" line, EVT 2.0 files
    /// without a geometry line); 0 = none (then read-all uses 1 + the largest x). A size the file states wins.
    /// </summary>
    public int SensorWidth { get; init; }

    /// <summary>Sensor height in pixels to use when the file does not state one; 0 = none.</summary>
    public int SensorHeight { get; init; }

    /// <summary>The defaults.</summary>
    public static EventReadOptions Default { get; } = new();
}
