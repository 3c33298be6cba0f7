using System.Diagnostics;
using System.Text.Json;
using EventSnn.Ingest;
using EventSnn.Pipeline.Flow;
using EventSnn.Pipeline.Network;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using NATS.Client.KeyValueStore;

namespace EventSnn.Pipeline.Nats;

/// <summary>Settings of a <see cref="NatsWorker"/>.</summary>
public sealed record NatsWorkerOptions
{
    /// <summary>Worker group: each group consumes every partition once, with its own durable consumers and leases.</summary>
    public string Group { get; init; } = NatsSubjects.DefaultGroup;
    /// <summary>This worker's name, unique in the group.</summary>
    public string Worker { get; init; } = $"{Environment.MachineName}-{Environment.ProcessId}";
    /// <summary>A lease whose revision stays unchanged this long is taken over.</summary>
    public TimeSpan LeaseTtl { get; init; } = TimeSpan.FromSeconds(5);
    /// <summary>How often leases are renewed and free partitions looked for.</summary>
    public TimeSpan LeaseRenew { get; init; } = TimeSpan.FromSeconds(1);
    /// <summary>JetStream ack wait of the consumers (shorter than <see cref="LeaseTtl"/>, so a new owner finds the old owner's packets due for redelivery).</summary>
    public TimeSpan AckWait { get; init; } = TimeSpan.FromSeconds(4);
    /// <summary>Most packets fetched from one partition at a time.</summary>
    public int FetchBatch { get; init; } = 256;
    /// <summary>How long a packet that arrived ahead of a missing one waits before the missing ones are declared a gap.</summary>
    public TimeSpan ReorderWait { get; init; } = TimeSpan.FromSeconds(8);
}

/// <summary>Counters of a worker (thread-safe reads); property names of <see cref="Snapshot"/> are the JSON keys.</summary>
public sealed class NatsWorkerCounters
{
    internal long PacketsConsumed, PacketsRedelivered, PacketsAcknowledged, PacketsMalformed, PacketsDuplicate, PacketsReordered,
        EventsConsumed, EventsAlreadyDecided, PacketsMissing, LeasesAcquired, LeasesTakenOver, LeasesReleased, LeasesLost,
        DecisionsPublished, NoticesPublished, ClassificationsRestarted;
    internal int LeasesHeld;

    /// <summary>A copy of every counter.</summary>
    public NatsWorkerCountersSnapshot Snapshot() => new()
    {
        PacketsConsumed = Interlocked.Read(ref PacketsConsumed),
        PacketsRedelivered = Interlocked.Read(ref PacketsRedelivered),
        PacketsAcknowledged = Interlocked.Read(ref PacketsAcknowledged),
        PacketsMalformed = Interlocked.Read(ref PacketsMalformed),
        PacketsDuplicate = Interlocked.Read(ref PacketsDuplicate),
        PacketsReordered = Interlocked.Read(ref PacketsReordered),
        EventsConsumed = Interlocked.Read(ref EventsConsumed),
        EventsAlreadyDecided = Interlocked.Read(ref EventsAlreadyDecided),
        PacketsMissing = Interlocked.Read(ref PacketsMissing),
        LeasesHeld = Volatile.Read(ref LeasesHeld),
        LeasesAcquired = Interlocked.Read(ref LeasesAcquired),
        LeasesTakenOver = Interlocked.Read(ref LeasesTakenOver),
        LeasesReleased = Interlocked.Read(ref LeasesReleased),
        LeasesLost = Interlocked.Read(ref LeasesLost),
        DecisionsPublished = Interlocked.Read(ref DecisionsPublished),
        NoticesPublished = Interlocked.Read(ref NoticesPublished),
        ClassificationsRestarted = Interlocked.Read(ref ClassificationsRestarted),
    };
}

