namespace EventSnn.Pipeline.Flow;

/// <summary>
/// Exact counts kept by every stage of a running pipeline (thread-safe; read a consistent-enough view with
/// <see cref="Snapshot"/>). Every event a source decodes is counted once as received and, once the
/// pipeline has stopped, exactly once in one of the outcomes:
/// <c>EventsReceived = EventsClassified + EventsDroppedIngress + EventsDroppedLate + EventsDroppedOutOfRange
/// + EventsInDroppedBins + EventsDiscardedAtShutdown + EventsDroppedRefused</c>.
/// While running, the difference is the number of events still queued or in an open bin.
/// </summary>
public sealed class PipelineCounters
{
    internal long EventsReceived;
    internal long EventsClassified;
    internal long EventsDroppedIngress;
    internal long EventsDroppedLate;
    internal long EventsDroppedOutOfRange;
    internal long EventsInDroppedBins;
    internal long EventsDiscardedAtShutdown;
    internal long EventsDroppedRefused;
    internal long BatchesDroppedIngress;
    internal long StreamsRefused;
    internal long StreamsEvicted;
    internal long DatagramsDroppedByKernel;
    internal long NetworkSteps;
    internal long DatagramsReceived;
    internal long DatagramsMalformed;
    internal long PacketsReceived;
    internal long PacketsMalformed;
    internal long PacketsOtherStream;
    internal long PacketsTruncated;
    internal long BytesReceived;
    internal long BytesDiscarded;
    internal long Connections;
    internal long Disconnects;
    internal long BinsClosedByEventTime;
    internal long BinsClosedByEventCount;
    internal long BinsClosedByQuietPeriod;
    internal long BinsClosedByStreamEnd;
    internal long BinsDropped;
    internal long BinsDiscardedAtShutdown;
    internal long BinsClassified;
    internal long Decisions;
    internal long ClassificationsRestarted;

    internal void Add(ref long field, long value) => Interlocked.Add(ref field, value);

    /// <summary>A copy of every counter.</summary>
    public PipelineCountersSnapshot Snapshot() => new()
    {
        EventsReceived = Interlocked.Read(ref EventsReceived),
        EventsClassified = Interlocked.Read(ref EventsClassified),
        EventsDroppedIngress = Interlocked.Read(ref EventsDroppedIngress),
        EventsDroppedLate = Interlocked.Read(ref EventsDroppedLate),
        EventsDroppedOutOfRange = Interlocked.Read(ref EventsDroppedOutOfRange),
        EventsInDroppedBins = Interlocked.Read(ref EventsInDroppedBins),
        EventsDiscardedAtShutdown = Interlocked.Read(ref EventsDiscardedAtShutdown),
        EventsDroppedRefused = Interlocked.Read(ref EventsDroppedRefused),
        BatchesDroppedIngress = Interlocked.Read(ref BatchesDroppedIngress),
        StreamsRefused = Interlocked.Read(ref StreamsRefused),
        StreamsEvicted = Interlocked.Read(ref StreamsEvicted),
        DatagramsDroppedByKernel = Interlocked.Read(ref DatagramsDroppedByKernel),
        NetworkSteps = Interlocked.Read(ref NetworkSteps),
        DatagramsReceived = Interlocked.Read(ref DatagramsReceived),
        DatagramsMalformed = Interlocked.Read(ref DatagramsMalformed),
        PacketsReceived = Interlocked.Read(ref PacketsReceived),
        PacketsMalformed = Interlocked.Read(ref PacketsMalformed),
        PacketsOtherStream = Interlocked.Read(ref PacketsOtherStream),
        PacketsTruncated = Interlocked.Read(ref PacketsTruncated),
        BytesReceived = Interlocked.Read(ref BytesReceived),
        BytesDiscarded = Interlocked.Read(ref BytesDiscarded),
        Connections = Interlocked.Read(ref Connections),
        Disconnects = Interlocked.Read(ref Disconnects),
        BinsClosedByEventTime = Interlocked.Read(ref BinsClosedByEventTime),
        BinsClosedByEventCount = Interlocked.Read(ref BinsClosedByEventCount),
        BinsClosedByQuietPeriod = Interlocked.Read(ref BinsClosedByQuietPeriod),
        BinsClosedByStreamEnd = Interlocked.Read(ref BinsClosedByStreamEnd),
        BinsDropped = Interlocked.Read(ref BinsDropped),
        BinsDiscardedAtShutdown = Interlocked.Read(ref BinsDiscardedAtShutdown),
        BinsClassified = Interlocked.Read(ref BinsClassified),
        Decisions = Interlocked.Read(ref Decisions),
        ClassificationsRestarted = Interlocked.Read(ref ClassificationsRestarted),
    };
}

