using System.Collections.Concurrent;
using System.Diagnostics;
using EventSnn.Pipeline.Binning;
using EventSnn.Pipeline.Network;

namespace EventSnn.Pipeline.Live;

/// <summary>Settings of a <see cref="LiveFeed"/>.</summary>
public sealed record LiveFeedOptions
{
    /// <summary>Class names of the model (empty when no model runs, e.g. a recording played without one).</summary>
    public IReadOnlyList<string> ClassNames { get; init; } = [];

    /// <summary>The model's T, timesteps per classification (0 without a model).</summary>
    public int Timesteps { get; init; }

    /// <summary>The calibrated Top-K thresholds β_t for t = 1..T (index t−1), in units of accumulated output; null for other cutoffs.</summary>
    public IReadOnlyList<double>? Thresholds { get; init; }

    /// <summary>Most frame and bar updates per second and stream a viewer receives (decisions are not limited).</summary>
    public double MaxUpdatesPerSecond { get; init; } = 20;

    /// <summary>Decisions kept for viewers that connect late or fall behind.</summary>
    public int DecisionLogCapacity { get; init; } = 10_000;

    /// <summary>Decisions per stream the rolling exit-step histogram and latency percentiles cover.</summary>
    public int RollingDecisions { get; init; } = 200;

    /// <summary>Largest side, in pixels, of the bin image sent to viewers (larger frames are downsampled by an integer factor).</summary>
    public int MaxImageSide { get; init; } = 128;
}

/// <summary>
/// The live view of a running pipeline, for any number of viewers: it keeps, per stream, the latest step
/// (Y(t), the Top-1/Top-2 gap, β_t) and a sampled bin image, and a log of decisions. Producers (the network
/// stage, through <see cref="IPipelineObserver"/>, and the decision stream) never wait on viewers: a step
/// arriving while a viewer copies that stream's state is skipped and counted, images are sampled at most
/// <see cref="LiveFeedOptions.MaxUpdatesPerSecond"/> times a second, and each viewer (<see cref="Connect"/>)
/// polls at its own pace, so a slow viewer sees fewer frame and bar updates. Decisions are kept in a log each
/// viewer reads from its own position: none is skipped unless a viewer falls more than
/// <see cref="LiveFeedOptions.DecisionLogCapacity"/> decisions behind, which it is told.
/// </summary>
public sealed class LiveFeed : IPipelineObserver
{
    readonly LiveFeedOptions _o;
    readonly ConcurrentDictionary<string, StreamView> _streams = new(StringComparer.Ordinal);
    readonly object _logGate = new();
    readonly LiveDecision[] _log;
    long _decisions;
    long _stepsSeen, _stepsSkipped, _imagesSampled, _updatesSent;
    int _viewers;
    readonly long _minImageTicks;
    volatile string? _ended;

    sealed class StreamView(string name, int classes, int rolling)
    {
        public readonly string Name = name;
        public readonly object Gate = new();
        public long Version;
        public int Step;
        public long StepsSeen;
        public float[] Accumulated = new float[classes];
        public long BinSequence, BinStartUs, BinEndUs;
        public int BinEvents;
        public byte[] Image = [];
        public int ImageWidth, ImageHeight;
        public long LastImageTicks;
        public long Decisions;
        public readonly int[] ExitSteps = new int[rolling];
        public readonly double[] Latencies = new double[rolling];
    }

