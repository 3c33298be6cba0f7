using EventSnn.Ingest;
using EventSnn.Pipeline.Binning;
using EventSnn.Pipeline.Flow;

namespace EventSnn.Pipeline.Network;

/// <summary>
/// The seam between a message-driven worker (one that receives packets of many streams, keyed by stream id,
/// and must know which events each decision covers before it acknowledges them) and the binner + network
/// stage. Calls are synchronous and made from one thread at a time. <see cref="Add"/> and <see cref="End"/> only
/// queue the bins they close; <see cref="Step"/> runs the network on everything queued (streams batched together)
/// and appends the decisions made, in order per stream. Counters keep the pipeline's identity: every event added is
/// classified, dropped (late, out of range, no state slot) or discarded (<see cref="Forget"/>, <see cref="StartAt"/>).
/// </summary>
public interface IKeyedStreamClassifier : IDisposable
{
    /// <summary>The counters (received, classified, dropped by reason, bins, decisions).</summary>
    PipelineCounters Counters { get; }

    /// <summary>Bins the events of <paramref name="stream"/> (timestamps µs, non-decreasing); the caller keeps <paramref name="events"/>.</summary>
    void Add(string stream, EventBatch events, long arrivalTicks);

    /// <summary>The stream ended: its open bin closes (and its classification decides at the next <see cref="Step"/>).</summary>
    void End(string stream);

    /// <summary>Closes the open bins of streams quiet for the binning's quiet period (wall clock, Stopwatch ticks).</summary>
    void CloseQuiet(long nowTicks);

    /// <summary>Steps the network until no closed bin is left; appends the decisions made to <paramref name="decisions"/>.</summary>
    void Step(List<StreamDecision> decisions);

    /// <summary>
    /// (Re)starts <paramref name="stream"/> with bins aligned at event time <paramref name="startUs"/> (the end of the
    /// stream's last decision, when another worker made it) and fresh network state. Returns the events discarded.
    /// </summary>
    long StartAt(string stream, long startUs);

    /// <summary>Forgets <paramref name="stream"/> without deciding; returns the events of its open bin, discarded.</summary>
    long Forget(string stream);
}

/// <summary>
/// <see cref="IKeyedStreamClassifier"/> over the <see cref="OnlineBinner"/> and the multi-stream <see cref="NetworkStage"/>
/// (one network, a state slot per stream, the bins queued by <see cref="Add"/> stepped in batches by <see cref="Step"/>),
/// run on the caller's thread: no queues between the stages, so nothing is dropped for lack of room, and each stream
/// gets the decisions <see cref="StreamPipeline.ClassifyOffline(string, Ingest.EventBatch, OnlineBinningOptions, IBatchedClassifier, ExitRule, PipelineCounters?, Action{StreamStepOutput}?)"/> gives.
/// </summary>
public sealed class InlineKeyedStreamClassifier : IKeyedStreamClassifier
{
    readonly OnlineBinner _binner;
    readonly NetworkStage _stage;
    readonly Action<EventBin> _submit;
    List<StreamDecision>? _sink;

    /// <summary>
    /// Creates the binner and the stage over <paramref name="model"/> (kept by the caller). Time bins only: a worker
    /// acknowledges packets by event time. Streams are never evicted for idleness here (<see cref="Forget"/> frees a slot).
    /// </summary>
    public InlineKeyedStreamClassifier(OnlineBinningOptions binning, IBatchedClassifier model, ExitRule exitRule, ServingOptions? serving = null, Action<StreamNotice>? notice = null)
    {
        if (binning.WindowUs <= 0 || binning.EventsPerBin > 0)
            throw new ArgumentException("a keyed classifier cuts bins by event time (--bin-us), not by event count");
        Counters = new PipelineCounters();
        _binner = new OnlineBinner(binning, Counters, notice);
        _stage = new NetworkStage(model, exitRule, Counters, (serving ?? new ServingOptions()) with { StreamIdle = TimeSpan.Zero });
        _stage.Decisions.Subscribe(d => _sink?.Add(d));
        _submit = _stage.Submit;
    }

    /// <inheritdoc />
    public PipelineCounters Counters { get; }

    /// <inheritdoc />
    public void Add(string stream, EventBatch events, long arrivalTicks)
    {
        Counters.Add(ref Counters.EventsReceived, events.Count);
        _binner.Add(new StreamBatch(stream, events, arrivalTicks), _submit);
    }

    /// <inheritdoc />
    public void End(string stream) => _binner.EndStream(stream, _submit);

    /// <inheritdoc />
    public void CloseQuiet(long nowTicks) => _binner.CloseQuiet(nowTicks, _submit);

    /// <inheritdoc />
    public void Step(List<StreamDecision> decisions)
    {
        _sink = decisions;
        try { _stage.StepPending(); }
        finally { _sink = null; }
    }

    /// <inheritdoc />
    public long StartAt(string stream, long startUs)
    {
        long queued = _stage.Forget(stream); // counted by the stage
        long open = _binner.StartAt(stream, startUs);
        Counters.Add(ref Counters.EventsDiscardedAtShutdown, open);
        return queued + open;
    }

    /// <inheritdoc />
    public long Forget(string stream)
    {
        long queued = _stage.Forget(stream); // counted by the stage
        long open = _binner.Forget(stream);
        Counters.Add(ref Counters.EventsDiscardedAtShutdown, open);
        return queued + open;
    }

    /// <inheritdoc />
    public void Dispose() => _binner.DiscardOpen();
}
