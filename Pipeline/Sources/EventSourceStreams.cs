using System.Reactive.Linq;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using EventSnn.Pipeline.Flow;

namespace EventSnn.Pipeline.Sources;

/// <summary>
/// Any <see cref="IEventSource"/> as an async stream or an Rx observable of batches, for tools that want the
/// events themselves rather than decisions. Lossless: the source waits while the consumer is behind (so use it
/// for replays, or accept that a live socket's kernel buffer absorbs the wait).
/// </summary>
public static class EventSourceStreams
{
    /// <summary>The source's batches as they are decoded; the consumer owns (and disposes) each batch's events.</summary>
    public static async IAsyncEnumerable<StreamBatch> ReadAllAsync(this IEventSource source, int capacity = 16,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var sink = new ChannelSink(capacity);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var running = Task.Run(async () =>
        {
            try { await source.RunAsync(sink, stop.Token).ConfigureAwait(false); }
            finally { sink.Channel.Writer.TryComplete(); }
        }, CancellationToken.None);
        try
        {
            await foreach (var batch in sink.Channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
                yield return batch;
            await running.ConfigureAwait(false);
        }
        finally
        {
            stop.Cancel();
            while (sink.Channel.Reader.TryRead(out var left)) left.Events?.Dispose();
            try { await running.ConfigureAwait(false); } catch (OperationCanceledException) { }
        }
    }

    /// <summary>The source's batches as an observable (cold: each subscription runs the source once).</summary>
    public static IObservable<StreamBatch> ToObservable(this IEventSource source, int capacity = 16) =>
        Observable.Create<StreamBatch>(async (observer, ct) =>
        {
            await foreach (var batch in source.ReadAllAsync(capacity, ct).ConfigureAwait(false)) observer.OnNext(batch);
        });

    sealed class ChannelSink(int capacity) : IEventSink
    {
        public readonly Channel<StreamBatch> Channel = System.Threading.Channels.Channel.CreateBounded<StreamBatch>(
            new BoundedChannelOptions(capacity) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });

        public PipelineCounters Counters { get; } = new();

        public async ValueTask PublishAsync(StreamBatch batch, CancellationToken cancellationToken)
        {
            Counters.Add(ref Counters.EventsReceived, batch.Events.Count);
            try { await Channel.Writer.WriteAsync(batch, cancellationToken).ConfigureAwait(false); }
            catch { batch.Events.Dispose(); throw; }
        }

        public ValueTask EndStreamAsync(string stream, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public void Notice(StreamNotice notice) { }
    }
}
