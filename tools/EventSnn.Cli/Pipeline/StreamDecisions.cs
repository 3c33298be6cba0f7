using System.CommandLine;
using System.Text.Json;
using EventSnn.Pipeline.Nats;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace EventSnn.Cli.Pipeline;

/// <summary>
/// <c>eventsnn stream decisions --nats URL [--id NAME] [--group NAME] [--follow] [--json]</c>: prints the decisions
/// (and notices) stored in <c>EVENTSNN_DECISIONS</c>, oldest first; with <c>--follow</c> keeps printing new ones.
/// JSON lines carry the stored record plus <c>type</c>, the JetStream sequence and the subject.
/// </summary>
internal static class StreamDecisions
{
    public static Command Create()
    {
        var id = new Option<string?>("--id") { Description = "Only this stream." };
        var group = new Option<string>("--group") { Description = "Worker group whose decisions to print.", DefaultValueFactory = _ => NatsSubjects.DefaultGroup };
        var follow = new Option<bool>("--follow") { Description = "Keep printing new decisions until Ctrl+C." };
        var notices = new Option<bool>("--no-notices") { Description = "Leave notices out." };
        var json = new Option<bool>("--json") { Description = "Print JSON lines." };
        var nats = new NatsCli();
        var cmd = new Command("decisions", "Print the decisions and notices workers stored on NATS JetStream.");
        foreach (var o in new Option[] { id, group, follow, notices, json }) cmd.Options.Add(o);
        nats.AddTo(cmd, topology: false);
        cmd.SetAction((parse, ct) => NatsCli.Guard("stream decisions", async scrub =>
        {
            var endpoint = nats.Endpoint(parse);
            scrub.Endpoint = endpoint;
            string? only = parse.GetValue(id);
            if (only != null) NatsSubjects.CheckName(only, "--id");
            string g = NatsSubjects.CheckName(parse.GetValue(group)!, "--group");
            bool asJson = parse.GetValue(json), keepFollowing = parse.GetValue(follow), withNotices = !parse.GetValue(notices);
            var output = new JsonLines(Console.Out);
            await using var connection = await endpoint.ConnectAsync("eventsnn decisions", ct);
            var js = new NatsJSContext(connection);
            INatsJSStream stream;
            try { stream = await js.GetStreamAsync(NatsSubjects.DecisionsStream, cancellationToken: ct); }
            catch (NatsJSApiException ex) when (ex.Error.Code == 404)
            {
                throw new ArgumentException($"no JetStream stream {NatsSubjects.DecisionsStream} on {endpoint.Display}: no worker has run there yet");
            }
            ulong lastAtStart = stream.Info.State.LastSeq;
            // One filter for decisions and notices (a 2.9 server takes one subject per consumer); the stream id is
            // matched here, from the subject.
            const string filter = "eventsnn.>";
            if (!keepFollowing)
            {
                // What is stored now, then stop: an ephemeral pull consumer read until a fetch comes back empty.
                if (lastAtStart == 0) return 0;
                var reader = await js.CreateOrUpdateConsumerAsync(NatsSubjects.DecisionsStream, new ConsumerConfig
                {
                    FilterSubject = filter,
                    AckPolicy = ConsumerConfigAckPolicy.None,
                    DeliverPolicy = ConsumerConfigDeliverPolicy.All,
                    InactiveThreshold = TimeSpan.FromMinutes(1),
                }, ct);
                while (true)
                {
                    int got = 0;
                    await foreach (var msg in reader.FetchNoWaitAsync<byte[]>(new NatsJSFetchOpts { MaxMsgs = 1000 }, cancellationToken: ct))
                    {
                        got++;
                        Print(msg.Subject, msg.Metadata?.Sequence.Stream ?? 0, msg.Data ?? [], only, g, withNotices, asJson, output);
                    }
                    if (got == 0) break;
                }
                return 0;
            }
            var consumer = await js.CreateOrderedConsumerAsync(NatsSubjects.DecisionsStream, new NatsJSOrderedConsumerOpts { FilterSubjects = [filter] }, ct);
            try
            {
                await foreach (var msg in consumer.ConsumeAsync<byte[]>(cancellationToken: ct))
                    Print(msg.Subject, msg.Metadata?.Sequence.Stream ?? 0, msg.Data ?? [], only, g, withNotices, asJson, output);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested) { } // Ctrl+C ends --follow normally
            return 0;
        }));
        return cmd;
    }

    static void Print(string subject, ulong seq, byte[] data, string? only, string group, bool withNotices, bool asJson, JsonLines output)
    {
        string[] tokens = subject.Split('.');
        if (tokens.Length < 3) return;
        if (only != null && tokens[2] != only) return;
        string kind = tokens[1];
        string subjectGroup = tokens.Length >= 4 ? tokens[3] : NatsSubjects.DefaultGroup;
        if (subjectGroup != group) return;
        if (kind == "notices" && !withNotices) return;
        if (kind is not ("decisions" or "notices")) return;
        try
        {
            if (kind == "decisions")
            {
                var d = JsonSerializer.Deserialize<NatsDecisionRecord>(data, NatsJson.Options)!;
                if (asJson) output.Write("decision", d);
                else output.WriteText($"#{seq} {d.Stream}: {d.Label} (class {d.Class}, confidence {d.Confidence:0.000}) at step {d.Timestep} [{d.Reason}], window {d.StartTimeUs}..{d.EventTimeUs} µs, {d.Events} events, by {d.Worker}");
            }
            else
            {
                var n = JsonSerializer.Deserialize<NatsNoticeRecord>(data, NatsJson.Options)!;
                if (asJson) output.Write("notice", n);
                else output.WriteText($"#{seq} {n.Stream}: {n.Kind}: {n.Message}" + (n.FromUs is { } f ? $" [{f}..{n.ToUs} µs]" : ""));
            }
        }
        catch (Exception ex) when (ex is JsonException or NullReferenceException)
        {
            Console.Error.WriteLine($"#{seq} on {subject}: not a decision or notice record ({data.Length} bytes): skipped");
        }
    }
}
