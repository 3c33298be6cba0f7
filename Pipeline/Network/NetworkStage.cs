using System.Diagnostics;
using System.Reactive.Subjects;
using EventSnn.Pipeline.Binning;
using EventSnn.Pipeline.Flow;

namespace EventSnn.Pipeline.Network;

/// <summary>
/// The network stage: one dedicated thread per model that takes closed bins from a queue, keeps one
/// classifier state and accumulated output Y(t) per stream, steps the classifier on each bin, asks the
/// cutoff whether to exit and, on exit, at T, or when the stream ends or goes quiet, publishes a
/// <see cref="StreamDecision"/> and resets that stream's state. If bins of a stream were dropped upstream
/// (a gap in <see cref="EventBin.Sequence"/>), the stream's state is reset without a decision.
/// </summary>
public sealed class NetworkStage
{
    readonly IStreamClassifierFactory _factory;
    readonly ExitRule _exit;
    readonly PipelineCounters _counters;
    readonly Subject<StreamDecision> _decisions = new();
    readonly Dictionary<string, StreamState> _streams = new(StringComparer.Ordinal);
    readonly ClassifierInfo _info;
    readonly float[] _output;
    bool _binCounted;

    sealed class StreamState(IStreamClassifier classifier, int classes)
    {
        public readonly IStreamClassifier Classifier = classifier;
        public readonly float[] Accumulated = new float[classes];
        public int Steps;
        public long Events;
        public long StartUs;
        public long NextSequence;
        public long LastArrivalTicks;
    }

    /// <summary>Creates the stage; nothing runs until <see cref="Run"/>.</summary>
    public NetworkStage(IStreamClassifierFactory factory, ExitRule exit, PipelineCounters counters)
    {
        _factory = factory;
        _exit = exit;
        _counters = counters;
        _info = factory.Info;
        _output = new float[_info.Classes];
    }

    /// <summary>Decisions as they are made (published on the stage's thread; keep observers quick).</summary>
    public IObservable<StreamDecision> Decisions => _decisions;

    /// <summary>
    /// Starts the stage's thread reading <paramref name="bins"/> until it completes. On cancellation the bins
    /// still queued are released and counted as discarded. The task ends when the thread has finished and
    /// every classifier is disposed; it faults if a classifier threw, after calling <paramref name="onFault"/>
    /// (which must make the upstream stages stop, so that the queue completes and can be drained).
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
                done.SetResult();
            }
            catch (Exception ex)
            {
                onFault?.Invoke();
                Drain(bins);
                _decisions.OnError(ex);
                done.SetException(ex);
            }
            finally
            {
                foreach (var s in _streams.Values) s.Classifier.Dispose();
                _streams.Clear();
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
        while (true)
        {
            if (ct.IsCancellationRequested) { Drain(bins); return; }
            if (bins.TryTake(out var bin))
            {
                _binCounted = false;
                try { Process(bin); }
                catch
                {
                    // The bin that failed is accounted for as discarded, so the counters still add up.
                    if (!_binCounted)
                    {
                        _counters.Add(ref _counters.BinsDiscardedAtShutdown, 1);
                        _counters.Add(ref _counters.EventsDiscardedAtShutdown, bin.EventCount);
                    }
                    throw;
                }
                finally { bin.Release(); }
                continue;
            }
            bool more;
            try
            {
                // Blocking wait on this dedicated thread: the model's work must stay on it.
                more = bins.Reader.WaitToReadAsync(ct).AsTask().GetAwaiter().GetResult();
            }
            catch (OperationCanceledException)
            {
                Drain(bins);
                return;
            }
            if (!more) return;
        }
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
        while (bins.TryTake(out var bin))
        {
            _counters.Add(ref _counters.BinsDiscardedAtShutdown, 1);
            _counters.Add(ref _counters.EventsDiscardedAtShutdown, bin.EventCount);
            bin.Release();
        }
    }

    /// <summary>Forgets <paramref name="stream"/>: its classifier is disposed and its classification so far discarded.</summary>
    internal void Forget(string stream)
    {
        if (_streams.Remove(stream, out var s)) s.Classifier.Dispose();
    }

    /// <summary>Disposes every stream's classifier (for owners that call <see cref="Process"/> directly).</summary>
    internal void DisposeStreams()
    {
        foreach (var s in _streams.Values) s.Classifier.Dispose();
        _streams.Clear();
    }

    /// <summary>Steps one bin synchronously on the calling thread (the offline path uses this directly).</summary>
    internal void Process(EventBin bin)
    {
        if (!_streams.TryGetValue(bin.Stream, out var s))
        {
            s = new StreamState(_factory.Create(), _info.Classes);
            _streams.Add(bin.Stream, s);
        }
        if (bin.Sequence != s.NextSequence)
        {
            // Bins were dropped: the membrane state no longer matches the stream, so start over.
            if (s.Steps > 0) _counters.Add(ref _counters.ClassificationsRestarted, 1);
            ResetState(s);
        }
        s.NextSequence = bin.Sequence + 1;
        if (s.Steps == 0) s.StartUs = bin.StartUs;

        _output.AsSpan().Clear();
        s.Classifier.Step(bin.Frame, _output);
        var acc = s.Accumulated;
        for (int k = 0; k < acc.Length; k++) acc[k] += _output[k];
        s.Steps++;
        s.Events += bin.EventCount;
        if (bin.EventCount > 0) s.LastArrivalTicks = bin.LastArrivalTicks;
        _counters.Add(ref _counters.BinsClassified, 1);
        _counters.Add(ref _counters.EventsClassified, bin.EventCount);
        _binCounted = true;

        DecisionReason? reason = null;
        if (_exit(acc, s.Steps)) reason = DecisionReason.Cutoff;
        else if (s.Steps >= _info.Timesteps) reason = DecisionReason.MaxTimesteps;
        else if (bin.Reason is BinCloseReason.StreamEnd or BinCloseReason.QuietPeriod) reason = DecisionReason.StreamEnd;
        if (reason is { } r) Decide(bin, s, r);
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
            LatencyMs = s.LastArrivalTicks == 0 ? 0 : (now - s.LastArrivalTicks) * 1000.0 / Stopwatch.Frequency,
            Reason = reason,
            Events = s.Events,
            Accumulated = (float[])acc.Clone(),
        };
        ResetState(s);
        _counters.Add(ref _counters.Decisions, 1);
        _decisions.OnNext(decision);
    }

    static void ResetState(StreamState s)
    {
        s.Classifier.Reset();
        Array.Clear(s.Accumulated);
        s.Steps = 0;
        s.Events = 0;
    }
}
