namespace EventSnn.Pipeline.Flow;

/// <summary>
/// Which streams the pipeline serves: at most a fixed number at once. A stream is admitted by its first events while
/// there is room and stays admitted until it has sent nothing for the idle time; a new stream beyond the limit is
/// refused. Refused streams are remembered (a bounded number, for the idle time) so that one refusal is reported once,
/// not per batch. Memory is bounded by the limits whatever the number of distinct stream names. Thread-safe.
/// </summary>
public sealed class StreamAdmission
{
    readonly int _max, _maxRemembered;
    readonly long _idleTicks;
    readonly Dictionary<string, long> _admitted = new(StringComparer.Ordinal);
    readonly Dictionary<string, long> _refused = new(StringComparer.Ordinal);
    readonly object _gate = new();

    /// <summary>Admits up to <paramref name="maxStreams"/> streams; <paramref name="idleTicks"/> (Stopwatch ticks, 0 = never) ends an admission.</summary>
    public StreamAdmission(int maxStreams, long idleTicks)
    {
        if (maxStreams < 1) throw new ArgumentOutOfRangeException(nameof(maxStreams), "at least one stream must be allowed");
        _max = maxStreams;
        _idleTicks = idleTicks;
        _maxRemembered = Math.Max(1024, 4 * maxStreams);
    }

    /// <summary>Streams admitted now.</summary>
    public int Count { get { lock (_gate) return _admitted.Count; } }

    /// <summary>
    /// Whether events of <paramref name="stream"/> arriving at <paramref name="nowTicks"/> are served. When not,
    /// <paramref name="newRefusal"/> says whether this refusal is to be reported (the stream was not refused lately).
    /// </summary>
    public bool TryAdmit(string stream, long nowTicks, out bool newRefusal)
    {
        newRefusal = false;
        lock (_gate)
        {
            if (_admitted.ContainsKey(stream)) { _admitted[stream] = nowTicks; return true; }
            if (_admitted.Count >= _max) ExpireIdle(_admitted, nowTicks, null);
            if (_admitted.Count < _max)
            {
                _admitted[stream] = nowTicks;
                _refused.Remove(stream);
                return true;
            }
            if (_refused.ContainsKey(stream)) { _refused[stream] = nowTicks; return false; }
            if (_refused.Count >= _maxRemembered) ExpireIdle(_refused, nowTicks, null);
            if (_refused.Count < _maxRemembered) _refused[stream] = nowTicks;
            newRefusal = true;
            return false;
        }
    }

    /// <summary>Ends the admission of every stream idle for the idle time by <paramref name="nowTicks"/>; returns their names.</summary>
    public List<string> TakeIdle(long nowTicks)
    {
        var gone = new List<string>();
        if (_idleTicks == 0) return gone;
        lock (_gate)
        {
            ExpireIdle(_admitted, nowTicks, gone);
            ExpireIdle(_refused, nowTicks, null);
        }
        return gone;
    }

    void ExpireIdle(Dictionary<string, long> streams, long nowTicks, List<string>? gone)
    {
        if (_idleTicks == 0) return;
        List<string>? expired = null;
        foreach (var (name, last) in streams)
            if (nowTicks - last >= _idleTicks) (expired ??= new()).Add(name);
        if (expired is null) return;
        foreach (var name in expired) streams.Remove(name);
        gone?.AddRange(expired);
    }
}
