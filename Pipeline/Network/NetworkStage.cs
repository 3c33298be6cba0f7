using System.Diagnostics;
using System.Reactive.Subjects;
using EventSnn.Pipeline.Binning;
using EventSnn.Pipeline.Flow;

namespace EventSnn.Pipeline.Network;

/// <summary>
/// The network stage, a sequence batcher: one dedicated thread per model that takes closed bins from a queue into
/// per-stream queues and, each tick, gathers the oldest pending bin of every stream that has one, oldest first, up to
/// <see cref="ServingOptions.MaxBatch"/> streams, and runs ONE step of the model on them, each stream's carried state
/// in its own slot. It then adds each stream's output to its accumulated output Y(t), asks the cutoff whether to exit
/// and, on exit, at T, or when the stream ends or goes quiet, publishes a <see cref="StreamDecision"/> and resets that
/// stream's slot. If bins of a stream were dropped upstream (a gap in <see cref="EventBin.Sequence"/>), its slot is
/// reset without a decision. A stream's slot is freed after it has sent no bin for <see cref="ServingOptions.StreamIdle"/>
/// (or, when every slot is taken, the least recently active stream without pending bins gives its slot up).
/// </summary>
public sealed class NetworkStage
{
    readonly IBatchedClassifier _model;
    readonly ExitRule _exit;
    readonly PipelineCounters _counters;
    readonly ServingOptions _serving;
    readonly Subject<StreamDecision> _decisions = new();
    readonly Subject<StreamStepOutput> _steps = new();
    readonly Dictionary<string, StreamState> _streams = new(StringComparer.Ordinal);
    readonly Stack<int> _freeSlots = new();
    readonly ClassifierInfo _info;
    readonly int _frameLength;
    readonly float[] _frames, _outputs;
    readonly int[] _slots;
    readonly StreamState[] _batch;
    readonly EventBin[] _batchBins;
    readonly List<StreamState> _ready = new();
    readonly long _idleTicks;
    int _slotsInUse, _pending;
    long _arrivals, _lastIdleCheck;

    sealed class StreamState(string name, int slot, int classes)
    {
        public readonly string Name = name;
        public readonly int Slot = slot;
        public readonly float[] Accumulated = new float[classes];
        public readonly Queue<(EventBin Bin, long Arrival)> Pending = new();
        public int Steps;
        public long Events;
        public long StartUs;
        public long NextSequence;
        public long LastArrivalTicks;
        public long LastActiveTicks;
    }

    /// <summary>Creates the stage over a loaded model; nothing runs until <see cref="Run"/>.</summary>
    public NetworkStage(IBatchedClassifier model, ExitRule exit, PipelineCounters counters, ServingOptions? serving = null)
    {
        _model = model;
        _exit = exit;
        _counters = counters;
        _serving = serving ?? new ServingOptions();
        _serving.Validate();
        _info = model.Info;
        _frameLength = 2 * _info.Height * _info.Width;
        int b = _serving.MaxBatch;
        _frames = new float[b * _frameLength];
        _outputs = new float[b * _info.Classes];
        _slots = new int[b];
        _batch = new StreamState[b];
        _batchBins = new EventBin[b];
        _idleTicks = _serving.StreamIdle > TimeSpan.Zero ? (long)(_serving.StreamIdle.TotalSeconds * Stopwatch.Frequency) : 0;
    }

    /// <summary>Optional watcher told of every step (on this stage's thread, before the cutoff is asked).</summary>
    public Live.IPipelineObserver? Observer { get; init; }

    /// <summary>Decisions as they are made (published on the stage's thread; keep observers quick).</summary>
    public IObservable<StreamDecision> Decisions => _decisions;

    /// <summary>Every stream's per-step output O(t) as it is computed (published on the stage's thread, before any decision of that step).</summary>
    public IObservable<StreamStepOutput> Steps => _steps;

    /// <summary>Streams holding a state slot now.</summary>
    public int ActiveStreams => Volatile.Read(ref _slotsInUse);

