using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using NATS.Client.Core;
using NATS.Client.KeyValueStore;

namespace EventSnn.Pipeline.Nats;

/// <summary>What happened to a partition lease.</summary>
/// <param name="Partition">The partition.</param>
/// <param name="Action">acquired (it was free), taken_over (its owner stopped renewing), released, lost.</param>
/// <param name="PreviousOwner">Owner before a takeover, or null.</param>
/// <param name="Detail">Why, in words.</param>
public sealed record NatsLeaseEvent(int Partition, string Action, string? PreviousOwner, string Detail);

/// <summary>
/// Partition leases of one worker in a group, kept in the key-value bucket under <c>&lt;group&gt;.lease.&lt;p&gt;</c>
/// with compare-and-set on the key's revision (NATS 2.9 has no per-key TTL). A lease is renewed every
/// <see cref="Renew"/>; another worker takes it over once it has seen the key's revision unchanged for
/// <see cref="Ttl"/> on its own clock (so no clocks need to agree). Membership (<c>&lt;group&gt;.members</c>) sets each
/// worker's fair share, ceil(partitions / live workers); a worker holding more releases the excess.
/// </summary>
public sealed class NatsLeases
{
    readonly INatsKVStore _kv;
    readonly string _group;
    readonly int _partitions;
    readonly Dictionary<int, ulong> _held = new();
    readonly Dictionary<int, long> _lastRenewTicks = new();
    readonly Dictionary<int, (ulong Revision, string Owner, long SinceTicks)> _seen = new();

    /// <summary>Creates the lease keeper for <paramref name="worker"/> in <paramref name="group"/>.</summary>
    public NatsLeases(INatsKVStore kv, string group, string worker, int partitions, TimeSpan ttl, TimeSpan renew)
    {
        _kv = kv;
        _group = group;
        Worker = worker;
        _partitions = partitions;
        Ttl = ttl;
        Renew = renew;
    }

    /// <summary>This worker's name (unique in the group).</summary>
    public string Worker { get; }
    /// <summary>How long a lease's revision must stay unchanged before another worker takes it.</summary>
    public TimeSpan Ttl { get; }
    /// <summary>How often held leases are renewed.</summary>
    public TimeSpan Renew { get; }
    /// <summary>Partitions held now.</summary>
    public IReadOnlyCollection<int> Held => _held.Keys;
    /// <summary>Live workers in the group at the last <see cref="RefreshAsync"/>.</summary>
    public int LiveWorkers { get; private set; } = 1;

