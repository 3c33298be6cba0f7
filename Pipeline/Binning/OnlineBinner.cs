using System.Buffers;
using System.Diagnostics;
using EventSnn.Ingest.Binning;
using EventSnn.Pipeline.Flow;

namespace EventSnn.Pipeline.Binning;

/// <summary>
/// Cuts event streams into frames as the events arrive, one open bin per stream. Time bins start at the
/// stream's first event and are <see cref="OnlineBinningOptions.WindowUs"/> long; a bin closes when an event
/// at or past its end arrives (event time, so a replay at any speed gives the same bins), when the stream
/// has been quiet for the quiet period (wall clock), or when the stream ends; each closed bin says which.
/// Events older than the open bin, or outside the frame after downsampling, are dropped and counted.
/// Not thread-safe: one stage owns it.
/// </summary>
public sealed class OnlineBinner
{
    readonly OnlineBinningOptions _o;
    readonly PipelineCounters _counters;
    readonly Dictionary<string, StreamState> _streams = new(StringComparer.Ordinal);
    readonly long _quietTicks;
    readonly int _frameLength;

    readonly Action<StreamNotice>? _notice;

    sealed class StreamState
    {
        public EventBin? Open;
        public long NextSequence;
        public long LastArrivalTicks;
        // Where the stream's pixels land in the model's input (set by MapSensor for the stream's sensor size).
        public PixelMap Map;
        public int SensorWidth = -1, SensorHeight = -1;
        public bool ToldOutOfRange;
    }

    /// <summary>
    /// Creates a binner; <paramref name="counters"/> receives late/out-of-range drops and close reasons,
    /// <paramref name="notice"/> (optional) hears of sensor-size mismatches.
    /// </summary>
    public OnlineBinner(OnlineBinningOptions options, PipelineCounters counters, Action<StreamNotice>? notice = null)
    {
        options.Validate();
        _o = options;
        _counters = counters;
        _notice = notice;
        _frameLength = 2 * options.Height * options.Width;
        _quietTicks = options.QuietPeriod > TimeSpan.Zero ? (long)(options.QuietPeriod.TotalSeconds * Stopwatch.Frequency) : 0;
    }

    /// <summary>The options in force.</summary>
    public OnlineBinningOptions Options => _o;

    /// <summary>Streams that currently have an open bin.</summary>
    public int OpenBins => _streams.Values.Count(s => s.Open != null);

    /// <summary>
    /// Bins the events of <paramref name="batch"/> (which stays owned by the caller) and hands every bin they
    /// close to <paramref name="closed"/>, in order.
    /// </summary>
    public void Add(in StreamBatch batch, Action<EventBin> closed)
    {
        if (!_streams.TryGetValue(batch.Stream, out var s))
        {
            s = new StreamState();
            _streams.Add(batch.Stream, s);
        }
        var events = batch.Events;
        int n = events.Count;
        if (n == 0) return;
        if (events.Width != s.SensorWidth || events.Height != s.SensorHeight) MapSensor(batch.Stream, s, events.Width, events.Height);
        s.LastArrivalTicks = batch.ArrivalTicks;
        ReadOnlySpan<long> t = events.T;
        ReadOnlySpan<ushort> xs = events.X, ys = events.Y;
        ReadOnlySpan<byte> ps = events.P;
        int limit = _o.EventsPerBin > 0 ? _o.EventsPerBin : int.MaxValue;
        long late = 0, outside = 0;

        int i = 0;
        while (i < n)
        {
            var bin = s.Open;
            if (bin == null)
            {
                bin = s.Open = NewBin(batch.Stream, s, t[i]);
            }
            else if (t[i] < bin.StartUs)
            {
                late++;
                i++;
                continue;
            }
            else if (_o.WindowUs > 0 && t[i] >= bin.EndUs)
            {
                bin = AdvanceTo(batch.Stream, s, t[i], closed);
            }

            // The consecutive events that fall into this bin, up to its event-count limit.
            var run = EventBinner.AccumulateFrame(t[i..], xs[i..], ys[i..], ps[i..], bin.FrameArray.AsSpan(0, _frameLength), s.Map,
                bin.StartUs, _o.WindowUs > 0 ? bin.EndUs : long.MaxValue, limit - bin.EventCount);
            if (run.FirstOutside >= 0 && !s.ToldOutOfRange) TellOutOfRange(batch.Stream, s, xs[i + run.FirstOutside], ys[i + run.FirstOutside]);
            i += run.Consumed;
            late += run.Late;
            outside += run.Outside;
            int count = bin.EventCount += run.Counted;
            if (count > 0) bin.LastArrivalTicks = batch.ArrivalTicks;
            if (_o.EventsPerBin > 0 && count == limit)
            {
                bin.EndUs = run.LastUs + 1;
                Close(s, bin, BinCloseReason.EventCount, closed);
            }
        }
        if (late > 0) _counters.Add(ref _counters.EventsDroppedLate, late);
        if (outside > 0) _counters.Add(ref _counters.EventsDroppedOutOfRange, outside);
    }