    /// <summary>
    /// Starts the stage's thread reading <paramref name="bins"/> until it completes. On cancellation the bins
    /// still queued are released and counted as discarded. The task ends when the thread has finished; it faults
    /// if the model threw, after calling <paramref name="onFault"/> (which must make the upstream stages stop, so
    /// that the queue completes and can be drained). The model is not disposed (its owner does that).
    /// </summary>
    public Task Run(StageChannel<EventBin> bins, CancellationToken cancellationToken, Action? onFault = null)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                Loop(bins, cancellationToken);
                _decisions.OnCompleted();
                _steps.OnCompleted();
                done.SetResult();
            }
            catch (Exception ex)
            {
                onFault?.Invoke();
                DiscardPending();
                Drain(bins);
                _decisions.OnError(ex);
                _steps.OnError(ex);
                done.SetException(ex);
            }
        })
        {
            IsBackground = true,
            Name = "EventSnn network stage",
        };
        thread.Start();
        return done.Task;
    }

    void Loop(StageChannel<EventBin> bins, CancellationToken ct)
    {
        bool completed = false;
        Task<bool>? waiting = null;
        while (true)
        {
            if (ct.IsCancellationRequested) { DiscardPending(); Drain(bins); return; }
            // Take what is queued, up to the stage's own bound, so a tick sees every stream that has a bin ready.
            while (_pending < _serving.MaxPendingBins && bins.TryTake(out var bin)) Enqueue(bin);
            if (_pending > 0)
            {
                Tick();
                continue;
            }
            EvictIdle(Stopwatch.GetTimestamp(), force: false);
            if (completed) return;
            try
            {
                // Blocking wait on this dedicated thread: the model's work must stay on it. Wakes up now and then to free
                // idle slots, keeping the same wait (one waiter on the queue, however long it stays idle).
                waiting ??= bins.Reader.WaitToReadAsync(ct).AsTask();
                if (_idleTicks > 0 && !waiting.Wait(TimeSpan.FromSeconds(1))) continue;
                var more = waiting.GetAwaiter().GetResult();
                waiting = null;
                if (!more) completed = true;
            }
            catch (Exception e) when (e is OperationCanceledException || (e is AggregateException a && a.InnerException is OperationCanceledException))
            {
                DiscardPending();
                Drain(bins);
                return;
            }
        }
    }

    void Enqueue(EventBin bin)
    {
        if (!_streams.TryGetValue(bin.Stream, out var s))
        {
            if (!TryTakeSlot(out int slot))
            {
                // Every slot is held by a stream with bins pending: no room for this one now.
                _counters.Add(ref _counters.BinsDropped, 1);
                _counters.Add(ref _counters.EventsInDroppedBins, bin.EventCount);
                bin.Release();
                return;
            }
            s = new StreamState(bin.Stream, slot, _info.Classes) { NextSequence = bin.Sequence };
            _streams.Add(bin.Stream, s);
        }
        s.Pending.Enqueue((bin, _arrivals++));
        s.LastActiveTicks = Stopwatch.GetTimestamp();
        _pending++;
    }

    bool TryTakeSlot(out int slot)
    {
        if (_freeSlots.Count == 0)
        {
            if (_slotsInUse < _serving.MaxStreams)
            {
                // Slots are numbered in order of first use; the model's state grows in doubling steps.
                slot = _slotsInUse;
                if (slot >= _model.Slots) _model.EnsureSlots(Math.Min(_serving.MaxStreams, Math.Max(slot + 1, 2 * _model.Slots)));
                Interlocked.Increment(ref _slotsInUse);
                _model.Reset(slot);
                return true;
            }
            EvictIdle(Stopwatch.GetTimestamp(), force: true);
        }
        if (_freeSlots.Count == 0) { slot = -1; return false; }
        slot = _freeSlots.Pop();
        Interlocked.Increment(ref _slotsInUse);
        _model.Reset(slot);
        return true;
    }

    // Frees the slots of streams without pending bins that have been idle for the idle time; with force, the least
    // recently active of them when none is that idle.
    void EvictIdle(long now, bool force)
    {
        if (!force && (_idleTicks == 0 || now - _lastIdleCheck < Stopwatch.Frequency)) return;
        _lastIdleCheck = now;
        StreamState? oldest = null;
        List<string>? gone = null;
        foreach (var s in _streams.Values)
        {
            if (s.Pending.Count > 0) continue;
            if (_idleTicks > 0 && now - s.LastActiveTicks >= _idleTicks) (gone ??= new()).Add(s.Name);
            else if (oldest is null || s.LastActiveTicks < oldest.LastActiveTicks) oldest = s;
        }
        if (force && gone is null && oldest is not null) gone = [oldest.Name];
        if (gone is null) return;
        foreach (var name in gone)
        {
            var s = _streams[name];
            _streams.Remove(name);
            _freeSlots.Push(s.Slot);
            Interlocked.Decrement(ref _slotsInUse);
        }
    }

    // One step of the model on the oldest pending bin of up to MaxBatch streams, oldest first.
    void Tick()
    {
        _ready.Clear();
        foreach (var s in _streams.Values) if (s.Pending.Count > 0) _ready.Add(s);
        if (_ready.Count > 1) _ready.Sort(static (a, b) => a.Pending.Peek().Arrival.CompareTo(b.Pending.Peek().Arrival));
        int n = Math.Min(_ready.Count, _serving.MaxBatch);
        for (int i = 0; i < n; i++)
        {
            var s = _ready[i];
            var (bin, _) = s.Pending.Dequeue();
            _pending--;
            if (bin.Sequence != s.NextSequence)
            {
                // Bins were dropped: the membrane state no longer matches the stream, so start over.
                if (s.Steps > 0) _counters.Add(ref _counters.ClassificationsRestarted, 1);
                ResetStream(s);
            }
            s.NextSequence = bin.Sequence + 1;
            if (s.Steps == 0) s.StartUs = bin.StartUs;
            bin.Frame.CopyTo(_frames.AsSpan(i * _frameLength, _frameLength));
            _slots[i] = s.Slot;
            _batch[i] = s;
            _batchBins[i] = bin;
        }
        int k = _info.Classes;
        try
        {
            _outputs.AsSpan(0, n * k).Clear();
            _model.Step(_slots.AsSpan(0, n), _frames.AsSpan(0, n * _frameLength), _outputs.AsSpan(0, n * k));
        }
        catch
        {
            // The bins of the failed step are accounted for as discarded, so the counters still add up.
            for (int i = 0; i < n; i++)
            {
                _counters.Add(ref _counters.BinsDiscardedAtShutdown, 1);
                _counters.Add(ref _counters.EventsDiscardedAtShutdown, _batchBins[i].EventCount);
                _batchBins[i].Release();
                _batchBins[i] = null!;
                _batch[i] = null!;
            }
            throw;
        }
        for (int i = 0; i < n; i++)
        {
            var s = _batch[i];
            var bin = _batchBins[i];
            try { Account(s, bin, _outputs.AsSpan(i * k, k)); }
            finally
            {
                bin.Release();
                _batch[i] = null!;
                _batchBins[i] = null!;
            }
        }
        _counters.Add(ref _counters.NetworkSteps, 1);
    }

    void Account(StreamState s, EventBin bin, ReadOnlySpan<float> output)
    {
        var acc = s.Accumulated;
        for (int c = 0; c < acc.Length; c++) acc[c] += output[c];
        s.Steps++;
        s.Events += bin.EventCount;
        if (bin.EventCount > 0) s.LastArrivalTicks = bin.LastArrivalTicks;
        _counters.Add(ref _counters.BinsClassified, 1);
        _counters.Add(ref _counters.EventsClassified, bin.EventCount);
        if (_steps.HasObservers) _steps.OnNext(new StreamStepOutput(s.Name, s.Steps, bin.Sequence, output.ToArray()));
        Observer?.Stepped(bin, s.Steps, acc);

        DecisionReason? reason = null;
        if (_exit(acc, s.Steps)) reason = DecisionReason.Cutoff;
        else if (s.Steps >= _info.Timesteps) reason = DecisionReason.MaxTimesteps;
        else if (bin.Reason is BinCloseReason.StreamEnd or BinCloseReason.QuietPeriod) reason = DecisionReason.StreamEnd;
        if (reason is { } r) Decide(bin, s, r);
    }

    /// <summary>Queues one bin of its stream without stepping (a caller that drives the stage itself; see <see cref="StepPending"/>).</summary>
    internal void Submit(EventBin bin) => Enqueue(bin);

    /// <summary>Steps, on the calling thread, until no stream has a bin pending: streams with bins queued are batched together.</summary>
    internal void StepPending()
    {
        while (_pending > 0) Tick();
    }

    /// <summary>
    /// Forgets <paramref name="stream"/>: its pending bins are discarded (and counted), its classification so far
    /// dropped and its slot freed. Returns the events of the discarded bins.
    /// </summary>
    internal long Forget(string stream)
    {
        if (!_streams.Remove(stream, out var s)) return 0;
        long events = 0;
        while (s.Pending.TryDequeue(out var p))
        {
            events += p.Bin.EventCount;
            Discard(p.Bin);
            _pending--;
        }
        _freeSlots.Push(s.Slot);
        Interlocked.Decrement(ref _slotsInUse);
        return events;
    }

    /// <summary>Steps one bin synchronously on the calling thread (the offline path uses this directly).</summary>
    internal void Process(EventBin bin)
    {
        Enqueue(bin);
        while (_pending > 0) Tick();
    }

    // Discards every bin until the binner has completed the queue, so none slips in uncounted.
    void Drain(StageChannel<EventBin> bins)
    {
        do DrainQueued(bins);
        while (WaitQuietly(bins));
    }

    static bool WaitQuietly(StageChannel<EventBin> bins)
    {
        try { return bins.Reader.WaitToReadAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult(); }
        catch (Exception) { return false; }
    }

    void DrainQueued(StageChannel<EventBin> bins)
    {
        while (bins.TryTake(out var bin)) Discard(bin);
    }

    void DiscardPending()
    {
        foreach (var s in _streams.Values)
            while (s.Pending.TryDequeue(out var p)) Discard(p.Bin);
        _pending = 0;
    }

    void Discard(EventBin bin)
    {
        _counters.Add(ref _counters.BinsDiscardedAtShutdown, 1);
        _counters.Add(ref _counters.EventsDiscardedAtShutdown, bin.EventCount);
        bin.Release();
    }

    void Decide(EventBin bin, StreamState s, DecisionReason reason)
    {
        var acc = s.Accumulated;
        int best = 0;
        for (int k = 1; k < acc.Length; k++) if (acc[k] > acc[best]) best = k;
        // Softmax of the mean output, computed stably.
        double max = acc[best] / (double)s.Steps, sum = 0;
        for (int k = 0; k < acc.Length; k++) sum += Math.Exp(acc[k] / (double)s.Steps - max);
        long now = Stopwatch.GetTimestamp();
        var decision = new StreamDecision
        {
            Stream = bin.Stream,
            Class = best,
            Label = best < _info.ClassNames.Count ? _info.ClassNames[best] : best.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Confidence = 1.0 / sum,
            Timestep = s.Steps,
            EventTimeUs = bin.EndUs,
            StartTimeUs = s.StartUs,
            LatencyMs = LatencyMs(bin, s, now),
            Reason = reason,
            Events = s.Events,
            Accumulated = (float[])acc.Clone(),
        };
        ResetStream(s);
        _counters.Add(ref _counters.Decisions, 1);
        _decisions.OnNext(decision);
    }

    /// <summary>
    /// Wall-clock ms from the deciding bin's last event to the decision; for a bin closed because the stream went
    /// quiet or ended, from the bin's close instead: the wait for silence is how the end is known, not processing.
    /// </summary>
    static double LatencyMs(EventBin bin, StreamState s, long now)
    {
        long from = bin.Reason is BinCloseReason.QuietPeriod or BinCloseReason.StreamEnd && bin.ClosedTicks > 0
            ? bin.ClosedTicks
            : s.LastArrivalTicks;
        return from == 0 ? 0 : Math.Max(0, now - from) * 1000.0 / Stopwatch.Frequency;
    }

    void ResetStream(StreamState s)
    {
        _model.Reset(s.Slot);
        Array.Clear(s.Accumulated);
        s.Steps = 0;
        s.Events = 0;
    }
}

/// <summary>One stream's per-step output O(t) (not accumulated), as the network stage computed it.</summary>
/// <param name="Stream">The stream.</param>
/// <param name="Timestep">Step of the current classification, 1-based.</param>
/// <param name="Sequence">Sequence number of the bin stepped on.</param>
/// <param name="Output">O(t), one value per class.</param>
public sealed record StreamStepOutput(string Stream, int Timestep, long Sequence, float[] Output);
