namespace EventSnn.Pipeline.Binning;

/// <summary>Why the online binner closed a bin.</summary>
public enum BinCloseReason
{
    /// <summary>An event with a timestamp at or past the bin's end arrived (event time, not wall clock).</summary>
    EventTime,
    /// <summary>The bin reached its event count (count-based binning).</summary>
    EventCount,
    /// <summary>No event of the stream arrived for the quiet period (wall clock), so the open bin was closed as it was.</summary>
    QuietPeriod,
    /// <summary>The stream ended (end of file, connection closed for good, pipeline completing).</summary>
    StreamEnd,
}