    // Works out how a stream's pixels reach the model's input for a sensor of sensorW x sensorH (0 = unknown: the model's own).
    void MapSensor(string stream, StreamState s, int sensorW, int sensorH)
    {
        s.SensorWidth = sensorW;
        s.SensorHeight = sensorH;
        int ew = _o.ExpectedSensorWidth, eh = _o.ExpectedSensorHeight, ds = _o.Downsample;
        s.Map = new PixelMap(_o.Width, _o.Height, ds);
        if (sensorW <= 0 || sensorH <= 0 || (sensorW == ew && sensorH == eh)) return;
        string how;
        switch (_o.SensorMap)
        {
            case SensorMap.CropCenter:
                s.Map = s.Map with { PreX = -((sensorW - ew) / 2), PreY = -((sensorH - eh) / 2) };
                how = $"the centred {ew}x{eh} window is used (--sensor-map crop-center)";
                break;
            case SensorMap.Scale:
                int f = Math.Max(1, Math.Max((sensorW + _o.Width - 1) / _o.Width, (sensorH + _o.Height - 1) / _o.Height));
                s.Map = new PixelMap(_o.Width, _o.Height, f, PostX: (_o.Width - (sensorW + f - 1) / f) / 2, PostY: (_o.Height - (sensorH + f - 1) / f) / 2);
                how = $"pixels are summed over {f}x{f} blocks, centred in the input (--sensor-map scale)";
                break;
            default:
                how = "pixels are downsampled as for the model's sensor and those outside its input are dropped (--sensor-map drop; crop-center or scale map them instead)";
                break;
        }
        s.ToldOutOfRange = true;
        _notice?.Invoke(new StreamNotice
        {
            Stream = stream,
            Kind = StreamNoticeKind.SensorMismatch,
            Message = $"sensor {sensorW}x{sensorH}, model made for {ew}x{eh} ({_o.Width}x{_o.Height} after downsample {ds}): {how}",
        });
    }

    void TellOutOfRange(string stream, StreamState s, int x, int y)
    {
        s.ToldOutOfRange = true;
        int ew = _o.ExpectedSensorWidth, eh = _o.ExpectedSensorHeight;
        _notice?.Invoke(new StreamNotice
        {
            Stream = stream,
            Kind = StreamNoticeKind.SensorMismatch,
            Message = $"event at pixel ({x}, {y}) is outside the model's {ew}x{eh} sensor ({_o.Width}x{_o.Height} after downsample {_o.Downsample}; stream sensor {s.SensorWidth}x{s.SensorHeight}): " +
                      "such events are dropped and counted as out of range; give the camera's size with --sensor WxH and choose --sensor-map crop-center or scale",
        });
    }

    /// <summary>Closes the bins of streams that have had no events for the quiet period (by <paramref name="nowTicks"/>).</summary>
    public void CloseQuiet(long nowTicks, Action<EventBin> closed)
    {
        if (_quietTicks == 0) return;
        foreach (var s in _streams.Values)
            if (s.Open is { } bin && nowTicks - s.LastArrivalTicks >= _quietTicks)
                Close(s, bin, BinCloseReason.QuietPeriod, closed);
    }

    /// <summary>Closes the open bin of <paramref name="stream"/> because the stream ended; its next events start afresh.</summary>
    public void EndStream(string stream, Action<EventBin> closed)
    {
        if (_streams.TryGetValue(stream, out var s) && s.Open is { } bin)
            Close(s, bin, BinCloseReason.StreamEnd, closed);
    }