/// <summary>A copy of <see cref="NatsWorkerCounters"/>.</summary>
public sealed record NatsWorkerCountersSnapshot
{
    /// <summary>Packets fetched (redeliveries included).</summary>
    public long PacketsConsumed { get; init; }
    /// <summary>Packets fetched that JetStream had delivered before (to this or another worker).</summary>
    public long PacketsRedelivered { get; init; }
    /// <summary>Packets acknowledged (covered by a published decision, a counted drop, or already covered).</summary>
    public long PacketsAcknowledged { get; init; }
    /// <summary>Packets that could not be decoded: counted, a notice published, acknowledged.</summary>
    public long PacketsMalformed { get; init; }
    /// <summary>Packets seen again after they had been classified (a redelivery of an acknowledged or held packet).</summary>
    public long PacketsDuplicate { get; init; }
    /// <summary>Packets that arrived ahead of an earlier one of their stream and waited for it.</summary>
    public long PacketsReordered { get; init; }
    /// <summary>Events of first deliveries handed to the classifier.</summary>
    public long EventsConsumed { get; init; }
    /// <summary>Events of redelivered packets skipped because a stored decision already covers them.</summary>
    public long EventsAlreadyDecided { get; init; }
    /// <summary>Packets declared missing (gap notices); their events are unknown to the worker.</summary>
    public long PacketsMissing { get; init; }
    /// <summary>Leases held now.</summary>
    public int LeasesHeld { get; init; }
    /// <summary>Free leases taken.</summary>
    public long LeasesAcquired { get; init; }
    /// <summary>Leases taken over from a worker that stopped renewing them.</summary>
    public long LeasesTakenOver { get; init; }
    /// <summary>Leases given up (fair share, shutdown).</summary>
    public long LeasesReleased { get; init; }
    /// <summary>Leases lost (not renewed in time, or taken by another worker).</summary>
    public long LeasesLost { get; init; }
    /// <summary>Decisions published (and acknowledged by JetStream).</summary>
    public long DecisionsPublished { get; init; }
    /// <summary>Notices published.</summary>
    public long NoticesPublished { get; init; }
    /// <summary>Streams whose classification, begun by another worker (or before a lease was lost), was redone here.</summary>
    public long ClassificationsRestarted { get; init; }
}

/// <summary>
/// A classifier worker of a group: holds partition leases (<see cref="NatsLeases"/>), reads each owned partition
/// through a durable pull consumer with explicit acknowledgement, feeds events by stream id into an
/// <see cref="IKeyedStreamClassifier"/>, publishes decisions (<c>Nats-Msg-Id</c> = stream id, window start, session)
/// and notices, and acknowledges a packet only once a published decision (or a counted drop) covers all its events.
/// A stream first seen here resumes after its last stored decision, with bins aligned as before; if its packets come
/// as redeliveries, another worker had begun classifying it and a <c>restarted</c> notice names the span redone.
/// Single-threaded: <see cref="RunAsync"/> does everything in one loop.
/// </summary>
public sealed class NatsWorker
{
    readonly INatsConnection _connection;
    readonly NatsJSContext _js;
    readonly IKeyedStreamClassifier _classifier;
    readonly NatsWorkerOptions _o;
    readonly int _partitions;
    readonly IReadOnlyList<string> _classNames;
    readonly Dictionary<int, INatsJSConsumer> _consumers = new();
    readonly Dictionary<string, Slot> _slots = new(StringComparer.Ordinal);
    readonly List<StreamDecision> _made = new();
    INatsJSStream? _decisionsStream;
    NatsLeases? _leases;
    readonly EventBatch _scratch = new(4096, 1, 1);

    sealed class Held(INatsJSMsg<byte[]> msg, long sequence, long lastUs, bool end)
    {
        public INatsJSMsg<byte[]> Msg = msg;
        public readonly long Sequence = sequence;
        public readonly long LastUs = lastUs;
        public readonly bool End = end;
        public long DroppedLate, DroppedOutside;
    }

    sealed class Slot(string id, int partition, string session)
    {
        public readonly string Id = id;
        public readonly int Partition = partition;
        public string Session = session;
        public bool Started;
        public long NextSequence;
        public long SkipBeforeUs = long.MinValue;
        public long LastUs = long.MinValue;
        public readonly List<Held> Pending = new();
        public readonly SortedDictionary<long, (INatsJSMsg<byte[]> Msg, long SinceTicks)> Ahead = new();
        public (long FromUs, long Events)? Restart;
        public bool EndPending;
    }

