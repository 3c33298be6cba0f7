namespace EventSnn.Ingest;

/// <summary>
/// A whole recording read into memory: the events (µs timestamps, top-left origin, 1 = ON) and what the
/// file says about them. Dispose returns the pooled event columns.
/// </summary>
public sealed class EventRecording : IDisposable
{
    /// <summary>Creates a recording around <paramref name="events"/>, which it then owns.</summary>
    public EventRecording(EventBatch events, string format, int width, int height, string? source, IReadOnlyDictionary<string, string>? metadata = null)
    {
        Events = events;
        Format = format;
        Width = width;
        Height = height;
        Source = source;
        Metadata = metadata ?? new Dictionary<string, string>();
    }

    /// <summary>The events in file order.</summary>
    public EventBatch Events { get; }

    /// <summary>Format name (see <see cref="IEventReader.Format"/>).</summary>
    public string Format { get; }

    /// <summary>Sensor width in pixels (from the header, the chip, or 1 + the largest x when the file says nothing).</summary>
    public int Width { get; }

    /// <summary>Sensor height in pixels.</summary>
    public int Height { get; }

    /// <summary>Chip or camera named by the file (e.g. "DVS128", a jAER chip class, a DV camera name), if any.</summary>
    public string? Source { get; }

    /// <summary>Header facts and reader notes (e.g. "creation_time_ms", "convention", "warning").</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>External trigger events of the recording (Prophesee formats), in file order; empty when there are none.</summary>
    public IReadOnlyList<ExternalTrigger> Triggers { get; init; } = [];

    /// <summary>Returns the pooled event columns.</summary>
    public void Dispose() => Events.Dispose();
}
