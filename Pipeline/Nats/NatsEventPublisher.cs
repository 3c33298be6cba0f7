using System.Collections.Concurrent;
using System.Diagnostics;
using EventSnn.Ingest;
using EventSnn.Pipeline.Flow;
using EventSnn.Pipeline.Sources;
using NATS.Client.Core;
using NATS.Client.JetStream;

namespace EventSnn.Pipeline.Nats;

/// <summary>Settings of a <see cref="NatsEventPublisher"/>.</summary>
public sealed record NatsPublisherOptions
{
    /// <summary>Most events in one packet.</summary>
    public int PacketEvents { get; init; } = 8192;
    /// <summary>Most event time one packet spans, µs (a packet closes when the next event is this much later than its first).</summary>
    public long PacketUs { get; init; } = 20_000;
    /// <summary>Wall-clock time after which a partly filled packet is sent anyway (live sources).</summary>
    public TimeSpan FlushAfter { get; init; } = TimeSpan.FromMilliseconds(50);
    /// <summary>Most publishes awaiting their JetStream acknowledgement.</summary>
    public int MaxInFlight { get; init; } = 64;
    /// <summary>How long one packet is retried (server away, no acknowledgement) before the publisher gives up.</summary>
    public TimeSpan RetryFor { get; init; } = TimeSpan.FromSeconds(60);
}

/// <summary>Per-stream counts of a publisher; property names are the JSON keys.</summary>
public sealed record NatsPublishedStream
{
    /// <summary>Stream id.</summary>
    public required string Id { get; init; }
    /// <summary>Partition the stream's packets go to.</summary>
    public required int Partition { get; init; }
    /// <summary>Events whose packets JetStream acknowledged.</summary>
    public long Events { get; init; }
    /// <summary>Packets JetStream acknowledged (the end marker included).</summary>
    public long Packets { get; init; }
    /// <summary>Acknowledgements that said the packet was a duplicate (a retried publish stored once).</summary>
    public long Duplicates { get; init; }
    /// <summary>Publishes retried after a failure.</summary>
    public long Retries { get; init; }
    /// <summary>Publisher session (in every packet's headers).</summary>
    public required string Session { get; init; }
}

/// <summary>
/// Publishes event batches as packets on JetStream: an <see cref="IEventSink"/>, so a recording replay, a UDP
/// receiver or a TCP client feeds it as it would feed the pipeline. Batches of a source stream are mapped to a
/// stream id; events accumulate into packets of at most <see cref="NatsPublisherOptions.PacketEvents"/> events and
/// <see cref="NatsPublisherOptions.PacketUs"/> of event time; at most <see cref="NatsPublisherOptions.MaxInFlight"/>
/// publishes await their acknowledgement; a failed publish is retried with the same <c>Nats-Msg-Id</c>
/// (<c>id.session.sequence</c>), so the server stores it once.
/// </summary>
public sealed class NatsEventPublisher : IEventSink, IAsyncDisposable
{
    readonly INatsJSContext _js;
    readonly int _partitions;
    readonly Func<string, string> _idOf;
    readonly NatsPublisherOptions _o;
    readonly SemaphoreSlim _window;
    readonly SemaphoreSlim _gate = new(1, 1);
    readonly ConcurrentDictionary<string, State> _streams = new(StringComparer.Ordinal);
    readonly ConcurrentDictionary<Task, byte> _inFlight = new();
    readonly CancellationTokenSource _stop = new();
    readonly Task _flusher;
    Exception? _failure;

    sealed class State(string id, int partition, string session)
    {
        public readonly string Id = id;
        public readonly int Partition = partition;
        public readonly string Session = session;
        public EventBatch? Open;
        public long OpenSinceTicks;
        public long NextSequence;
        public long Events, Packets, Duplicates, Retries;
    }

