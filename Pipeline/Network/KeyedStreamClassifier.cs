using EventSnn.Ingest;
using EventSnn.Pipeline.Binning;
using EventSnn.Pipeline.Flow;

namespace EventSnn.Pipeline.Network;

/// <summary>
/// The seam between a message-driven worker (one that receives packets of many streams, keyed by stream id,
/// and must know which events each decision covers before it acknowledges them) and the binner + network
/// stage. Calls are synchronous and made from one thread at a time; decisions made by a call are appended to
/// the list given, in order. Counters keep the pipeline's identity: every event added is classified, dropped
/// (late, out of range) or discarded (<see cref="Forget"/>, <see cref="StartAt"/>).
/// </summary>
public interface IKeyedStreamClassifier : IDisposable
{
    /// <summary>The counters (received, classified, dropped by reason, bins, decisions).</summary>
    PipelineCounters Counters { get; }

    /// <summary>Bins and classifies the events of <paramref name="stream"/> (timestamps µs, non-decreasing); the caller keeps <paramref name="events"/>.</summary>
    void Add(string stream, EventBatch events, long arrivalTicks, List<StreamDecision> decisions);

    /// <summary>The stream ended: its open bin closes and, if a classification is open, it decides.</summary>
    void End(string stream, List<StreamDecision> decisions);

    /// <summary>Closes the open bins of streams quiet for the binning's quiet period (wall clock, Stopwatch ticks).</summary>
    void CloseQuiet(long nowTicks, List<StreamDecision> decisions);

    /// <summary>
    /// (Re)starts <paramref name="stream"/> with bins aligned at event time <paramref name="startUs"/> (the end of the
    /// stream's last decision, when another worker made it) and fresh network state. Returns the events discarded.
    /// </summary>
    long StartAt(string stream, long startUs);

    /// <summary>Forgets <paramref name="stream"/> without deciding; returns the events of its open bin, discarded.</summary>
    long Forget(string stream);
}

/// <summary>
/// <see cref="IKeyedStreamClassifier"/> over the current <see cref="OnlineBinner"/> and <see cref="NetworkStage"/>,
/// run inline on the caller's thread (no queues, nothing dropped for lack of room): the same per-stream logic as
/// <see cref="StreamPipeline.ClassifyOffline"/>.
/// </summary>
public sealed class InlineKeyedStreamClassifier : IKeyedStreamClassifier
{
    readonly OnlineBinner _binner;
    readonly NetworkStage _stage;
    List<StreamDecision>? _sink;

    /// <summary>Creates the binner and the stage (time bins only: a worker acknowledges packets by event time).</summary>
    public InlineKeyedStreamClassifier(OnlineBinningOptions binning, IStreamClassifierFactory classifiers, ExitRule exitRule)
    {
        if (binning.WindowUs <= 0 || binning.EventsPerBin > 0)
            throw new ArgumentException("a keyed classifier cuts bins by event time (--bin-us), not by event count");
        Counters = new PipelineCounters();
        _binner = new OnlineBinner(binning, Counters);
        _stage = new NetworkStage(classifiers, exitRule, Counters);
        _stage.Decisions.Subscribe(d => _sink?.Add(d));
    }

    /// <inheritdoc />
    public PipelineCounters Counters { get; }

    /// <inheritdoc />
    public void Add(string stream, EventBatch events, long arrivalTicks, List<StreamDecision> decisions)
    {
        Counters.Add(ref Counters.EventsReceived, events.Count);
        _sink = decisions;
        try { _binner.Add(new StreamBatch(stream, events, arrivalTicks), Step); }
        finally { _sink = null; }
    }

    /// <inheritdoc />
    public void End(string stream, List<StreamDecision> decisions)
    {
        _sink = decisions;
        try { _binner.EndStream(stream, Step); }
        finally { _sink = null; }
    }

    /// <inheritdoc />
    public void CloseQuiet(long nowTicks, List<StreamDecision> decisions)
    {
        _sink = decisions;
        try { _binner.CloseQuiet(nowTicks, Step); }
        finally { _sink = null; }
    }

    /// <inheritdoc />
    public long StartAt(string stream, long startUs)
    {
        _stage.Forget(stream);
        long discarded = _binner.StartAt(stream, startUs);
        Counters.Add(ref Counters.EventsDiscardedAtShutdown, discarded);
        return discarded;
    }

    /// <inheritdoc />
    public long Forget(string stream)
    {
        _stage.Forget(stream);
        long discarded = _binner.Forget(stream);
        Counters.Add(ref Counters.EventsDiscardedAtShutdown, discarded);
        return discarded;
    }

    void Step(EventBin bin)
    {
        try { _stage.Process(bin); }
        finally { bin.Release(); }
    }

    /// <inheritdoc />
    public void Dispose() => _stage.DisposeStreams();
}
