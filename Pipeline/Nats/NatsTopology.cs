using System.Globalization;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using NATS.Client.KeyValueStore;

namespace EventSnn.Pipeline.Nats;

/// <summary>Settings of the JetStream streams and bucket, used when they are created and checked when they exist.</summary>
public sealed record NatsTopologyOptions
{
    /// <summary>Partition count asked for: stored when the bucket has none; an error when it differs from the stored one. Null: whatever is stored, else <see cref="NatsSubjects.DefaultPartitions"/>.</summary>
    public int? Partitions { get; init; }
    /// <summary>Oldest event packet kept, or zero for no limit.</summary>
    public TimeSpan EventsMaxAge { get; init; } = TimeSpan.FromHours(1);
    /// <summary>Most bytes of event packets kept (oldest discarded first), or -1 for no limit.</summary>
    public long EventsMaxBytes { get; init; } = 1L << 30;
    /// <summary>Window in which a repeated <c>Nats-Msg-Id</c> is stored once (both streams).</summary>
    public TimeSpan DuplicateWindow { get; init; } = TimeSpan.FromMinutes(2);
    /// <summary>Whether an existing stream with other settings is an error (true) or is left as it is (false: only a warning).</summary>
    public bool Strict { get; init; } = true;
}

/// <summary>An existing stream or bucket does not have the settings this program needs or asked for.</summary>
public sealed class NatsTopologyException(string message) : Exception(message);

/// <summary>What <see cref="NatsTopology.EnsureAsync"/> found or made.</summary>
/// <param name="Partitions">The partition count stored in the bucket.</param>
/// <param name="Created">Names of the streams and bucket created by this call.</param>
/// <param name="Warnings">Differences tolerated (non-strict mode).</param>
public sealed record NatsTopologyState(int Partitions, IReadOnlyList<string> Created, IReadOnlyList<string> Warnings);

/// <summary>Creates the JetStream streams and the key-value bucket, or checks the existing ones.</summary>
public static class NatsTopology
{
    /// <summary>
    /// Creates <see cref="NatsSubjects.EventsStream"/> (limits retention, max age and bytes), <see cref="NatsSubjects.DecisionsStream"/>
    /// (limits retention, nothing expires) and the bucket with the partition count, or checks that the existing
    /// ones match: a difference is a <see cref="NatsTopologyException"/> naming the setting, its value and the one expected.
    /// </summary>
    public static async Task<NatsTopologyState> EnsureAsync(INatsConnection connection, NatsTopologyOptions options, CancellationToken ct)
    {
        if (options.Partitions is < 1 or > NatsSubjects.MaxPartitions)
            throw new ArgumentException($"partition count {options.Partitions} is not in 1..{NatsSubjects.MaxPartitions}");
        var js = new NatsJSContext(connection);
        var created = new List<string>();
        var warnings = new List<string>();
        var events = new StreamConfig(NatsSubjects.EventsStream, ["eventsnn.events.>"])
        {
            Retention = StreamConfigRetention.Limits,
            Storage = StreamConfigStorage.File,
            MaxAge = options.EventsMaxAge,
            MaxBytes = options.EventsMaxBytes,
            Discard = StreamConfigDiscard.Old,
            DuplicateWindow = options.DuplicateWindow,
        };
        var decisions = new StreamConfig(NatsSubjects.DecisionsStream, ["eventsnn.decisions.>", "eventsnn.notices.>"])
        {
            Retention = StreamConfigRetention.Limits,
            Storage = StreamConfigStorage.File,
            MaxAge = TimeSpan.Zero,
            MaxBytes = -1,
            Discard = StreamConfigDiscard.Old,
            DuplicateWindow = options.DuplicateWindow,
            AllowDirect = true,
        };
        foreach (var want in new[] { events, decisions })
        {
            StreamConfig have;
            try
            {
                have = (await js.GetStreamAsync(want.Name!, cancellationToken: ct).ConfigureAwait(false)).Info.Config;
            }
            catch (NatsJSApiException ex) when (ex.Error.Code == 404)
            {
                try
                {
                    await js.CreateStreamAsync(want, ct).ConfigureAwait(false);
                    created.Add(want.Name!);
                    continue;
                }
                catch (NatsJSApiException race) when (race.Error.ErrCode == 10058) // created by another process meanwhile
                {
                    have = (await js.GetStreamAsync(want.Name!, cancellationToken: ct).ConfigureAwait(false)).Info.Config;
                }
            }
            var diffs = Differences(want, have);
            if (diffs.Count == 0) continue;
            string text = $"JetStream stream {want.Name} exists with other settings: {string.Join("; ", diffs)}. " +
                          $"Delete it (nats stream rm {want.Name}) or run with the settings it has";
            if (options.Strict) throw new NatsTopologyException(text);
            warnings.Add(text);
        }

        var kv = new NatsKVContext(js);
        INatsKVStore store;
        try
        {
            store = await kv.GetStoreAsync(NatsSubjects.Bucket, ct).ConfigureAwait(false);
        }
        catch (NatsKVException)
        {
            store = await kv.CreateOrUpdateStoreAsync(new NatsKVConfig(NatsSubjects.Bucket) { History = 1, Storage = NatsKVStorageType.File }, ct).ConfigureAwait(false);
            created.Add(NatsSubjects.Bucket);
        }
        catch (NatsJSApiException ex) when (ex.Error.Code == 404)
        {
            store = await kv.CreateOrUpdateStoreAsync(new NatsKVConfig(NatsSubjects.Bucket) { History = 1, Storage = NatsKVStorageType.File }, ct).ConfigureAwait(false);
            created.Add(NatsSubjects.Bucket);
        }
        int partitions = await PartitionCountAsync(store, options.Partitions ?? NatsSubjects.DefaultPartitions, ct).ConfigureAwait(false);
        if (options.Partitions is { } asked && partitions != asked)
        {
            string text = $"bucket {NatsSubjects.Bucket} fixes {partitions} partitions, not the {options.Partitions} asked for; the count cannot change once streams are published";
            if (options.Strict) throw new NatsTopologyException(text);
            warnings.Add(text);
        }
        return new NatsTopologyState(partitions, created, warnings);
    }