    /// <summary>Creates a publisher on <paramref name="connection"/> for a topology of <paramref name="partitions"/>.</summary>
    /// <param name="connection">An open connection.</param>
    /// <param name="partitions">The partition count stored in the bucket.</param>
    /// <param name="idOf">Maps a source's stream name to the stream id published (checked with <see cref="NatsSubjects.CheckName"/>).</param>
    /// <param name="options">Packet sizes and flow control.</param>
    public NatsEventPublisher(INatsConnection connection, int partitions, Func<string, string> idOf, NatsPublisherOptions? options = null)
    {
        _js = new NatsJSContext(connection);
        _partitions = partitions;
        _idOf = idOf;
        _o = options ?? new NatsPublisherOptions();
        if (_o.PacketEvents < 1 || _o.MaxInFlight < 1 || _o.PacketUs < 1) throw new ArgumentException("packet events, packet µs and in-flight publishes must be >= 1");
        _window = new SemaphoreSlim(_o.MaxInFlight, _o.MaxInFlight);
        Counters = new PipelineCounters();
        _flusher = Task.Run(FlushLoopAsync);
    }

    /// <summary>Counters of the sources feeding this publisher (packets, datagrams, connections, events received).</summary>
    public PipelineCounters Counters { get; }

    /// <summary>Per-stream counts so far.</summary>
    public IReadOnlyList<NatsPublishedStream> Streams => _streams.Values.OrderBy(s => s.Id, StringComparer.Ordinal).Select(s => new NatsPublishedStream
    {
        Id = s.Id, Partition = s.Partition, Session = s.Session,
        Events = Interlocked.Read(ref s.Events), Packets = Interlocked.Read(ref s.Packets),
        Duplicates = Interlocked.Read(ref s.Duplicates), Retries = Interlocked.Read(ref s.Retries),
    }).ToList();

    /// <summary>Notices of the sources (connects, gaps, malformed input), as they come.</summary>
    public event Action<StreamNotice>? Noticed;

    State StateOf(string sourceStream)
    {
        string id = _idOf(sourceStream);
        return _streams.GetOrAdd(id, key => new State(NatsSubjects.CheckName(key, "stream id"), NatsSubjects.Partition(key, _partitions),
            Convert.ToHexString(BitConverter.GetBytes(Random.Shared.NextInt64())).ToLowerInvariant()[..12]));
    }