    /// <summary>Creates an empty feed.</summary>
    public LiveFeed(LiveFeedOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.DecisionLogCapacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.RollingDecisions, 1);
        if (!(options.MaxUpdatesPerSecond > 0)) throw new ArgumentOutOfRangeException(nameof(options), "MaxUpdatesPerSecond must be > 0");
        _o = options;
        _log = new LiveDecision[options.DecisionLogCapacity];
        _minImageTicks = (long)(Stopwatch.Frequency / options.MaxUpdatesPerSecond);
    }

    /// <summary>The settings.</summary>
    public LiveFeedOptions Options => _o;

    /// <summary>Steps observed, over all streams.</summary>
    public long StepsSeen => Interlocked.Read(ref _stepsSeen);

    /// <summary>Steps not recorded because a viewer was copying that stream's state at that moment.</summary>
    public long StepsSkipped => Interlocked.Read(ref _stepsSkipped);

    /// <summary>Bin images copied for viewers (at most <see cref="LiveFeedOptions.MaxUpdatesPerSecond"/> per second and stream).</summary>
    public long ImagesSampled => Interlocked.Read(ref _imagesSampled);

    /// <summary>Stream updates (bars and image) sent to viewers, all viewers together.</summary>
    public long UpdatesSent => Interlocked.Read(ref _updatesSent);

    /// <summary>Decisions recorded.</summary>
    public long Decisions => Interlocked.Read(ref _decisions);

    /// <summary>Viewers connected now.</summary>
    public int Viewers => Volatile.Read(ref _viewers);

    /// <summary>Streams seen so far.</summary>
    public int Streams => _streams.Count;

    /// <summary>Null while the input runs; once it has ended, why (for example "input ended").</summary>
    public string? Ended => _ended;

    /// <summary>Marks the input as ended; viewers are told once.</summary>
    public void End(string why) => _ended = why;

    /// <inheritdoc />
    public void Stepped(EventBin bin, int step, ReadOnlySpan<float> accumulated)
    {
        Interlocked.Increment(ref _stepsSeen);
        var v = _streams.GetOrAdd(bin.Stream, static (name, o) => new StreamView(name, o.ClassNames.Count, o.RollingDecisions), _o);
        if (!Monitor.TryEnter(v.Gate))
        {
            Interlocked.Increment(ref _stepsSkipped);
            return;
        }
        try
        {
            v.StepsSeen++;
            v.Step = step;
            if (v.Accumulated.Length != accumulated.Length) v.Accumulated = new float[accumulated.Length];
            accumulated.CopyTo(v.Accumulated);
            v.BinSequence = bin.Sequence;
            v.BinStartUs = bin.StartUs;
            v.BinEndUs = bin.EndUs;
            v.BinEvents = bin.EventCount;
            long now = Stopwatch.GetTimestamp();
            // An empty bin keeps the last image that showed something.
            if (bin.EventCount > 0 && (v.LastImageTicks == 0 || now - v.LastImageTicks >= _minImageTicks))
            {
                v.LastImageTicks = now;
                CopyImage(bin, v);
                Interlocked.Increment(ref _imagesSampled);
            }
            v.Version++;
        }
        finally { Monitor.Exit(v.Gate); }
    }

    void CopyImage(EventBin bin, StreamView v)
    {
        int h = bin.Height, w = bin.Width;
        int f = Math.Max(1, (Math.Max(h, w) + _o.MaxImageSide - 1) / _o.MaxImageSide);
        int ih = (h + f - 1) / f, iw = (w + f - 1) / f;
        if (v.Image.Length != ih * iw) v.Image = new byte[ih * iw];
        else Array.Clear(v.Image);
        v.ImageWidth = iw;
        v.ImageHeight = ih;
        var frame = bin.Frame;
        int plane = h * w;
        var image = v.Image;
        for (int y = 0; y < h; y++)
        {
            int row = y * w, irow = y / f * iw;
            for (int x = 0; x < w; x++)
            {
                // 1 = OFF, 2 = ON, 3 = both.
                byte b = 0;
                if (frame[row + x] > 0) b |= 1;
                if (frame[plane + row + x] > 0) b |= 2;
                if (b != 0) image[irow + x / f] |= b;
            }
        }
    }

    /// <summary>Records a decision (call from the pipeline's decision stream; returns at once).</summary>
    public void Decided(StreamDecision d)
    {
        double gap = Gap(d.Accumulated);
        double? beta = BetaAt(d.Timestep);
        var v = _streams.GetOrAdd(d.Stream, static (name, o) => new StreamView(name, o.ClassNames.Count, o.RollingDecisions), _o);
        long seq;
        lock (_logGate)
        {
            seq = _decisions;
            _log[seq % _log.Length] = new LiveDecision
            {
                Sequence = seq,
                Stream = d.Stream,
                Class = d.Class,
                Label = d.Label,
                Confidence = d.Confidence,
                Timestep = d.Timestep,
                EventTimeUs = d.EventTimeUs,
                StartTimeUs = d.StartTimeUs,
                LatencyMs = d.LatencyMs,
                Reason = d.Reason,
                Events = d.Events,
                Accumulated = d.Accumulated,
                Gap = gap,
                Beta = beta,
            };
            Volatile.Write(ref _decisions, seq + 1);
        }
        // Rolling statistics: a viewer copying them briefly holds this lock; decisions are rare (≤ 1 per step).
        lock (v.Gate)
        {
            int i = (int)(v.Decisions % v.ExitSteps.Length);
            v.ExitSteps[i] = d.Timestep;
            v.Latencies[i] = d.LatencyMs;
            v.Decisions++;
            v.Version++;
        }
    }

    double? BetaAt(int t) => _o.Thresholds is { } b && t >= 1 && t <= b.Count ? b[t - 1] : null;

    static double Gap(ReadOnlySpan<float> y)
    {
        if (y.Length < 2) return 0;
        float a = float.NegativeInfinity, b = float.NegativeInfinity;
        foreach (float v in y)
        {
            if (v > a) { b = a; a = v; }
            else if (v > b) b = v;
        }
        return a - b;
    }

    /// <summary>A new viewer: it first receives every decision still in the log and the latest state of every stream.</summary>
    public LiveViewer Connect()
    {
        Interlocked.Increment(ref _viewers);
        long first;
        lock (_logGate) first = Math.Max(0, _decisions - _log.Length);
        return new LiveViewer(this, first);
    }

    internal void Disconnect() => Interlocked.Decrement(ref _viewers);

    internal long ReadDecisions(long from, List<LiveDecision> into, int max, out long missed)
    {
        lock (_logGate)
        {
            long oldest = Math.Max(0, _decisions - _log.Length);
            missed = Math.Max(0, oldest - from);
            from = Math.Max(from, oldest);
            long end = Math.Min(_decisions, from + max);
            for (long s = from; s < end; s++) into.Add(_log[s % _log.Length]);
            return end;
        }
    }

    internal void ReadStreams(Dictionary<string, long> sent, List<LiveStreamUpdate> into)
    {
        foreach (var v in _streams.Values)
        {
            LiveStreamUpdate u;
            int[] exits;
            double[] latencies;
            lock (v.Gate)
            {
                if (sent.TryGetValue(v.Name, out long version) && version == v.Version) continue;
                sent[v.Name] = v.Version;
                int n = (int)Math.Min(v.Decisions, v.ExitSteps.Length);
                exits = v.ExitSteps.AsSpan(0, n).ToArray();
                latencies = v.Latencies.AsSpan(0, n).ToArray();
                u = new LiveStreamUpdate
                {
                    Stream = v.Name,
                    Step = v.Step,
                    StepsSeen = v.StepsSeen,
                    Accumulated = (float[])v.Accumulated.Clone(),
                    BinSequence = v.BinSequence,
                    BinStartUs = v.BinStartUs,
                    BinEndUs = v.BinEndUs,
                    BinEvents = v.BinEvents,
                    ImageWidth = v.ImageWidth,
                    ImageHeight = v.ImageHeight,
                    Image = (byte[])v.Image.Clone(),
                    Decisions = v.Decisions,
                };
            }
            // Derived values are computed outside the lock.
            var hist = new int[Math.Max(_o.Timesteps, exits.Length == 0 ? 0 : exits.Max()) + 1];
            foreach (int t in exits) if (t >= 0 && t < hist.Length) hist[t]++;
            Array.Sort(latencies);
            into.Add(u with
            {
                Top1 = u.Accumulated.Length == 0 ? null : Array.IndexOf(u.Accumulated, u.Accumulated.Max()),
                Gap = u.Accumulated.Length < 2 ? null : Gap(u.Accumulated),
                Beta = BetaAt(u.Step),
                ExitStepHistogram = hist,
                LatencyP50Ms = Percentile(latencies, 0.50),
                LatencyP90Ms = Percentile(latencies, 0.90),
                LatencyP99Ms = Percentile(latencies, 0.99),
            });
            Interlocked.Increment(ref _updatesSent);
        }
    }

    static double? Percentile(double[] sorted, double q)
    {
        if (sorted.Length == 0) return null;
        // Nearest rank.
        int rank = (int)Math.Ceiling(q * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }
}

