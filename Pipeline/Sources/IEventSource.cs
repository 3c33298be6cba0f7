using EventSnn.Pipeline.Flow;

namespace EventSnn.Pipeline.Sources;

/// <summary>
/// A source of event batches (a socket, a file replay). <see cref="RunAsync"/> reads until the input ends
/// or the token is cancelled and hands every decoded batch to the sink.
/// </summary>
public interface IEventSource
{
    /// <summary>A short description for logs, e.g. <c>udp://127.0.0.1:3333</c>.</summary>
    string Description { get; }

    /// <summary>Whether this source may drop events itself (live sockets) or must never lose any (replay).</summary>
    bool IsLive { get; }

    /// <summary>Reads until the input ends (returns) or <paramref name="cancellationToken"/> is cancelled (returns or throws <see cref="OperationCanceledException"/>).</summary>
    Task RunAsync(IEventSink sink, CancellationToken cancellationToken);
}

/// <summary>Where a source hands its batches: the entry of the pipeline's first queue.</summary>
public interface IEventSink
{
    /// <summary>The pipeline's counters (sources add datagram, packet and byte counts).</summary>
    PipelineCounters Counters { get; }

    /// <summary>
    /// Counts the batch's events as received and queues it. Under a drop policy this never waits (the batch
    /// or an older one may be dropped and counted); under <see cref="DropPolicy.Wait"/> it waits for room.
    /// The sink owns the batch afterwards.
    /// </summary>
    ValueTask PublishAsync(StreamBatch batch, CancellationToken cancellationToken);

    /// <summary>Says that a stream ended (end of file, connection closed): its open bin closes.</summary>
    ValueTask EndStreamAsync(string stream, CancellationToken cancellationToken);

    /// <summary>Reports something a user should know about: a reconnect, a gap of lost events, a malformed packet.</summary>
    void Notice(StreamNotice notice);
}
