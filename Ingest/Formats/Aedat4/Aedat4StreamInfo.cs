namespace EventSnn.Ingest;

/// <summary>
/// One stream of an AEDAT 4 recording as described by the IOHeader's infoNode XML: id, output name (e.g. "events"),
/// type identifier ("EVTS", "FRME", "IMUS", "TRIG"), sensor size in pixels (events/frames only), camera name, timestamp
/// offset (µs) and compression string.
/// </summary>
public sealed record Aedat4StreamInfo(int Id, string Name, string TypeIdentifier, int Width, int Height, string? Source,
    long TsOffset = 0, string? Compression = null, string? TypeDescription = null, string? ModuleName = null)
{
    /// <summary>True for polarity-event streams ("EVTS").</summary>
    public bool IsEvents => TypeIdentifier == "EVTS";
}