    /// <summary>
    /// Forgets <paramref name="stream"/> (it went idle): its open bin, if any, closes as at a stream end; its next events
    /// start a new bin sequence from 0.
    /// </summary>
    public void Evict(string stream, Action<EventBin> closed)
    {
        EndStream(stream, closed);
        _streams.Remove(stream);
    }

    /// <summary>Streams the binner holds state for.</summary>
    public int Streams => _streams.Count;

    /// <summary>Closes every open bin because the input ended.</summary>
    public void EndAll(Action<EventBin> closed)
    {
        foreach (var s in _streams.Values)
            if (s.Open is { } bin) Close(s, bin, BinCloseReason.StreamEnd, closed);
    }

    /// <summary>
    /// Starts (or restarts) <paramref name="stream"/> with an empty open bin at event time <paramref name="startUs"/>,
    /// so its bins keep the alignment an earlier owner of the stream used (time bins only). Any open bin of the
    /// stream is discarded; returns the events it held.
    /// </summary>
    internal long StartAt(string stream, long startUs)
    {
        long discarded = Forget(stream);
        var s = new StreamState();
        _streams.Add(stream, s);
        s.Open = NewBin(stream, s, startUs);
        return discarded;
    }

    /// <summary>Forgets <paramref name="stream"/> (its open bin is discarded); returns the events that bin held.</summary>
    internal long Forget(string stream)
    {
        if (!_streams.Remove(stream, out var s) || s.Open is not { } bin) return 0;
        long events = bin.EventCount;
        bin.Release();
        return events;
    }

    /// <summary>Throws away every open bin (cancellation) and returns how many events they held.</summary>
    public long DiscardOpen()
    {
        long events = 0;
        foreach (var s in _streams.Values)
        {
            if (s.Open is not { } bin) continue;
            events += bin.EventCount;
            bin.Release();
            s.Open = null;
        }
        return events;
    }

    EventBin NewBin(string stream, StreamState s, long startUs)
    {
        float[] frame = ArrayPool<float>.Shared.Rent(_frameLength);
        Array.Clear(frame, 0, _frameLength);
        var bin = new EventBin(stream, s.NextSequence++, frame, _o.Height, _o.Width)
        {
            StartUs = startUs,
            EndUs = _o.WindowUs > 0 ? startUs + _o.WindowUs : startUs,
        };
        return bin;
    }

    // Closes the open time bin because event time reached tUs, emitting the empty bins of a short silence,
    // and opens the bin that holds tUs.
    EventBin AdvanceTo(string stream, StreamState s, long tUs, Action<EventBin> closed)
    {
        var bin = s.Open!;
        long window = _o.WindowUs;
        long k = (tUs - bin.StartUs) / window; // >= 1
        long start = bin.StartUs;
        Close(s, bin, BinCloseReason.EventTime, closed);
        if (k - 1 > _o.MaxEmptyBins)
        {
            // A long silence: start a new bin at this event rather than flooding the network with empty frames.
            return s.Open = NewBin(stream, s, tUs);
        }
        for (long e = 1; e < k; e++)
        {
            var empty = NewBin(stream, s, start + e * window);
            Close(s, empty, BinCloseReason.EventTime, closed);
        }
        return s.Open = NewBin(stream, s, start + k * window);
    }

    void Close(StreamState s, EventBin bin, BinCloseReason reason, Action<EventBin> closed)
    {
        bin.Reason = reason;
        bin.ClosedTicks = System.Diagnostics.Stopwatch.GetTimestamp();
        if (ReferenceEquals(s.Open, bin)) s.Open = null;
        switch (reason)
        {
            case BinCloseReason.EventTime: _counters.Add(ref _counters.BinsClosedByEventTime, 1); break;
            case BinCloseReason.EventCount: _counters.Add(ref _counters.BinsClosedByEventCount, 1); break;
            case BinCloseReason.QuietPeriod: _counters.Add(ref _counters.BinsClosedByQuietPeriod, 1); break;
            default: _counters.Add(ref _counters.BinsClosedByStreamEnd, 1); break;
        }
        closed(bin);
    }
}