/// <summary>
/// One viewer's position in a <see cref="LiveFeed"/>: each <see cref="Poll"/> returns the decisions made since
/// the previous poll (all of them) and the streams whose state changed (latest state only). Dispose when the
/// viewer leaves. Not thread-safe: one poller per viewer.
/// </summary>
public sealed class LiveViewer : IDisposable
{
    readonly LiveFeed _feed;
    readonly Dictionary<string, long> _sent = new(StringComparer.Ordinal);
    long _next;
    bool _endSent, _disposed;

    internal LiveViewer(LiveFeed feed, long first)
    {
        _feed = feed;
        _next = first;
    }

    /// <summary>Decisions this viewer could not be given because it fell further behind than the log holds.</summary>
    public long DecisionsMissed { get; private set; }

    /// <summary>What changed since the last poll; <paramref name="maxDecisions"/> bounds one batch (the rest follow on the next poll).</summary>
    public LivePoll Poll(int maxDecisions = 1000)
    {
        var decisions = new List<LiveDecision>();
        _next = _feed.ReadDecisions(_next, decisions, maxDecisions, out long missed);
        DecisionsMissed += missed;
        var streams = new List<LiveStreamUpdate>();
        _feed.ReadStreams(_sent, streams);
        string? ended = null;
        if (!_endSent && _feed.Ended is { } why && _next >= _feed.Decisions)
        {
            ended = why;
            _endSent = true;
        }
        return new LivePoll(decisions, streams, missed, ended);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _feed.Disconnect();
    }
}

