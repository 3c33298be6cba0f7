using System.Text.Json.Serialization;

namespace EventSnn.Pipeline;

/// <summary>Kinds of <see cref="StreamNotice"/>.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<StreamNoticeKind>))]
public enum StreamNoticeKind
{
    /// <summary>A connection was established.</summary>
    Connected,
    /// <summary>A connection was lost or could not be made; the source will retry.</summary>
    Disconnected,
    /// <summary>Events were lost between two connections; the notice gives the event-time span and bytes discarded.</summary>
    Gap,
    /// <summary>A datagram or packet was malformed and skipped.</summary>
    Malformed,
    /// <summary>Informational (e.g. how timestamps are assigned).</summary>
    Info,
    /// <summary>A new stream was refused because the most streams were already served; its events are counted as dropped.</summary>
    StreamRefused,
    /// <summary>A stream without events for the idle time was evicted: its bin state and network state slot were freed.</summary>
    StreamEvicted,
    /// <summary>The sensor is not the size the model expects; says how its pixels are mapped (or dropped).</summary>
    SensorMismatch,
}

/// <summary>
/// Something a source reports besides events, e.g. the events lost while a TCP server was away.
/// For a <see cref="StreamNoticeKind.Gap"/>, every event with a timestamp strictly between
/// <see cref="LastEventUs"/> and <see cref="NextEventUs"/> was lost.
/// </summary>
public sealed record StreamNotice
{
    /// <summary>The stream concerned.</summary>
    public required string Stream { get; init; }
    /// <summary>What happened.</summary>
    public required StreamNoticeKind Kind { get; init; }
    /// <summary>Human-readable detail (names the byte offset for malformed input).</summary>
    public required string Message { get; init; }
    /// <summary>For a gap: timestamp of the last event received before it, µs.</summary>
    public long? LastEventUs { get; init; }
    /// <summary>For a gap: timestamp of the first event received after it, µs.</summary>
    public long? NextEventUs { get; init; }
    /// <summary>Bytes read but discarded (a truncated or malformed packet).</summary>
    public long BytesDiscarded { get; init; }
}
