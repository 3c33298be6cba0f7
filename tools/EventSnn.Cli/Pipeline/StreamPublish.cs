using System.CommandLine;
using System.Diagnostics;
using EventSnn.Ingest;
using EventSnn.Pipeline.Nats;
using EventSnn.Pipeline.Sources;

namespace EventSnn.Cli.Pipeline;

/// <summary>
/// <c>eventsnn stream publish SOURCE... --nats URL --id NAME...</c> (recordings, paced like <c>stream replay</c>),
/// <c>--udp-listen [HOST:]PORT --id NAME</c> or <c>--tcp HOST:PORT --id NAME</c> (bridges from a live camera):
/// publishes event packets on JetStream (<c>eventsnn.events.&lt;partition&gt;.&lt;id&gt;</c>), creating or checking the
/// streams first. Prints one summary per stream (events and packets acknowledged by JetStream).
/// </summary>
internal static class StreamPublish
{
    public static Command Create()
    {
        var sources = new Argument<string[]>("SOURCE") { Description = "Recordings to publish, one stream each (any readable format).", Arity = ArgumentArity.ZeroOrMore };
        var ids = new Option<string[]>("--id") { Description = "Stream id for each SOURCE, in order (letters, digits, '_', '-'); one for a bridge.", Required = true, AllowMultipleArgumentsPerToken = true };
        var udp = new Option<string?>("--udp-listen") { Description = "Bridge: receive AEStream SPIF datagrams on [HOST:]PORT and publish them." };
        var tcp = new Option<string?>("--tcp") { Description = "Bridge: read an AEDAT 4 network stream from HOST:PORT (reconnects) and publish it." };
        var sensor = new Option<string>("--sensor") { Description = "UDP bridge: sensor size WxH.", DefaultValueFactory = _ => "128x128" };
        var speed = new Option<double>("--speed") { Description = "Recordings: pace at the recorded speed times X (0 = as fast as possible).", DefaultValueFactory = _ => 1.0 };
        var packetEvents = new Option<int>("--packet-events") { Description = "Most events per packet.", DefaultValueFactory = _ => 8192 };
        var packetUs = new Option<long>("--packet-us") { Description = "Most event time per packet, µs.", DefaultValueFactory = _ => 20_000 };
        var inFlight = new Option<int>("--max-in-flight") { Description = "Most publishes awaiting a JetStream acknowledgement.", DefaultValueFactory = _ => 64 };
        var duration = new Option<double>("--duration") { Description = "Bridges: stop after this many seconds (0 = until Ctrl+C)." };
        var json = new Option<bool>("--json") { Description = "Print the summaries as JSON lines." };
        var nats = new NatsCli();

        var cmd = new Command("publish", "Publish recordings or a live camera's events on NATS JetStream for classifier workers.");
        cmd.Arguments.Add(sources);
        foreach (var o in new Option[] { ids, udp, tcp, sensor, speed, packetEvents, packetUs, inFlight, duration, json }) cmd.Options.Add(o);
        nats.AddTo(cmd, topology: true);
        cmd.Validators.Add(r =>
        {
            int files = r.GetValue(sources)?.Length ?? 0;
            int kinds = (files > 0 ? 1 : 0) + (r.GetValue(udp) is null ? 0 : 1) + (r.GetValue(tcp) is null ? 0 : 1);
            if (kinds != 1) r.AddError("give recordings (SOURCE...), or --udp-listen [HOST:]PORT, or --tcp HOST:PORT");
            int idCount = r.GetValue(ids)?.Length ?? 0;
            if (files > 0 && idCount != files) r.AddError($"give one --id per recording ({files} recordings, {idCount} ids)");
            if (files == 0 && idCount != 1) r.AddError("a bridge publishes one stream: give one --id");
            if (r.GetValue(speed) < 0) r.AddError("--speed must be >= 0");
        });
        cmd.SetAction((parse, ct) => NatsCli.Guard("stream publish", async scrub =>
        {
            bool asJson = parse.GetValue(json);
            var output = new JsonLines(Console.Out);
            var endpoint = nats.Endpoint(parse);
            scrub.Endpoint = endpoint;
            string[] files = parse.GetValue(sources) ?? [];
            string[] names = parse.GetValue(ids)!;
            foreach (var n in names) NatsSubjects.CheckName(n, "--id");
            if (names.Distinct(StringComparer.Ordinal).Count() != names.Length) throw new ArgumentException("each --id must be different");
            foreach (var f in files)
                if (!File.Exists(f.Split('#')[0])) throw new FileNotFoundException($"{f}: file not found", f);

            await using var connection = await endpoint.ConnectAsync("eventsnn publish", ct);
            var topology = await NatsTopology.EnsureAsync(connection, nats.Topology(parse), ct);
            Console.Error.WriteLine($"connected to {endpoint.Display}; {topology.Partitions} partitions" + (topology.Created.Count > 0 ? $"; created {string.Join(", ", topology.Created)}" : ""));

            var sourceIds = new Dictionary<string, string>(StringComparer.Ordinal);
            var list = new List<IEventSource>();
            var readers = new List<IEventReader>();
            SpifUdpReceiver? receiver = null;
            try
            {
                if (files.Length > 0)
                {
                    for (int i = 0; i < files.Length; i++)
                    {
                        var reader = EventFile.Open(files[i]);
                        readers.Add(reader);
                        string name = $"file:{i}";
                        sourceIds[name] = names[i];
                        list.Add(new RecordingReplaySource(name, () => reader.ReadBatches(), parse.GetValue(speed)));
                    }
                }
                else if (parse.GetValue(udp) is { } listen)
                {
                    var (host, port) = Endpoints.Parse(listen, "127.0.0.1");
                    var (w, h) = ParseSize(parse.GetValue(sensor)!);
                    receiver = new SpifUdpReceiver(Endpoints.Resolve(host, port), w, h);
                    list.Add(receiver);
                    Console.Error.WriteLine($"listening on {receiver.LocalEndPoint}");
                }
                else
                {
                    var (host, port) = Endpoints.Parse(parse.GetValue(tcp)!, "127.0.0.1");
                    list.Add(new Aedat4TcpSource(host, port));
                }
                // A bridge has one stream id, whatever the source calls its stream.
                Func<string, string> idOf = files.Length > 0 ? s => sourceIds[s] : _ => names[0];
                await using var publisher = new NatsEventPublisher(connection, topology.Partitions, idOf, new NatsPublisherOptions
                {
                    PacketEvents = parse.GetValue(packetEvents),
                    PacketUs = parse.GetValue(packetUs),
                    MaxInFlight = parse.GetValue(inFlight),
                });
                publisher.Noticed += n => Console.Error.WriteLine($"{n.Stream}: {n.Kind}: {n.Message}");
                using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
                if (files.Length == 0 && parse.GetValue(duration) is > 0 and var secs) stop.CancelAfter(TimeSpan.FromSeconds(secs));
                var clock = Stopwatch.StartNew();
                try
                {
                    await Task.WhenAll(list.Select(s => Task.Run(() => s.RunAsync(publisher, stop.Token), CancellationToken.None)));
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested && !ct.IsCancellationRequested) { }
                if (files.Length == 0)
                    foreach (var n in names) await publisher.EndStreamAsync(n, CancellationToken.None);
                using (var flush = new CancellationTokenSource(TimeSpan.FromSeconds(90)))
                    await publisher.FlushAsync(flush.Token);
                double seconds = Math.Round(clock.Elapsed.TotalSeconds, 3);
                foreach (var s in publisher.Streams)
                {
                    if (asJson) output.Write("published", new { s.Id, s.Partition, s.Events, s.Packets, s.Duplicates, s.Retries, s.Session, Seconds = seconds });
                    else output.WriteText($"published {s.Events} events of stream {s.Id} in {s.Packets} packets to partition {s.Partition} ({s.Retries} retries, {s.Duplicates} duplicates) in {seconds} s");
                }
                return 0;
            }
            finally
            {
                receiver?.Dispose();
                foreach (var r in readers) r.Dispose();
            }
        }));
        return cmd;
    }

    static (int W, int H) ParseSize(string text)
    {
        var parts = text.ToLowerInvariant().Split('x');
        if (parts.Length == 2 && int.TryParse(parts[0], out int w) && int.TryParse(parts[1], out int h) && w > 0 && h > 0) return (w, h);
        throw new ArgumentException($"--sensor '{text}' is not WxH");
    }
}
