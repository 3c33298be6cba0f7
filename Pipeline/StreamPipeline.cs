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
/// One model serves every stream (<see cref="NetworkStage"/>, a sequence batcher); at most
/// <see cref="ServingOptions.MaxStreams"/> streams are served at once (<see cref="StreamAdmission"/>), and a stream idle
/// for <see cref="ServingOptions.StreamIdle"/> is evicted. A pipeline runs once.
/// </summary>
public sealed class StreamPipeline : IEventSink
{
    readonly PipelineOptions _options;
    readonly NetworkStage _network;
    readonly StageChannel<StreamBatch> _ingress;
    readonly StageChannel<EventBin> _bins;
    readonly Subject<StreamNotice> _notices = new();
    readonly OnlineBinner _binner;
    readonly StreamAdmission _admission;
    readonly IBatchedClassifier? _owned;
    int _started;

    /// <summary>
    /// Builds the stages around <paramref name="model"/> (loaded by the caller, who disposes it after the run); nothing
    /// runs until <see cref="RunAsync"/>.
    /// </summary>
    public StreamPipeline(PipelineOptions options, IBatchedClassifier model, ExitRule exitRule) : this(options, model, exitRule, owned: false) { }

    /// <summary>Builds the stages around per-stream classifiers from <paramref name="classifiers"/> (stand-ins holding their own state).</summary>
    public StreamPipeline(PipelineOptions options, IStreamClassifierFactory classifiers, ExitRule exitRule)
        : this(options, new PerStreamClassifiers(classifiers), exitRule, owned: true) { }

    StreamPipeline(PipelineOptions options, IBatchedClassifier model, ExitRule exitRule, bool owned)
    {
        _options = options;
        options.Serving.Validate();
        if (owned) _owned = model;
        Counters = new PipelineCounters();
        _binner = new OnlineBinner(options.Binning, Counters, Publish);
        _network = new NetworkStage(model, exitRule, Counters, options.Serving);
        var idle = options.Serving.StreamIdle;
        _admission = new StreamAdmission(options.Serving.MaxStreams, idle > TimeSpan.Zero ? (long)(idle.TotalSeconds * Stopwatch.Frequency) : 0);
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

    /// <summary>Every stream's per-step output O(t), published on the network stage's thread (for checks and tools).</summary>
    public IObservable<StreamStepOutput> Steps => _network.Steps;

    /// <summary>Streams served now (admitted and not yet evicted).</summary>
    public int ActiveStreams => _admission.Count;

    /// <summary>Reconnects, gaps and malformed input reported by the source.</summary>
    public IObservable<StreamNotice> Notices => _notices.AsObservable();

    /// <summary>The largest number of batches seen queued before the binner (at most the ingress capacity).</summary>
    public int IngressMaxDepth => _ingress.MaxDepth;

    /// <summary>The largest number of bins seen queued before the network stage (at most the bin capacity).</summary>
    public int BinsMaxDepth => _bins.MaxDepth;

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
        try
        {
            await network.ConfigureAwait(false);
        }
        finally
        {
            _owned?.Dispose();
        }
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
        using var model = new PerStreamClassifiers(classifiers);
        return ClassifyOffline(stream, events, binning, model, exitRule, counters);
    }

    /// <summary>
    /// <see cref="ClassifyOffline(string, Ingest.EventBatch, OnlineBinningOptions, IStreamClassifierFactory, ExitRule, PipelineCounters?)"/>
    /// with a loaded model (batch 1, slot 0; the caller keeps the model). <paramref name="steps"/>, when given, receives every per-step output.
    /// </summary>
    public static IReadOnlyList<StreamDecision> ClassifyOffline(string stream, Ingest.EventBatch events, OnlineBinningOptions binning,
        IBatchedClassifier model, ExitRule exitRule, PipelineCounters? counters = null, Action<StreamStepOutput>? steps = null)
    {
        counters ??= new PipelineCounters();
        var binner = new OnlineBinner(binning, counters);
        var stage = new NetworkStage(model, exitRule, counters, new ServingOptions { MaxBatch = 1, StreamIdle = TimeSpan.Zero });
        var decisions = new List<StreamDecision>();
        using var sub = stage.Decisions.Subscribe(decisions.Add);
        using var stepSub = steps is null ? null : stage.Steps.Subscribe(steps);
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
        if (!_admission.TryAdmit(batch.Stream, batch.ArrivalTicks, out bool report))
        {
            Counters.Add(ref Counters.EventsDroppedRefused, batch.Events.Count);
            if (report)
            {
                Counters.Add(ref Counters.StreamsRefused, 1);
                Publish(new StreamNotice
                {
                    Stream = batch.Stream,
                    Kind = StreamNoticeKind.StreamRefused,
                    Message = $"refused: {_options.Serving.MaxStreams} streams are already served (--max-streams); its events are counted as dropped",
                });
            }
            batch.Events.Dispose();
            return;
        }
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

    void IEventSink.Notice(StreamNotice notice) => Publish(notice);

    readonly object _noticeGate = new();

    // Sources, the admission check and the bin loop report from different threads; observers see one notice at a time.
    void Publish(StreamNotice notice)
    {
        lock (_noticeGate) _notices.OnNext(notice);
    }

    async Task BinLoopAsync(CancellationToken ct)
    {
        var closed = new List<EventBin>();
        void Collect(EventBin bin) => closed.Add(bin);
        TimeSpan quiet = _options.Binning.QuietPeriod, idle = _options.Serving.StreamIdle;
        TimeSpan poll = quiet > TimeSpan.Zero ? TimeSpan.FromTicks(Math.Max(quiet.Ticks / 4, TimeSpan.TicksPerMillisecond)) : Timeout.InfiniteTimeSpan;
        if (idle > TimeSpan.Zero)
        {
            var idlePoll = TimeSpan.FromTicks(Math.Clamp(idle.Ticks / 4, TimeSpan.TicksPerMillisecond, TimeSpan.TicksPerSecond));
            if (poll == Timeout.InfiniteTimeSpan || idlePoll < poll) poll = idlePoll;
        }
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
                long now = Stopwatch.GetTimestamp();
                _binner.CloseQuiet(now, Collect);
                foreach (var stream in _admission.TakeIdle(now))
                {
                    _binner.Evict(stream, Collect);
                    Counters.Add(ref Counters.StreamsEvicted, 1);
                    Publish(new StreamNotice
                    {
                        Stream = stream,
                        Kind = StreamNoticeKind.StreamEvicted,
                        Message = $"no events for {idle.TotalSeconds:0.###} s: evicted (its bins and network state slot are freed)",
                    });
                }
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