    string Key(int p) => string.Create(CultureInfo.InvariantCulture, $"{_group}.lease.{p}");
    string MembersKey => $"{_group}.members";
    string Value() => JsonSerializer.Serialize(new Dictionary<string, string> { ["worker"] = Worker, ["renewed"] = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture) });

    static string OwnerOf(string? value)
    {
        if (string.IsNullOrEmpty(value)) return "";
        try { return JsonSerializer.Deserialize<Dictionary<string, string>>(value)?.GetValueOrDefault("worker") ?? ""; }
        catch (JsonException) { return ""; }
    }

    /// <summary>
    /// One round: renews held leases (reporting those lost), updates membership, and returns the partitions to
    /// release (above the fair share) — the caller releases them with <see cref="ReleaseAsync"/> after handing back
    /// their messages. Acquiring is <see cref="AcquireAsync"/>.
    /// </summary>
    public async Task<(List<NatsLeaseEvent> Lost, List<int> ToRelease)> RefreshAsync(CancellationToken ct)
    {
        var lost = new List<NatsLeaseEvent>();
        long now = Stopwatch.GetTimestamp();
        foreach (int p in _held.Keys.ToList())
        {
            var r = await _kv.TryUpdateAsync(Key(p), Value(), _held[p], cancellationToken: ct).ConfigureAwait(false);
            if (r.Success) { _held[p] = r.Value; _lastRenewTicks[p] = now; continue; }
            if (r.Error is NatsKVWrongLastRevisionException || Stopwatch.GetElapsedTime(_lastRenewTicks[p]).TotalSeconds >= Ttl.TotalSeconds)
            {
                _held.Remove(p);
                _lastRenewTicks.Remove(p);
                lost.Add(new NatsLeaseEvent(p, "lost", null, r.Error is NatsKVWrongLastRevisionException ? "another worker holds it" : $"not renewed for {Ttl.TotalSeconds:0} s"));
            }
        }
        LiveWorkers = await UpdateMembersAsync(leaving: false, ct).ConfigureAwait(false);
        int share = (_partitions + LiveWorkers - 1) / LiveWorkers;
        var release = _held.Keys.OrderByDescending(p => p).Take(Math.Max(0, _held.Count - share)).ToList();
        return (lost, release);
    }

    /// <summary>Tries to take free partitions up to the fair share and every expired one; returns what was taken.</summary>
    public async Task<List<NatsLeaseEvent>> AcquireAsync(CancellationToken ct)
    {
        var taken = new List<NatsLeaseEvent>();
        int share = (_partitions + LiveWorkers - 1) / LiveWorkers;
        int offset = NatsSubjects.Partition(Worker, _partitions);
        // Every partition is looked at each round, so expiry is noticed in time; a free one is taken only below the
        // fair share, an expired one always (its owner is gone; the share evens out once membership notices).
        for (int i = 0; i < _partitions; i++)
        {
            int p = (offset + i) % _partitions;
            if (_held.ContainsKey(p)) continue;
            bool belowShare = _held.Count < share;
            var entry = await _kv.TryGetEntryAsync<string>(Key(p), cancellationToken: ct).ConfigureAwait(false);
            long now = Stopwatch.GetTimestamp();
            if (!entry.Success)
            {
                if (!belowShare || entry.Error is not NatsKVKeyNotFoundException and not NatsKVKeyDeletedException) continue;
                var made = await _kv.TryCreateAsync(Key(p), Value(), cancellationToken: ct).ConfigureAwait(false);
                if (made.Success) { Hold(p, made.Value, now); taken.Add(new NatsLeaseEvent(p, "acquired", null, "free")); }
                continue;
            }
            var e = entry.Value;
            string owner = OwnerOf(e.Value);
            if (e.Operation != NatsKVOperation.Put || owner.Length == 0)
            {
                if (!belowShare) continue;
                var r = await _kv.TryUpdateAsync(Key(p), Value(), e.Revision, cancellationToken: ct).ConfigureAwait(false);
                if (r.Success) { Hold(p, r.Value, now); taken.Add(new NatsLeaseEvent(p, "acquired", null, "released by its owner")); }
                continue;
            }
            if (!_seen.TryGetValue(p, out var seen) || seen.Revision != e.Revision)
            {
                _seen[p] = (e.Revision, owner, now);
                continue;
            }
            double unchanged = Stopwatch.GetElapsedTime(seen.SinceTicks).TotalSeconds;
            if (owner == Worker || unchanged >= Ttl.TotalSeconds)
            {
                var r = await _kv.TryUpdateAsync(Key(p), Value(), e.Revision, cancellationToken: ct).ConfigureAwait(false);
                if (r.Success)
                {
                    Hold(p, r.Value, now);
                    taken.Add(new NatsLeaseEvent(p, "taken_over", owner, FormattableString.Invariant($"lease not renewed for {unchanged:0.0} s")));
                }
            }
        }
        return taken;
    }

    void Hold(int p, ulong revision, long now)
    {
        _held[p] = revision;
        _lastRenewTicks[p] = now;
        _seen.Remove(p);
    }

    /// <summary>Gives a partition up (deletes its lease if still ours) so another worker can take it at once.</summary>
    public async Task<NatsLeaseEvent?> ReleaseAsync(int p, string why, CancellationToken ct)
    {
        if (!_held.Remove(p, out ulong revision)) return null;
        _lastRenewTicks.Remove(p);
        await _kv.TryDeleteAsync(Key(p), new NatsKVDeleteOpts { Revision = revision }, ct).ConfigureAwait(false);
        return new NatsLeaseEvent(p, "released", null, why);
    }

    /// <summary>Leaves the group: removes this worker from the members.</summary>
    public Task LeaveAsync(CancellationToken ct) => UpdateMembersAsync(leaving: true, ct);

    async Task<int> UpdateMembersAsync(bool leaving, CancellationToken ct)
    {
        for (int attempt = 0; attempt < 5; attempt++)
        {
            var entry = await _kv.TryGetEntryAsync<string>(MembersKey, cancellationToken: ct).ConfigureAwait(false);
            Dictionary<string, long> members = new();
            ulong revision = 0;
            if (entry.Success && entry.Value.Operation == NatsKVOperation.Put && entry.Value.Value is { } text)
            {
                try { members = JsonSerializer.Deserialize<Dictionary<string, long>>(text) ?? new(); }
                catch (JsonException) { }
                revision = entry.Value.Revision;
            }
            else if (entry.Success) revision = entry.Value.Revision;
            long nowMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            long staleMs = (long)(Ttl.TotalMilliseconds * 2);
            foreach (var k in members.Where(m => nowMs - m.Value > staleMs).Select(m => m.Key).ToList()) members.Remove(k);
            if (leaving) members.Remove(Worker);
            else members[Worker] = nowMs;
            string value = JsonSerializer.Serialize(members);
            var r = revision == 0 && !entry.Success
                ? await _kv.TryCreateAsync(MembersKey, value, cancellationToken: ct).ConfigureAwait(false)
                : await _kv.TryUpdateAsync(MembersKey, value, revision, cancellationToken: ct).ConfigureAwait(false);
            if (r.Success) return Math.Max(1, members.Count);
        }
        return LiveWorkers;
    }
}