/// <summary>One poll of a <see cref="LiveViewer"/>.</summary>
/// <param name="Decisions">Decisions since the previous poll, oldest first.</param>
/// <param name="Streams">Streams whose state changed since the previous poll.</param>
/// <param name="DecisionsMissed">Decisions that fell out of the log before this viewer read them (normally 0).</param>
/// <param name="Ended">Set once, after the last decision, when the input has ended: why.</param>
public sealed record LivePoll(IReadOnlyList<LiveDecision> Decisions, IReadOnlyList<LiveStreamUpdate> Streams, long DecisionsMissed, string? Ended);

/// <summary>A decision as viewers receive it: the decision plus the Top-1/Top-2 gap and β_t at its exit step.</summary>
public sealed record LiveDecision
{
    /// <summary>Index of the decision in the feed, from 0.</summary>
    public long Sequence { get; init; }
    /// <summary>The stream decided on.</summary>
    public required string Stream { get; init; }
    /// <summary>Predicted class index.</summary>
    public int Class { get; init; }
    /// <summary>Predicted class name.</summary>
    public required string Label { get; init; }
    /// <summary>Softmax probability of the predicted class over Y(t)/t.</summary>
    public double Confidence { get; init; }
    /// <summary>Exit step t (1-based).</summary>
    public int Timestep { get; init; }
    /// <summary>Event time of the end of the deciding bin, µs.</summary>
    public long EventTimeUs { get; init; }
    /// <summary>Event time of the start of the classification's first bin, µs.</summary>
    public long StartTimeUs { get; init; }
    /// <summary>Wall-clock ms from the arrival of the deciding bin's last event to the decision.</summary>
    public double LatencyMs { get; init; }
    /// <summary>Why it decided.</summary>
    public DecisionReason Reason { get; init; }
    /// <summary>Events in the classification's bins.</summary>
    public long Events { get; init; }
    /// <summary>Y(t) at the exit step.</summary>
    public required float[] Accumulated { get; init; }
    /// <summary>Top-1 minus Top-2 of Y(t) at the exit step.</summary>
    public double Gap { get; init; }
    /// <summary>β_t at the exit step (Top-K cutoff only).</summary>
    public double? Beta { get; init; }
}

/// <summary>The latest state of one stream as a viewer receives it.</summary>
public sealed record LiveStreamUpdate
{
    /// <summary>The stream.</summary>
    public required string Stream { get; init; }
    /// <summary>Timestep t of the current classification at the latest step (bin index within it, 1-based).</summary>
    public int Step { get; init; }
    /// <summary>Steps (bins) observed on this stream so far.</summary>
    public long StepsSeen { get; init; }
    /// <summary>Y(t) at the latest step, one value per class (empty without a model).</summary>
    public required float[] Accumulated { get; init; }
    /// <summary>Class with the largest Y(t) (null without a model).</summary>
    public int? Top1 { get; init; }
    /// <summary>Top-1 minus Top-2 of Y(t) (null without a model).</summary>
    public double? Gap { get; init; }
    /// <summary>β_t at the latest step (Top-K cutoff only).</summary>
    public double? Beta { get; init; }
    /// <summary>Index of the latest bin in its stream.</summary>
    public long BinSequence { get; init; }
    /// <summary>Event time of the latest bin's start, µs.</summary>
    public long BinStartUs { get; init; }
    /// <summary>Event time of the latest bin's end, µs.</summary>
    public long BinEndUs { get; init; }
    /// <summary>Events in the latest bin.</summary>
    public int BinEvents { get; init; }
    /// <summary>Width of <see cref="Image"/> in pixels.</summary>
    public int ImageWidth { get; init; }
    /// <summary>Height of <see cref="Image"/> in pixels.</summary>
    public int ImageHeight { get; init; }
    /// <summary>The latest sampled non-empty bin, row-major, one byte per pixel: 0 none, 1 OFF, 2 ON, 3 both (base64 in JSON).</summary>
    public required byte[] Image { get; init; }
    /// <summary>Decisions on this stream so far.</summary>
    public long Decisions { get; init; }
    /// <summary>Rolling exit-step histogram: index t counts the recent decisions taken at step t (index 0 unused).</summary>
    public int[] ExitStepHistogram { get; init; } = [];
    /// <summary>Median latency of the recent decisions, ms.</summary>
    public double? LatencyP50Ms { get; init; }
    /// <summary>90th percentile latency of the recent decisions, ms.</summary>
    public double? LatencyP90Ms { get; init; }
    /// <summary>99th percentile latency of the recent decisions, ms.</summary>
    public double? LatencyP99Ms { get; init; }
}