    /// <summary>Reads the partition count from the bucket, storing <paramref name="proposed"/> first if there is none.</summary>
    static async Task<int> PartitionCountAsync(INatsKVStore store, int proposed, CancellationToken ct)
    {
        for (int attempt = 0; attempt < 5; attempt++)
        {
            var got = await store.TryGetEntryAsync<string>(NatsSubjects.PartitionsKey, cancellationToken: ct).ConfigureAwait(false);
            if (got.Success && got.Value.Value is { } text)
            {
                if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n is >= 1 and <= NatsSubjects.MaxPartitions) return n;
                throw new NatsTopologyException($"bucket {NatsSubjects.Bucket} key '{NatsSubjects.PartitionsKey}' holds '{text}', not a partition count in 1..{NatsSubjects.MaxPartitions}");
            }
            var made = await store.TryCreateAsync(NatsSubjects.PartitionsKey, proposed.ToString(CultureInfo.InvariantCulture), cancellationToken: ct).ConfigureAwait(false);
            if (made.Success) return proposed;
        }
        throw new NatsTopologyException($"bucket {NatsSubjects.Bucket}: could not read or store the partition count");
    }

    static List<string> Differences(StreamConfig want, StreamConfig have)
    {
        var d = new List<string>();
        var wantSubjects = (want.Subjects ?? []).OrderBy(s => s, StringComparer.Ordinal).ToList();
        var haveSubjects = (have.Subjects ?? []).OrderBy(s => s, StringComparer.Ordinal).ToList();
        if (!wantSubjects.SequenceEqual(haveSubjects)) d.Add($"subjects [{string.Join(", ", haveSubjects)}], expected [{string.Join(", ", wantSubjects)}]");
        if (want.Retention != have.Retention) d.Add($"retention {have.Retention}, expected {want.Retention}");
        if (want.MaxAge != have.MaxAge) d.Add($"max age {have.MaxAge}, expected {want.MaxAge}");
        if (want.MaxBytes != have.MaxBytes) d.Add($"max bytes {have.MaxBytes}, expected {want.MaxBytes}");
        if (want.Storage != have.Storage) d.Add($"storage {have.Storage}, expected {want.Storage}");
        if (want.DuplicateWindow != have.DuplicateWindow) d.Add($"duplicate window {have.DuplicateWindow}, expected {want.DuplicateWindow}");
        return d;
    }
}