    /// <summary>Creates a worker; nothing happens until <see cref="RunAsync"/>.</summary>
    public NatsWorker(INatsConnection connection, int partitions, IKeyedStreamClassifier classifier, IReadOnlyList<string> classNames, NatsWorkerOptions options)
    {
        _connection = connection;
        _js = new NatsJSContext(connection);
        _classifier = classifier;
        _classNames = classNames;
        _o = options;
        _partitions = partitions;
        NatsSubjects.CheckName(options.Group, "group");
        if (options.AckWait >= options.LeaseTtl) throw new ArgumentException("the ack wait must be shorter than the lease TTL");
    }

    /// <summary>The worker's own counters.</summary>
    public NatsWorkerCounters Counters { get; } = new();

    /// <summary>The classifier's counters (received, classified, dropped by reason).</summary>
    public PipelineCounters ClassifierCounters => _classifier.Counters;

    /// <summary>Decisions as published (on the worker's loop; keep handlers quick).</summary>
    public event Action<NatsDecisionRecord>? Decided;
    /// <summary>Notices as published.</summary>
    public event Action<NatsNoticeRecord>? Noticed;
    /// <summary>Lease changes.</summary>
    public event Action<NatsLeaseEvent>? LeaseChanged;

    /// <summary>Runs until <paramref name="cancellationToken"/> is cancelled; then hands back every held packet and lease.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var kv = await new NatsKVContext(_js).GetStoreAsync(NatsSubjects.Bucket, cancellationToken).ConfigureAwait(false);
        _leases = new NatsLeases(kv, _o.Group, _o.Worker, _partitions, _o.LeaseTtl, _o.LeaseRenew);
        _decisionsStream = await _js.GetStreamAsync(NatsSubjects.DecisionsStream, cancellationToken: cancellationToken).ConfigureAwait(false);
        long nextLeaseTicks = 0, nextProgressTicks = 0;
        long progressEvery = (long)(_o.AckWait.TotalSeconds / 4 * Stopwatch.Frequency);
        int idleDelay = 0;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                bool any = false;
                try
                {
                    if (Stopwatch.GetTimestamp() >= nextLeaseTicks)
                    {
                        await LeaseRoundAsync(cancellationToken).ConfigureAwait(false);
                        nextLeaseTicks = Stopwatch.GetTimestamp() + (long)(_o.LeaseRenew.TotalSeconds * Stopwatch.Frequency);
                    }
                    foreach (var (p, consumer) in _consumers.ToList())
                    {
                        await foreach (var msg in consumer.FetchNoWaitAsync<byte[]>(new NatsJSFetchOpts { MaxMsgs = _o.FetchBatch }, cancellationToken: cancellationToken).ConfigureAwait(false))
                        {
                            any = true;
                            await HandleAsync(p, msg, cancellationToken).ConfigureAwait(false);
                        }
                    }
                    await CheckReorderAsync(cancellationToken).ConfigureAwait(false);
                    _classifier.CloseQuiet(Stopwatch.GetTimestamp());
                    // One network step covers the bins of every stream fetched this round.
                    await StepAsync(cancellationToken).ConfigureAwait(false);
                    if (Stopwatch.GetTimestamp() >= nextProgressTicks)
                    {
                        await ProgressAsync(cancellationToken).ConfigureAwait(false);
                        nextProgressTicks = Stopwatch.GetTimestamp() + progressEvery;
                    }
                }
                catch (Exception ex) when (ex is NatsException or TimeoutException && !cancellationToken.IsCancellationRequested)
                {
                    // The server is away (restart, network): keep what is held; JetStream redelivers what was not acknowledged.
                    await Task.Delay(200, cancellationToken).ConfigureAwait(false);
                    continue;
                }
                // Idle: poll less and less often (up to every 100 ms), so idle workers do not load the server.
                idleDelay = any ? 0 : Math.Clamp(idleDelay * 2, 5, 100);
                if (!any) await Task.Delay(idleDelay, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested) { }
        await ShutdownAsync().ConfigureAwait(false);
    }

    async Task LeaseRoundAsync(CancellationToken ct)
    {
        var (lost, release) = await _leases!.RefreshAsync(ct).ConfigureAwait(false);
        foreach (var e in lost)
        {
            Interlocked.Increment(ref Counters.LeasesLost);
            DropPartition(e.Partition);
            LeaseChanged?.Invoke(e);
        }
        foreach (int p in release)
        {
            await HandBackAsync(p, ct).ConfigureAwait(false);
            if (await _leases.ReleaseAsync(p, "above this worker's fair share", ct).ConfigureAwait(false) is { } e)
            {
                Interlocked.Increment(ref Counters.LeasesReleased);
                LeaseChanged?.Invoke(e);
            }
        }
        foreach (var e in await _leases.AcquireAsync(ct).ConfigureAwait(false))
        {
            var consumer = await _js.CreateOrUpdateConsumerAsync(NatsSubjects.EventsStream, new ConsumerConfig($"{_o.Group}-p{e.Partition}")
            {
                FilterSubject = NatsSubjects.PartitionFilter(e.Partition),
                AckPolicy = ConsumerConfigAckPolicy.Explicit,
                AckWait = _o.AckWait,
                MaxDeliver = -1,
                MaxAckPending = 100_000,
                DeliverPolicy = ConsumerConfigDeliverPolicy.All,
            }, ct).ConfigureAwait(false);
            _consumers[e.Partition] = consumer;
            Interlocked.Increment(ref e.Action == "taken_over" ? ref Counters.LeasesTakenOver : ref Counters.LeasesAcquired);
            LeaseChanged?.Invoke(e);
        }
        Volatile.Write(ref Counters.LeasesHeld, _leases.Held.Count);
    }

    // Forgets a partition lost to another worker: nothing is acknowledged; its new owner gets the packets again.
    void DropPartition(int p)
    {
        _consumers.Remove(p);
        foreach (var slot in _slots.Values.Where(s => s.Partition == p).ToList())
        {
            _classifier.Forget(slot.Id);
            _slots.Remove(slot.Id);
        }
    }

    // Gives a partition back: held packets are NAKed in order so the next owner gets them first.
    async Task HandBackAsync(int p, CancellationToken ct)
    {
        foreach (var slot in _slots.Values.Where(s => s.Partition == p).ToList())
        {
            foreach (var h in slot.Pending.OrderBy(h => h.Sequence)) await Quiet(h.Msg.NakAsync(cancellationToken: ct)).ConfigureAwait(false);
            foreach (var a in slot.Ahead.Values) await Quiet(a.Msg.NakAsync(cancellationToken: ct)).ConfigureAwait(false);
        }
        DropPartition(p);
    }

    async Task ShutdownAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            foreach (int p in _leases?.Held.ToList() ?? [])
            {
                await HandBackAsync(p, cts.Token).ConfigureAwait(false);
                if (await _leases!.ReleaseAsync(p, "worker stopping", cts.Token).ConfigureAwait(false) is { } e)
                {
                    Interlocked.Increment(ref Counters.LeasesReleased);
                    LeaseChanged?.Invoke(e);
                }
            }
            if (_leases != null) await _leases.LeaveAsync(cts.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NatsException or OperationCanceledException or TimeoutException) { }
        Volatile.Write(ref Counters.LeasesHeld, 0);
        _classifier.Dispose();
    }

    static async Task Quiet(ValueTask task)
    {
        try { await task.ConfigureAwait(false); }
        catch (Exception ex) when (ex is NatsException or TimeoutException or OperationCanceledException) { }
    }

    async Task HandleAsync(int partition, INatsJSMsg<byte[]> msg, CancellationToken ct)
    {
        Interlocked.Increment(ref Counters.PacketsConsumed);
        bool redelivered = msg.Metadata is { NumDelivered: > 1 };
        if (redelivered) Interlocked.Increment(ref Counters.PacketsRedelivered);
        NatsPacketInfo info;
        try
        {
            info = NatsPacket.Decode(msg.Subject, msg.Headers, msg.Data ?? [], _scratch);
        }
        catch (InvalidDataException ex)
        {
            Interlocked.Increment(ref Counters.PacketsMalformed);
            string id = msg.Subject.Split('.') is { Length: 4 } t && IsName(t[3]) ? t[3] : "unknown";
            await PublishNoticeAsync(new NatsNoticeRecord
            {
                Stream = id, Group = _o.Group, Session = "", Worker = _o.Worker, Kind = "malformed",
                Message = $"{ex.Message} ({msg.Data?.Length ?? 0} bytes); acknowledged and skipped",
            }, ct).ConfigureAwait(false);
            await AckAsync(msg, ct).ConfigureAwait(false);
            return;
        }
        if (!_slots.TryGetValue(info.Stream, out var slot) || slot.Session != info.Session)
        {
            if (slot != null)
            {
                // A new run of the stream's publisher: the old one ended (or was abandoned).
                _classifier.Forget(slot.Id);
                foreach (var h in slot.Pending) await AckAsync(h.Msg, ct).ConfigureAwait(false);
            }
            slot = new Slot(info.Stream, partition, info.Session);
            _slots[info.Stream] = slot;
        }
        if (!slot.Started)
        {
            await StartAsync(slot, info, redelivered, ct).ConfigureAwait(false);
        }
        if (info.Sequence < slot.NextSequence)
        {
            Interlocked.Increment(ref Counters.PacketsDuplicate);
            var held = slot.Pending.FirstOrDefault(h => h.Sequence == info.Sequence);
            if (held != null) held.Msg = msg; // a newer delivery of a packet still held
            else await AckAsync(msg, ct).ConfigureAwait(false);
            return;
        }
        if (info.Sequence > slot.NextSequence)
        {
            Interlocked.Increment(ref Counters.PacketsReordered);
            slot.Ahead[info.Sequence] = (msg, slot.Ahead.TryGetValue(info.Sequence, out var was) ? was.SinceTicks : Stopwatch.GetTimestamp());
            return;
        }
        Process(slot, msg, info);
        while (slot.Ahead.Count > 0 && slot.Ahead.First().Key == slot.NextSequence)
        {
            var next = slot.Ahead.First();
            slot.Ahead.Remove(next.Key);
            var nextInfo = NatsPacket.Decode(next.Value.Msg.Subject, next.Value.Msg.Headers, next.Value.Msg.Data ?? [], _scratch);
            Process(slot, next.Value.Msg, nextInfo);
        }
    }

    static bool IsName(string s)
    {
        try { NatsSubjects.CheckName(s, "stream id"); return true; }
        catch (ArgumentException) { return false; }
    }

    // First packet of a stream in this ownership: resume after its last stored decision of this session.
    async Task StartAsync(Slot slot, NatsPacketInfo info, bool redelivered, CancellationToken ct)
    {
        slot.Started = true;
        slot.NextSequence = info.Sequence;
        NatsDecisionRecord? last = null;
        try
        {
            var stored = await _decisionsStream!.GetAsync(new StreamMsgGetRequest { LastBySubj = NatsSubjects.Decisions(slot.Id, _o.Group) }, ct).ConfigureAwait(false);
            if (stored.Message?.Data is { Length: > 0 } data) last = JsonSerializer.Deserialize<NatsDecisionRecord>(data.Span, NatsJson.Options);
        }
        catch (NatsJSApiException ex) when (ex.Error.Code == 404) { }
        catch (JsonException) { }
        if (last != null && last.Session == slot.Session)
        {
            slot.SkipBeforeUs = last.EventTimeUs;
            _classifier.StartAt(slot.Id, last.EventTimeUs);
        }
        if (redelivered)
        {
            Interlocked.Increment(ref Counters.ClassificationsRestarted);
            slot.Restart = (slot.SkipBeforeUs != long.MinValue ? slot.SkipBeforeUs : info.FirstUs, 0);
        }
    }

    void Process(Slot slot, INatsJSMsg<byte[]> msg, NatsPacketInfo info)
    {
        slot.NextSequence = info.Sequence + 1;
        var events = _scratch;
        // Events a stored decision already covers (a redelivery after a takeover) are skipped.
        int skip = 0;
        while (skip < events.Count && events.T[skip] < slot.SkipBeforeUs) skip++;
        if (skip > 0)
        {
            Interlocked.Add(ref Counters.EventsAlreadyDecided, skip);
            var rest = events.Slice(skip, events.Count - skip);
            events.Count = 0;
            events.Append(rest);
            rest.Dispose();
        }
        var held = new Held(msg, info.Sequence, events.Count > 0 ? events.T[^1] : long.MinValue, info.End);
        slot.Pending.Add(held);
        if (events.Count > 0)
        {
            var c = _classifier.Counters;
            long late = Interlocked.Read(ref c.EventsDroppedLate), outside = Interlocked.Read(ref c.EventsDroppedOutOfRange);
            Interlocked.Add(ref Counters.EventsConsumed, events.Count);
            if (slot.Restart is { } r) slot.Restart = (r.FromUs, r.Events + events.Count);
            _classifier.Add(slot.Id, events, Stopwatch.GetTimestamp());
            held.DroppedLate = Interlocked.Read(ref c.EventsDroppedLate) - late;
            held.DroppedOutside = Interlocked.Read(ref c.EventsDroppedOutOfRange) - outside;
            slot.LastUs = events.T[^1];
        }
        if (info.End)
        {
            _classifier.End(slot.Id);
            slot.EndPending = true;
        }
    }

    // Steps the network on everything queued, publishes the decisions (acknowledging what they cover) and settles
    // the streams that ended.
    async Task StepAsync(CancellationToken ct)
    {
        _classifier.Step(_made);
        await PublishMadeAsync(ct).ConfigureAwait(false);
        foreach (var slot in _slots.Values.Where(s => s.EndPending).ToList())
        {
            // Everything of the stream is decided: acknowledge the rest (and report drops no decision carried).
            slot.EndPending = false;
            long late = slot.Pending.Sum(h => h.DroppedLate), outside = slot.Pending.Sum(h => h.DroppedOutside);
            if (late + outside > 0)
                await PublishNoticeAsync(new NatsNoticeRecord
                {
                    Stream = slot.Id, Group = _o.Group, Session = slot.Session, Worker = _o.Worker, Kind = "dropped",
                    Message = $"{late} late and {outside} out-of-range events after the last decision", Events = late + outside,
                }, ct).ConfigureAwait(false);
            foreach (var h in slot.Pending) await AckAsync(h.Msg, ct).ConfigureAwait(false);
            slot.Pending.Clear();
        }
    }

    async Task PublishMadeAsync(CancellationToken ct)
    {
        if (_made.Count == 0) return;
        var made = _made.ToList();
        _made.Clear();
        foreach (var d in made)
        {
            if (!_slots.TryGetValue(d.Stream, out var slot)) continue;
            var covered = slot.Pending.Where(h => h.LastUs < d.EventTimeUs).ToList();
            if (slot.Restart is { } r)
            {
                await PublishNoticeAsync(new NatsNoticeRecord
                {
                    Stream = slot.Id, Group = _o.Group, Session = slot.Session, Worker = _o.Worker, Kind = "restarted",
                    Message = "another worker had begun classifying this span and stopped before deciding; it was classified again from the stored packets",
                    FromUs = r.FromUs, ToUs = d.EventTimeUs, Events = 0, EventsReclassified = d.Events,
                }, ct).ConfigureAwait(false);
                slot.Restart = null;
            }
            string msgId = $"{slot.Id}.{d.StartTimeUs}.{slot.Session}" + (_o.Group == NatsSubjects.DefaultGroup ? "" : "." + _o.Group);
            var record = new NatsDecisionRecord
            {
                Stream = slot.Id, Group = _o.Group, Session = slot.Session, Worker = _o.Worker,
                Class = d.Class, Label = d.Class < _classNames.Count ? _classNames[d.Class] : d.Label, Confidence = d.Confidence,
                Timestep = d.Timestep, EventTimeUs = d.EventTimeUs, StartTimeUs = d.StartTimeUs, LatencyMs = d.LatencyMs,
                Reason = JsonNamingPolicy.SnakeCaseLower.ConvertName(d.Reason.ToString()), Events = d.Events,
                EventsDroppedLate = covered.Sum(h => h.DroppedLate), EventsDroppedOutOfRange = covered.Sum(h => h.DroppedOutside),
                MsgId = msgId,
            };
            await PublishAsync(NatsSubjects.Decisions(slot.Id, _o.Group), NatsJson.Bytes(record), msgId, ct).ConfigureAwait(false);
            Interlocked.Increment(ref Counters.DecisionsPublished);
            Decided?.Invoke(record);
            foreach (var h in covered)
            {
                await AckAsync(h.Msg, ct).ConfigureAwait(false);
                slot.Pending.Remove(h);
            }
        }
    }

    async Task PublishNoticeAsync(NatsNoticeRecord notice, CancellationToken ct)
    {
        await PublishAsync(NatsSubjects.Notices(notice.Stream, _o.Group), NatsJson.Bytes(notice), null, ct).ConfigureAwait(false);
        Interlocked.Increment(ref Counters.NoticesPublished);
        Noticed?.Invoke(notice);
    }

    // Publishes to JetStream until acknowledged (through a server restart); the msg id makes a repeat harmless.
    async Task PublishAsync(string subject, byte[] data, string? msgId, CancellationToken ct)
    {
        while (true)
        {
            try
            {
                var ack = await _js.PublishAsync(subject, data, opts: new NatsJSPubOpts { MsgId = msgId }, cancellationToken: ct).ConfigureAwait(false);
                ack.EnsureSuccess();
                return;
            }
            catch (Exception ex) when (ex is NatsException or TimeoutException && !ct.IsCancellationRequested)
            {
                await Task.Delay(200, ct).ConfigureAwait(false);
            }
        }
    }

    async Task AckAsync(INatsJSMsg<byte[]> msg, CancellationToken ct)
    {
        try
        {
            await msg.AckAsync(cancellationToken: ct).ConfigureAwait(false);
            Interlocked.Increment(ref Counters.PacketsAcknowledged);
        }
        catch (Exception ex) when (ex is NatsException or TimeoutException && !ct.IsCancellationRequested)
        {
            // Lost with the connection: the packet comes again and is acknowledged then as a duplicate.
        }
    }

    async Task ProgressAsync(CancellationToken ct)
    {
        foreach (var slot in _slots.Values)
        {
            foreach (var h in slot.Pending) await Quiet(h.Msg.AckProgressAsync(cancellationToken: ct)).ConfigureAwait(false);
            foreach (var a in slot.Ahead.Values) await Quiet(a.Msg.AckProgressAsync(cancellationToken: ct)).ConfigureAwait(false);
        }
    }

    // Packets that waited too long for an earlier one: the missing ones are declared a gap.
    async Task CheckReorderAsync(CancellationToken ct)
    {
        long limit = (long)(_o.ReorderWait.TotalSeconds * Stopwatch.Frequency);
        foreach (var slot in _slots.Values.ToList())
        {
            if (slot.Ahead.Count == 0) continue;
            var first = slot.Ahead.First();
            if (Stopwatch.GetTimestamp() - first.Value.SinceTicks < limit) continue;
            long missing = first.Key - slot.NextSequence;
            Interlocked.Add(ref Counters.PacketsMissing, missing);
            var nextInfo = NatsPacket.Decode(first.Value.Msg.Subject, first.Value.Msg.Headers, first.Value.Msg.Data ?? [], _scratch);
            await PublishNoticeAsync(new NatsNoticeRecord
            {
                Stream = slot.Id, Group = _o.Group, Session = slot.Session, Worker = _o.Worker, Kind = "gap",
                Message = $"packets {slot.NextSequence}..{first.Key - 1} never arrived; events between these times are missing",
                FromUs = slot.LastUs == long.MinValue ? null : slot.LastUs, ToUs = nextInfo.FirstUs,
            }, ct).ConfigureAwait(false);
            slot.Ahead.Remove(first.Key);
            Process(slot, first.Value.Msg, nextInfo);
            while (slot.Ahead.Count > 0 && slot.Ahead.First().Key == slot.NextSequence)
            {
                var next = slot.Ahead.First();
                slot.Ahead.Remove(next.Key);
                var info = NatsPacket.Decode(next.Value.Msg.Subject, next.Value.Msg.Headers, next.Value.Msg.Data ?? [], _scratch);
                Process(slot, next.Value.Msg, info);
            }
        }
    }
}
