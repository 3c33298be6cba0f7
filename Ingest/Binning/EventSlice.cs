namespace EventSnn.Ingest.Binning;

/// <summary>
/// The events of one time bin as a half-open index range <c>[Start, End)</c> into a time-ordered event
/// sequence. Slices of overlapping rules may share events.
/// </summary>
public readonly record struct EventSlice(int Start, int End)
{
    /// <summary>Number of events in the slice.</summary>
    public int Count => End - Start;
}
