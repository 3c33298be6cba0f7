using System.Text.Json;
using System.Text.Json.Serialization;

namespace EventSnn.Pipeline.Nats;

/// <summary>
/// A decision as stored on <c>eventsnn.decisions.&lt;stream-id&gt;</c> (JSON, snake_case keys). It carries the event
/// counts it covers, so that from the stored decisions and notices alone, per stream:
/// events published = Σ <see cref="Events"/> + Σ dropped (late, out of range) + Σ events of restarted spans and gaps.
/// </summary>
public sealed record NatsDecisionRecord
{
    /// <summary>Stream id.</summary>
    public required string Stream { get; init; }
    /// <summary>Worker group that decided.</summary>
    public required string Group { get; init; }
    /// <summary>Publisher session of the events.</summary>
    public required string Session { get; init; }
    /// <summary>Worker that decided.</summary>
    public required string Worker { get; init; }
    /// <summary>Predicted class index.</summary>
    public required int Class { get; init; }
    /// <summary>Predicted class name.</summary>
    public required string Label { get; init; }
    /// <summary>Softmax probability of the class over the mean output, [0, 1].</summary>
    public required double Confidence { get; init; }
    /// <summary>Timesteps (bins) used, 1-based.</summary>
    public required int Timestep { get; init; }
    /// <summary>Event time of the end of the deciding bin, µs.</summary>
    public required long EventTimeUs { get; init; }
    /// <summary>Event time of the start of the classification's first bin (the window start), µs.</summary>
    public required long StartTimeUs { get; init; }
    /// <summary>Wall-clock ms from the arrival of the deciding bin's last event at the worker to the decision.</summary>
    public required double LatencyMs { get; init; }
    /// <summary>Why it decided: cutoff, max_timesteps or stream_end.</summary>
    public required string Reason { get; init; }
    /// <summary>Events classified in this decision's bins.</summary>
    public required long Events { get; init; }
    /// <summary>Events of the packets this decision acknowledges that were dropped as late.</summary>
    public long EventsDroppedLate { get; init; }
    /// <summary>Events of the packets this decision acknowledges that were dropped as outside the sensor/network input.</summary>
    public long EventsDroppedOutOfRange { get; init; }
    /// <summary>The <c>Nats-Msg-Id</c> it was published with (stream id, window start, session).</summary>
    public required string MsgId { get; init; }
}

/// <summary>A notice as stored on <c>eventsnn.notices.&lt;stream-id&gt;</c> (JSON, snake_case keys).</summary>
public sealed record NatsNoticeRecord
{
    /// <summary>Stream id.</summary>
    public required string Stream { get; init; }
    /// <summary>Worker group.</summary>
    public required string Group { get; init; }
    /// <summary>Publisher session concerned (empty when unknown).</summary>
    public required string Session { get; init; }
    /// <summary>Worker that noticed.</summary>
    public required string Worker { get; init; }
    /// <summary>restarted (a classification begun by another worker is redone), gap (packets never arrived), malformed, dropped.</summary>
    public required string Kind { get; init; }
    /// <summary>What happened, in words (never any credential).</summary>
    public required string Message { get; init; }
    /// <summary>Event time where the affected span starts, µs.</summary>
    public long? FromUs { get; init; }
    /// <summary>Event time where the affected span ends, µs.</summary>
    public long? ToUs { get; init; }
    /// <summary>Events in the span that no decision covers (lost, or dropped for the named reason); 0 when they are classified again.</summary>
    public long Events { get; init; }
    /// <summary>Events of the span that are classified again from the stored packets.</summary>
    public long EventsReclassified { get; init; }
}

/// <summary>The JSON form of the records.</summary>
public static class NatsJson
{
    /// <summary>The project's JSON on one line (<see cref="EventSnn.Model.ProjectJson.Lines"/>): snake_case keys, enums as snake_case strings, nulls left out.</summary>
    public static readonly JsonSerializerOptions Options = EventSnn.Model.ProjectJson.Lines;

    /// <summary>UTF-8 JSON of <paramref name="value"/>.</summary>
    public static byte[] Bytes<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(value, Options);
}