/// <summary>A copy of <see cref="PipelineCounters"/> at one moment; property names are the JSON keys.</summary>
public sealed record PipelineCountersSnapshot
{
    /// <summary>Events decoded by the sources (malformed datagrams/packets contribute none).</summary>
    public long EventsReceived { get; init; }
    /// <summary>Events inside bins the network stage stepped on.</summary>
    public long EventsClassified { get; init; }
    /// <summary>Events dropped because the queue between the socket reader and the binner was full.</summary>
    public long EventsDroppedIngress { get; init; }
    /// <summary>Events older than the stream's open bin (out of order by more than a bin).</summary>
    public long EventsDroppedLate { get; init; }
    /// <summary>Events whose pixel lies outside the sensor or the network's input.</summary>
    public long EventsDroppedOutOfRange { get; init; }
    /// <summary>Events inside bins dropped because the queue to the network stage was full.</summary>
    public long EventsInDroppedBins { get; init; }
    /// <summary>Events still queued or in an open bin when the pipeline was cancelled.</summary>
    public long EventsDiscardedAtShutdown { get; init; }
    /// <summary>Events of streams refused because the most streams were already served.</summary>
    public long EventsDroppedRefused { get; init; }
    /// <summary>Batches dropped between the socket reader and the binner.</summary>
    public long BatchesDroppedIngress { get; init; }
    /// <summary>Times a new stream was refused because the most streams were already served (a stream refused again after a quiet spell counts again).</summary>
    public long StreamsRefused { get; init; }
    /// <summary>Streams evicted after the idle time without events.</summary>
    public long StreamsEvicted { get; init; }
    /// <summary>
    /// UDP datagrams the kernel dropped for the receiver's socket before they were read (its receive buffer was full;
    /// Linux: the socket's <c>drops</c> in <c>/proc/net/udp</c>). Their events never arrived, so they are in no event count.
    /// </summary>
    public long DatagramsDroppedByKernel { get; init; }
    /// <summary>Network steps taken (each steps up to the largest batch of streams at once; bins classified / steps = mean batch).</summary>
    public long NetworkSteps { get; init; }
    /// <summary>UDP datagrams read.</summary>
    public long DatagramsReceived { get; init; }
    /// <summary>UDP datagrams skipped because they could not be parsed (length not a multiple of 4, missing timestamp word).</summary>
    public long DatagramsMalformed { get; init; }
    /// <summary>AEDAT 4 packets read completely.</summary>
    public long PacketsReceived { get; init; }
    /// <summary>AEDAT 4 packets skipped because their body could not be decoded.</summary>
    public long PacketsMalformed { get; init; }
    /// <summary>AEDAT 4 packets of another stream than the one classified.</summary>
    public long PacketsOtherStream { get; init; }
    /// <summary>AEDAT 4 packets cut off by a closed connection.</summary>
    public long PacketsTruncated { get; init; }
    /// <summary>Bytes read from sockets.</summary>
    public long BytesReceived { get; init; }
    /// <summary>Bytes read but not decoded (truncated or malformed packets, headers of failed connections).</summary>
    public long BytesDiscarded { get; init; }
    /// <summary>TCP connections established (first one included).</summary>
    public long Connections { get; init; }
    /// <summary>TCP connections lost or refused after having been established.</summary>
    public long Disconnects { get; init; }
    /// <summary>Bins closed because an event past their end arrived.</summary>
    public long BinsClosedByEventTime { get; init; }
    /// <summary>Bins closed because they reached their event count.</summary>
    public long BinsClosedByEventCount { get; init; }
    /// <summary>Bins closed because no event arrived for the quiet period (wall clock).</summary>
    public long BinsClosedByQuietPeriod { get; init; }
    /// <summary>Bins closed because their stream ended.</summary>
    public long BinsClosedByStreamEnd { get; init; }
    /// <summary>Bins dropped because the queue to the network stage was full.</summary>
    public long BinsDropped { get; init; }
    /// <summary>Bins still queued when the pipeline was cancelled.</summary>
    public long BinsDiscardedAtShutdown { get; init; }
    /// <summary>Bins the network stage stepped on.</summary>
    public long BinsClassified { get; init; }
    /// <summary>Decisions emitted.</summary>
    public long Decisions { get; init; }
    /// <summary>Times a stream's network state was reset without a decision because bins of it were dropped.</summary>
    public long ClassificationsRestarted { get; init; }

    /// <summary>Events accounted for by an outcome (classified or dropped somewhere).</summary>
    public long EventsAccounted => EventsClassified + EventsDroppedIngress + EventsDroppedLate + EventsDroppedOutOfRange
                                   + EventsInDroppedBins + EventsDiscardedAtShutdown + EventsDroppedRefused;

    /// <summary>Events received but not yet accounted for: queued or in an open bin (0 once the pipeline has stopped).</summary>
    public long EventsInFlight => EventsReceived - EventsAccounted;
}
