using System.CommandLine;
using System.Diagnostics;
using EventSnn.Ingest;
using EventSnn.Pipeline.Servers;

namespace EventSnn.Cli.Pipeline;

/// <summary>
/// <c>eventsnn stream replay PATH --udp HOST:PORT | --tcp-listen [HOST:]PORT [--speed X] [--timestamps]</c>:
/// serves a recording the way AEStream (UDP, SPIF words) or a DV camera (TCP, AEDAT 4 network stream) would.
/// </summary>
internal static class StreamReplay
{
    public static Command Create()
    {
        var path = new Argument<string>("PATH") { Description = "Recording to serve (any readable format; ARCHIVE#ENTRY for an archive entry)." };
        var udp = new Option<string?>("--udp") { Description = "Send AEStream SPIF datagrams to HOST:PORT." };
        var tcp = new Option<string?>("--tcp-listen") { Description = "Serve an AEDAT 4 network stream on [HOST:]PORT (host 127.0.0.1 unless given; port 0 picks a free one)." };
        var speed = new Option<double>("--speed") { Description = "Pace at the recorded speed times X (0 = as fast as possible).", DefaultValueFactory = _ => 1.0 };
        var timestamps = new Option<bool>("--timestamps") { Description = "UDP: send a timestamp word with every event (otherwise the receiver stamps arrival time)." };
        var compression = new Option<string>("--compression") { Description = "TCP packet compression: none, lz4, lz4-high, zstd or zstd-high.", DefaultValueFactory = _ => "lz4" };
        var packetEvents = new Option<int>("--packet-events") { Description = "TCP: most events per packet.", DefaultValueFactory = _ => 8192 };
        var json = new Option<bool>("--json") { Description = "Print the summary as JSON." };

        var cmd = new Command("replay", "Serve a recording over UDP (AEStream SPIF words) or TCP (AEDAT 4, as a DV camera does).");
        cmd.Arguments.Add(path);
        foreach (var o in new Option[] { udp, tcp, speed, timestamps, compression, packetEvents, json }) cmd.Options.Add(o);
        CliValidation.Add(cmd, r =>
        {
            if ((r.GetValue(udp) is null) == (r.GetValue(tcp) is null)) r.AddError("give exactly one of --udp HOST:PORT and --tcp-listen [HOST:]PORT");
            if (!(r.GetValue(speed) >= 0) || double.IsInfinity(r.GetValue(speed))) r.AddError("--speed must be a finite number >= 0");
        });
        cmd.SetAction(async (parse, ct) =>
        {
            string file = parse.GetValue(path)!;
            if (parse.GetValue(packetEvents) is < 1 or > 1 << 20)
                throw new CliInputException($"--packet-events must be in 1..{1 << 20}, got {parse.GetValue(packetEvents)}");
            bool asJson = parse.GetValue(json);
            var output = new JsonLines(Console.Out);
            try
            {
                using var reader = EventFile.Open(file);
                var pacer = new ReplayPacer(parse.GetValue(speed));
                var clock = Stopwatch.StartNew();
                long events, units;
                string target;
                if (parse.GetValue(udp) is { } udpTarget)
                {
                    var (host, port) = Endpoints.Parse(udpTarget, "127.0.0.1");
                    using var sender = new SpifUdpSender(Endpoints.Resolve(host, port), parse.GetValue(timestamps));
                    target = $"udp://{sender.Target}";
                    Console.Error.WriteLine($"sending {file} to {target}");
                    foreach (var batch in reader.ReadBatches())
                        using (batch)
                            await sender.SendAsync(batch, pacer, ct);
                    (events, units) = (sender.EventsSent, sender.DatagramsSent);
                }
                else
                {
                    var (host, port) = Endpoints.Parse(parse.GetValue(tcp)!, "127.0.0.1");
                    using var server = new Aedat4TcpServer(Endpoints.Resolve(host, port));
                    target = $"tcp://{server.LocalEndPoint}";
                    // Tools wait for this line to learn the port when 0 was asked for.
                    Console.Error.WriteLine($"listening on {server.LocalEndPoint}");
                    var options = new Aedat4ServeOptions
                    {
                        Compression = ParseCompression(parse.GetValue(compression)!),
                        PacketEvents = parse.GetValue(packetEvents),
                        Speed = parse.GetValue(speed),
                    };
                    int clients = await server.ServeAsync(reader.ReadBatches(), reader.Width, reader.Height, options, ct);
                    (events, units) = (server.EventsSent, server.PacketsSent);
                    Console.Error.WriteLine($"served {clients} client(s)");
                }
                var summary = new { File = file, Target = target, Events = events, Sent = units, Seconds = Math.Round(clock.Elapsed.TotalSeconds, 3) };
                if (asJson) output.Write("replay", summary);
                else output.WriteText($"replayed {events} events of {file} to {target} ({units} {(target.StartsWith("udp") ? "datagrams" : "packets")}) in {summary.Seconds} s");
                return 0;
            }
            catch (OperationCanceledException)
            {
                Console.Error.WriteLine("replay cancelled");
                return 130;
            }
            catch (Exception ex) when (ex is InvalidDataException or IOException or ArgumentException or NotSupportedException or System.Net.Sockets.SocketException or UnauthorizedAccessException)
            {
                return CliErrors.ReportBadInput(ex);
            }
        });
        return cmd;
    }

    internal static Aedat4Compression ParseCompression(string text) => text.Trim().ToLowerInvariant() switch
    {
        "none" => Aedat4Compression.None,
        "lz4" => Aedat4Compression.Lz4,
        "lz4-high" => Aedat4Compression.Lz4High,
        "zstd" => Aedat4Compression.Zstd,
        "zstd-high" => Aedat4Compression.ZstdHigh,
        _ => throw new ArgumentException($"unknown compression '{text}' (none, lz4, lz4-high, zstd, zstd-high)"),
    };
}