    /// <inheritdoc />
    public async ValueTask PublishAsync(StreamBatch batch, CancellationToken cancellationToken)
    {
        using var events = batch.Events;
        Counters.Add(ref Counters.EventsReceived, events.Count);
        ThrowIfFailed();
        var s = StateOf(batch.Stream);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            int i = 0;
            while (i < events.Count)
            {
                if (s.Open is { Count: > 0 } open && (open.Count >= _o.PacketEvents || events.T[i] - open.T[0] >= _o.PacketUs))
                    await SendOpenAsync(s, end: false, cancellationToken).ConfigureAwait(false);
                if (s.Open is null)
                {
                    s.Open = new EventBatch(Math.Min(_o.PacketEvents, 4096), events.Width, events.Height);
                    s.OpenSinceTicks = Stopwatch.GetTimestamp();
                }
                i += AppendFitting(s.Open, events, i);
            }
        }
        finally { _gate.Release(); }
    }

    // Appends the events from `start` that fit in the open packet (count and time span); returns how many (>= 1).
    int AppendFitting(EventBatch open, EventBatch events, int start)
    {
        var t = events.T;
        long first = open.Count > 0 ? open.T[0] : t[start];
        int room = _o.PacketEvents - open.Count;
        int end = start;
        while (end < t.Length && end - start < room && t[end] - first < _o.PacketUs) end++;
        if (end == start) end = start + 1;
        open.Width = events.Width;
        open.Height = events.Height;
        open.Append(t[start..end], events.X[start..end], events.Y[start..end], events.P[start..end]);
        return end - start;
    }

    /// <inheritdoc />
    public async ValueTask EndStreamAsync(string stream, CancellationToken cancellationToken)
    {
        ThrowIfFailed();
        var s = StateOf(stream);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (s.Open is { Count: > 0 }) await SendOpenAsync(s, end: false, cancellationToken).ConfigureAwait(false);
            await SendOpenAsync(s, end: true, cancellationToken).ConfigureAwait(false);
        }
        finally { _gate.Release(); }
    }

    /// <inheritdoc />
    public void Notice(StreamNotice notice) => Noticed?.Invoke(notice);

    /// <summary>Sends every partly filled packet and waits for every acknowledgement; throws if a publish failed for good.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            foreach (var s in _streams.Values)
                if (s.Open is { Count: > 0 }) await SendOpenAsync(s, end: false, cancellationToken).ConfigureAwait(false);
        }
        finally { _gate.Release(); }
        await Task.WhenAll(_inFlight.Keys.ToArray()).ConfigureAwait(false);
        ThrowIfFailed();
    }

    async Task FlushLoopAsync()
    {
        long after = (long)(_o.FlushAfter.TotalSeconds * Stopwatch.Frequency);
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                await Task.Delay(Math.Max(5, (int)_o.FlushAfter.TotalMilliseconds / 2), _stop.Token).ConfigureAwait(false);
                if (!_streams.Values.Any(s => s.Open is { Count: > 0 } && Stopwatch.GetTimestamp() - s.OpenSinceTicks >= after)) continue;
                await _gate.WaitAsync(_stop.Token).ConfigureAwait(false);
                try
                {
                    foreach (var s in _streams.Values)
                        if (s.Open is { Count: > 0 } && Stopwatch.GetTimestamp() - s.OpenSinceTicks >= after)
                            await SendOpenAsync(s, end: false, _stop.Token).ConfigureAwait(false);
                }
                finally { _gate.Release(); }
            }
        }
        catch (OperationCanceledException) { }
        catch (Exception ex) { _failure ??= ex; }
    }

    // Called under _gate: encodes the open packet (or an end marker) and starts its publish within the window.
    async ValueTask SendOpenAsync(State s, bool end, CancellationToken ct)
    {
        byte[] data;
        NatsPacketInfo info;
        long seq = s.NextSequence++;
        var open = s.Open;
        s.Open = null;
        if (end || open is null || open.Count == 0)
        {
            data = [];
            info = new NatsPacketInfo { Stream = s.Id, Sequence = seq, FirstUs = 0, LastUs = 0, Events = 0, Width = open?.Width ?? 1, Height = open?.Height ?? 1, Session = s.Session, End = end };
            open?.Dispose();
        }
        else
        {
            using (open)
            {
                data = NatsPacket.Encode(open, 0, open.Count);
                info = new NatsPacketInfo { Stream = s.Id, Sequence = seq, FirstUs = open.T[0], LastUs = open.T[^1], Events = open.Count, Width = open.Width, Height = open.Height, Session = s.Session };
            }
        }
        string msgId = $"{s.Id}.{s.Session}.{seq}";
        var headers = NatsPacket.Headers(info, msgId);
        string subject = NatsSubjects.Events(s.Partition, s.Id);
        await _window.WaitAsync(ct).ConfigureAwait(false);
        var task = PublishAsync(s, subject, data, headers, msgId, info.Events);
        _inFlight.TryAdd(task, 0);
        _ = task.ContinueWith(t => _inFlight.TryRemove(t, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    async Task PublishAsync(State s, string subject, byte[] data, NatsHeaders headers, string msgId, int events)
    {
        try
        {
            var deadline = Stopwatch.StartNew();
            while (true)
            {
                try
                {
                    var ack = await _js.PublishAsync(subject, data, opts: new NatsJSPubOpts { MsgId = msgId, RetryAttempts = 1 }, headers: headers, cancellationToken: _stop.Token).ConfigureAwait(false);
                    ack.EnsureSuccess();
                    if (ack.Duplicate) Interlocked.Increment(ref s.Duplicates);
                    Interlocked.Increment(ref s.Packets);
                    Interlocked.Add(ref s.Events, events);
                    return;
                }
                catch (Exception ex) when (ex is NatsException or TimeoutException && !_stop.IsCancellationRequested)
                {
                    if (deadline.Elapsed > _o.RetryFor)
                        throw new IOException($"stream {s.Id}: packet {msgId} not acknowledged by JetStream within {_o.RetryFor.TotalSeconds:0} s: {ex.Message}", ex);
                    Interlocked.Increment(ref s.Retries);
                    await Task.Delay(200, _stop.Token).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested) { }
        catch (Exception ex) { _failure ??= ex; }
        finally { _window.Release(); }
    }

    void ThrowIfFailed()
    {
        if (_failure is { } f) throw f as IOException ?? new IOException(f.Message, f);
    }

    /// <summary>Stops the flush timer and abandons publishes still being retried.</summary>
    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        try { await _flusher.ConfigureAwait(false); } catch (OperationCanceledException) { }
        try { await Task.WhenAll(_inFlight.Keys.ToArray()).ConfigureAwait(false); } catch (Exception) { }
        foreach (var s in _streams.Values) s.Open?.Dispose();
        _stop.Dispose();
    }
}
