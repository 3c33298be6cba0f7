using System.Diagnostics;
using System.Reactive.Linq;
using System.Reactive.Subjects;
using EventSnn.Pipeline.Binning;
using EventSnn.Pipeline.Flow;
using EventSnn.Pipeline.Network;
using EventSnn.Pipeline.Sources;

namespace EventSnn.Pipeline;

/// <summary>
/// The streaming runtime: source → (bounded queue) → online binner → (bounded queue) → network stage →
/// decisions. The source's socket reader only ever offers batches to the first queue, so under a drop
/// policy it never waits on the network; under <see cref="DropPolicy.Wait"/> every stage waits instead and
/// nothing is lost. <see cref="Counters"/> stay exact: once <see cref="RunAsync"/> has returned,
/// every event received is classified or counted as dropped by exactly one stage.
/// A pipeline runs once.
/// </summary>
public sealed class StreamPipeline : IEventSink
{
    readonly PipelineOptions _options;
    readonly NetworkStage _network;
    readonly StageChannel<StreamBatch> _ingress;
    readonly StageChannel<EventBin> _bins;
    readonly Subject<StreamNotice> _notices = new();
    readonly OnlineBinner _binner;
    int _started;

    /// <summary>Builds the stages; nothing runs until <see cref="RunAsync"/>.</summary>
    public StreamPipeline(PipelineOptions options, IStreamClassifierFactory classifiers, ExitRule exitRule)
    {
        _options = options;
        Counters = new PipelineCounters();
        _binner = new OnlineBinner(options.Binning, Counters);
        _network = new NetworkStage(classifiers, exitRule, Counters) { Observer = options.Observer };
        _ingress = new StageChannel<StreamBatch>(options.IngressCapacity, options.Policy, dropped =>
        {
            if (dropped.Events is { } ev)
            {
                Counters.Add(ref Counters.BatchesDroppedIngress, 1);
                Counters.Add(ref Counters.EventsDroppedIngress, ev.Count);
                ev.Dispose();
            }
        });
        _bins = new StageChannel<EventBin>(options.BinCapacity, options.Policy, bin =>
        {
            Counters.Add(ref Counters.BinsDropped, 1);
            Counters.Add(ref Counters.EventsInDroppedBins, bin.EventCount);
            bin.Release();
        });
    }

    /// <summary>The pipeline's counters (read them at any time with <see cref="PipelineCounters.Snapshot"/>).</summary>
    public PipelineCounters Counters { get; }

    /// <summary>Decisions, published on the network stage's thread; completes when the pipeline stops.</summary>
    public IObservable<StreamDecision> Decisions => _network.Decisions;

    /// <summary>Reconnects, gaps and malformed input reported by the source.</summary>
    public IObservable<StreamNotice> Notices => _notices.AsObservable();

    /// <summary>The largest number of batches seen queued before the binner (at most the ingress capacity).</summary>
    public int IngressMaxDepth => _ingress.MaxDepth;

    /// <summary>The largest number of bins seen queued before the network stage (at most the bin capacity).</summary>
    public int BinsMaxDepth => _bins.MaxDepth;

    /// <summary>Batches queued before the binner now.</summary>
    public int IngressDepth => _ingress.Reader.Count;

    /// <summary>Bins queued before the network stage now.</summary>
    public int BinsDepth => _bins.Reader.Count;

