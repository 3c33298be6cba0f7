using System.Diagnostics;
using EventSnn.Ingest;
using EventSnn.Pipeline.Servers;

namespace EventSnn.Pipeline.Sources;

/// <summary>
/// Replays a recording into the pipeline as fast as possible or paced at the recorded speed × a factor.
/// A replay is not live: run the pipeline with <see cref="Flow.DropPolicy.Wait"/> and nothing is lost.
/// The stream ends (its last bin closes) when the recording does.
/// </summary>
public sealed class RecordingReplaySource : IEventSource
{
    readonly Func<IEnumerable<EventBatch>> _batches;
    readonly double _speed;

    /// <summary>Replays the batches <paramref name="batches"/> yields (it is called once; the source disposes each batch).</summary>
    /// <param name="stream">The stream's name, e.g. the file path.</param>
    /// <param name="batches">Yields the recording's events in time order, batch by batch.</param>
    /// <param name="speed">1 = recorded speed, 2 = twice as fast, 0 = as fast as possible.</param>
    public RecordingReplaySource(string stream, Func<IEnumerable<EventBatch>> batches, double speed = 0)
    {
        Stream = stream;
        _batches = batches;
        _speed = speed;
    }

    /// <summary>Replays an in-memory recording (copied chunk by chunk; <paramref name="events"/> stays the caller's).</summary>
    public static RecordingReplaySource FromBatch(string stream, EventBatch events, double speed = 0, int chunkEvents = 65536) =>
        new(stream, () => Chunks(events, chunkEvents), speed);

    /// <summary>The stream's name.</summary>
    public string Stream { get; }

    /// <inheritdoc />
    public string Description => $"replay of {Stream}" + (_speed > 0 ? $" at {_speed}x" : " as fast as possible");

    /// <inheritdoc />
    public bool IsLive => false;

    /// <inheritdoc />
    public async Task RunAsync(IEventSink sink, CancellationToken cancellationToken)
    {
        var pacer = new ReplayPacer(_speed);
        foreach (var batch in _batches())
        {
            try
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (pacer.Unpaced)
                {
                    if (batch.Count == 0) { batch.Dispose(); continue; }
                    await sink.PublishAsync(new StreamBatch(Stream, batch, Stopwatch.GetTimestamp()), cancellationToken).ConfigureAwait(false);
                    continue;
                }
                int i = 0;
                while (i < batch.Count)
                {
                    await pacer.WaitUntilAsync(batch.T[i], cancellationToken).ConfigureAwait(false);
                    int n = pacer.ChunkLength(batch.T, i, 65536);
                    await sink.PublishAsync(new StreamBatch(Stream, Copy(batch, i, n), Stopwatch.GetTimestamp()), cancellationToken).ConfigureAwait(false);
                    i += n;
                }
                batch.Dispose();
            }
            catch
            {
                if (!pacer.Unpaced) batch.Dispose();
                throw;
            }
        }
        await sink.EndStreamAsync(Stream, cancellationToken).ConfigureAwait(false);
    }

    static IEnumerable<EventBatch> Chunks(EventBatch events, int chunkEvents)
    {
        for (int i = 0; i < events.Count; i += chunkEvents)
            yield return Copy(events, i, Math.Min(chunkEvents, events.Count - i));
    }

    /// <summary>A pooled copy of events <paramref name="start"/>..start+count.</summary>
    internal static EventBatch Copy(EventBatch events, int start, int count)
    {
        var copy = new EventBatch(count, events.Width, events.Height);
        events.T.Slice(start, count).CopyTo(copy.TArray);
        events.X.Slice(start, count).CopyTo(copy.XArray);
        events.Y.Slice(start, count).CopyTo(copy.YArray);
        events.P.Slice(start, count).CopyTo(copy.PArray);
        copy.Count = count;
        return copy;
    }
}