    /// <summary>
    /// Runs the source and every stage until the source ends and all its events have been classified, or
    /// until <paramref name="cancellationToken"/> is cancelled, in which case everything still queued is
    /// discarded and counted. Returns normally in both cases; throws if a stage failed.
    /// </summary>
    public async Task RunAsync(IEventSource source, CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _started, 1) != 0) throw new InvalidOperationException("a pipeline runs once");
        // A failing stage stops the others as cancellation would, so nothing waits on it forever.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cancellationToken = stop.Token;
        var network = _network.Run(_bins, cancellationToken, () => CancelQuietly(stop));
        var binner = Task.Run(() => BinLoopAsync(cancellationToken), CancellationToken.None);
        _ = binner.ContinueWith(_ => CancelQuietly(stop), CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        Exception? sourceError = null;
        try
        {
            await source.RunAsync(this, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested) { }
        catch (Exception ex) { sourceError = ex; }
        finally
        {
            _ingress.Complete();
        }
        try
        {
            await binner.ConfigureAwait(false);
        }
        finally
        {
            _bins.Complete();
        }
        await network.ConfigureAwait(false);
        _notices.OnCompleted();
        if (sourceError != null) throw sourceError;
    }

    /// <summary>
    /// Classifies a whole recording synchronously on the calling thread with the same binner and network
    /// stage logic as a live stream, but without queues: the offline reference for a stream's decisions.
    /// </summary>
    public static IReadOnlyList<StreamDecision> ClassifyOffline(string stream, Ingest.EventBatch events, OnlineBinningOptions binning,
        IStreamClassifierFactory classifiers, ExitRule exitRule, PipelineCounters? counters = null)
    {
        counters ??= new PipelineCounters();
        var binner = new OnlineBinner(binning, counters);
        var stage = new NetworkStage(classifiers, exitRule, counters);
        var decisions = new List<StreamDecision>();
        using var sub = stage.Decisions.Subscribe(decisions.Add);
        counters.Add(ref counters.EventsReceived, events.Count);
        void Step(EventBin bin)
        {
            try { stage.Process(bin); }
            finally { bin.Release(); }
        }
        binner.Add(new StreamBatch(stream, events, Stopwatch.GetTimestamp()), Step);
        binner.EndAll(Step);
        return decisions;
    }

    static void CancelQuietly(CancellationTokenSource cts)
    {
        try { cts.Cancel(); }
        catch (ObjectDisposedException) { }
    }

    PipelineCounters IEventSink.Counters => Counters;

    async ValueTask IEventSink.PublishAsync(StreamBatch batch, CancellationToken cancellationToken)
    {
        Counters.Add(ref Counters.EventsReceived, batch.Events.Count);
        if (_options.Policy != DropPolicy.Wait)
        {
            if (!_ingress.Offer(batch)) Discard(batch);
            return;
        }
        try
        {
            await _ingress.WriteAsync(batch, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            Discard(batch);
            throw;
        }
    }

    void Discard(StreamBatch batch)
    {
        Counters.Add(ref Counters.EventsDiscardedAtShutdown, batch.Events.Count);
        batch.Events.Dispose();
    }

    ValueTask IEventSink.EndStreamAsync(string stream, CancellationToken cancellationToken)
    {
        // An end marker: a batch without events. Under a drop policy it may itself be dropped, in which case
        // the quiet period closes the stream's bin instead.
        var marker = new StreamBatch(stream, null!, Stopwatch.GetTimestamp());
        if (_options.Policy != DropPolicy.Wait)
        {
            _ingress.Offer(marker);
            return ValueTask.CompletedTask;
        }
        return _ingress.WriteAsync(marker, cancellationToken);
    }

    void IEventSink.Notice(StreamNotice notice) => _notices.OnNext(notice);

    async Task BinLoopAsync(CancellationToken ct)
    {
        var closed = new List<EventBin>();
        void Collect(EventBin bin) => closed.Add(bin);
        TimeSpan quiet = _options.Binning.QuietPeriod;
        TimeSpan poll = quiet > TimeSpan.Zero ? TimeSpan.FromTicks(Math.Max(quiet.Ticks / 4, TimeSpan.TicksPerMillisecond)) : Timeout.InfiniteTimeSpan;
        Task<bool>? waiting = null;
        try
        {
            while (true)
            {
                ct.ThrowIfCancellationRequested();
                while (_ingress.TryTake(out var batch))
                {
                    if (batch.Events is null) _binner.EndStream(batch.Stream, Collect);
                    else
                    {
                        try { _binner.Add(batch, Collect); }
                        finally { batch.Events.Dispose(); }
                    }
                    await ForwardAsync(closed, ct).ConfigureAwait(false);
                    ct.ThrowIfCancellationRequested();
                }
                _binner.CloseQuiet(Stopwatch.GetTimestamp(), Collect);
                await ForwardAsync(closed, ct).ConfigureAwait(false);

                waiting ??= _ingress.Reader.WaitToReadAsync(ct).AsTask();
                if (poll != Timeout.InfiniteTimeSpan)
                {
                    await Task.WhenAny(waiting, Task.Delay(poll, ct)).ConfigureAwait(false);
                    if (!waiting.IsCompleted) continue;
                }
                bool more = await waiting.ConfigureAwait(false);
                waiting = null;
                if (!more) break;
            }
            _binner.EndAll(Collect);
            await ForwardAsync(closed, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            foreach (var bin in closed)
            {
                Counters.Add(ref Counters.BinsDiscardedAtShutdown, 1);
                Counters.Add(ref Counters.EventsDiscardedAtShutdown, bin.EventCount);
                bin.Release();
            }
            closed.Clear();
            Counters.Add(ref Counters.EventsDiscardedAtShutdown, _binner.DiscardOpen());
            // The source has stopped or is stopping; whatever it still queues is discarded as it arrives.
            while (await WaitOrCompleted().ConfigureAwait(false))
            {
                while (_ingress.TryTake(out var batch))
                {
                    if (batch.Events is null) continue;
                    Discard(batch);
                }
            }
        }
    }

    async Task<bool> WaitOrCompleted()
    {
        try { return await _ingress.Reader.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false); }
        catch (Exception) { return false; }
    }

    async ValueTask ForwardAsync(List<EventBin> closed, CancellationToken ct)
    {
        if (closed.Count == 0) return;
        int i = 0;
        try
        {
            for (; i < closed.Count; i++)
            {
                if (_options.Policy == DropPolicy.Wait) await _bins.WriteAsync(closed[i], ct).ConfigureAwait(false);
                else if (!_bins.Offer(closed[i])) throw new InvalidOperationException("the bin queue completed early");
            }
            closed.Clear();
        }
        catch
        {
            closed.RemoveRange(0, i);
            throw;
        }
    }
}
