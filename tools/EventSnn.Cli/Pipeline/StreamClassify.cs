using System.CommandLine;
using System.Diagnostics;
using EventSnn.Pipeline;
using EventSnn.Pipeline.Binning;
using EventSnn.Pipeline.Flow;
using EventSnn.Pipeline.Network;
using EventSnn.Pipeline.Sources;

namespace EventSnn.Cli.Pipeline;

/// <summary>
/// <c>eventsnn stream classify --udp-listen [HOST:]PORT | --tcp HOST:PORT --model CKPT [--json]</c>: runs the
/// streaming pipeline on a live stream and prints decisions (JSON lines with <c>--json</c>) and the counters,
/// every few seconds and on exit. Listens on 127.0.0.1 unless told otherwise. Ctrl+C stops every stage,
/// flushes the counters and exits with code 0.
/// </summary>
internal static class StreamClassify
{
    public static Command Create()
    {
        var udp = new Option<string?>("--udp-listen") { Description = "Receive AEStream SPIF datagrams on [HOST:]PORT (host 127.0.0.1 unless given)." };
        var tcp = new Option<string?>("--tcp") { Description = "Connect to an AEDAT 4 network stream at HOST:PORT (reconnects with back-off)." };
        var model = new Option<string>("--model") { Description = "Checkpoint (*.ckpt); its CKPT.cutoff.json calibration is used when present.", Required = true };
        var json = new Option<bool>("--json") { Description = "Print decisions, notices and counters as JSON lines." };
        var binUs = new Option<long?>("--bin-us") { Description = "Bin length in µs of event time (default: the checkpoint's sample window / T)." };
        var eventsPerBin = new Option<int?>("--events-per-bin") { Description = "Cut bins by event count instead of time." };
        var sensor = new Option<string?>("--sensor") { Description = "Sensor size WxH in pixels (default: the checkpoint's)." };
        var quietMs = new Option<int>("--quiet-ms") { Description = "Close a stream's open bin, and decide, after this many ms without events (0 = never).", DefaultValueFactory = _ => 500 };
        var policy = new Option<string>("--policy") { Description = "When a queue is full: drop-oldest, drop-newest, or wait (lossless; slows a TCP sender).", DefaultValueFactory = _ => "drop-oldest" };
        var cutoff = new Option<string?>("--cutoff") { Description = "Cutoff policy: topk (calibrated, default), conformal, softmax, entropy or fixed." };
        var cutoffSetting = new Option<double?>("--cutoff-setting") { Description = "The policy's setting (ε for topk, threshold, coverage, or timestep)." };
        var countersEvery = new Option<double>("--counters-every") { Description = "Seconds between counter reports (0 = only on exit).", DefaultValueFactory = _ => 5 };
        var once = new Option<bool>("--once") { Description = "TCP: stop when the server closes instead of reconnecting." };
        var idleExit = new Option<double>("--idle-exit") { Description = "Stop after this many seconds without new events, once some have arrived (0 = never)." };
        var duration = new Option<double>("--duration") { Description = "Stop after this many seconds (0 = run until Ctrl+C)." };

        var cmd = new Command("classify", "Classify a live event stream; decisions as they happen, with their latency, and exact counters.");
        foreach (var o in new Option[] { udp, tcp, model, json, binUs, eventsPerBin, sensor, quietMs, policy, cutoff, cutoffSetting, countersEvery, once, idleExit, duration })
            cmd.Options.Add(o);
        CliValidation.Add(cmd, r =>
        {
            if ((r.GetValue(udp) is null) == (r.GetValue(tcp) is null)) r.AddError("give exactly one of --udp-listen [HOST:]PORT and --tcp HOST:PORT");
            if (r.GetValue(binUs) is not null && r.GetValue(eventsPerBin) is not null) r.AddError("give at most one of --bin-us and --events-per-bin");
        });
        cmd.SetAction(async (parse, ct) =>
        {
            var output = new JsonLines(Console.Out);
            bool asJson = parse.GetValue(json);
            try
            {
                var factory = new CheckpointClassifierFactory(parse.GetValue(model)!);
                var info = factory.Model;
                if (info.Input is { } input && input.Mode != EventSnn.Model.ConversionInput.Causal)
                    throw new ArgumentException($"this converted checkpoint takes its whole sample as one frame at every step (input mode '{input.Mode}'); a stream delivers one slice per step: convert with `eventsnn ann2snn --input-mode causal`");
                var frames = info.Frames;
                int downsample = frames?.Downsample ?? 1;
                var (sensorW, sensorH) = parse.GetValue(sensor) is { } s ? ParseSize(s)
                    : frames is not null ? (frames.SensorWidth, frames.SensorHeight) : (info.Width * downsample, info.Height * downsample);
                long window = parse.GetValue(binUs) ?? 0;
                int perBin = parse.GetValue(eventsPerBin) ?? 0;
                if (window == 0 && perBin == 0)
                {
                    if (frames is { WindowEndUs: > 0 } f && f.WindowEndUs > f.WindowStartUs) window = (f.WindowEndUs - f.WindowStartUs) / info.T;
                    else throw new ArgumentException("the checkpoint does not record its sample window: give --bin-us (bin length in µs) or --events-per-bin");
                }
                var binning = new OnlineBinningOptions
                {
                    WindowUs = window,
                    EventsPerBin = perBin,
                    Width = info.Width,
                    Height = info.Height,
                    Downsample = downsample,
                    QuietPeriod = TimeSpan.FromMilliseconds(parse.GetValue(quietMs)),
                };
                var (exitRule, cutoffText) = factory.LoadExitRule(parse.GetValue(cutoff), parse.GetValue(cutoffSetting));
                var options = new PipelineOptions { Binning = binning, Policy = DropPolicies.Parse(parse.GetValue(policy)!) };

                IEventSource source;
                SpifUdpReceiver? receiver = null;
                if (parse.GetValue(udp) is { } listen)
                {
                    var (host, port) = Endpoints.Parse(listen, "127.0.0.1");
                    source = receiver = new SpifUdpReceiver(Endpoints.Resolve(host, port), sensorW, sensorH);
                }
                else
                {
                    var (host, port) = Endpoints.Parse(parse.GetValue(tcp)!, "127.0.0.1");
                    source = new Aedat4TcpSource(host, port, new Aedat4TcpOptions { Reconnect = !parse.GetValue(once) });
                }
                using var _ = receiver;

                var pipeline = new StreamPipeline(options, factory, exitRule);
                string setup = $"{source.Description}: model {info.Arch} T={info.T} {info.Height}x{info.Width} (downsample {downsample}), " +
                               (window > 0 ? $"bins of {window} µs" : $"bins of {perBin} events") + $", cutoff {cutoffText}, policy {options.Policy.Name()}";
                if (asJson) output.Write("start", new { Source = source.Description, Model = info.Arch, info.T, BinUs = window, EventsPerBin = perBin, Cutoff = cutoffText, Policy = options.Policy.Name() });
                else Console.Error.WriteLine(setup);

                pipeline.Decisions.Subscribe(d =>
                {
                    if (asJson) output.Write("decision", new { d.Stream, d.Class, d.Label, d.Confidence, d.Timestep, d.EventTimeUs, d.StartTimeUs, d.LatencyMs, d.Reason, d.Events });
                    else output.WriteText($"{d.Stream}: {d.Label} (class {d.Class}, confidence {d.Confidence:0.000}) at step {d.Timestep} [{d.Reason}], event time {d.EventTimeUs} µs, latency {d.LatencyMs:0.000} ms");
                }, _ => { });
                var noticeLimit = new NoticeRateLimiter(5);
                pipeline.Notices.Subscribe(n =>
                {
                    // a flood of malformed input prints at most a few notices a second per stream and kind, then a count
                    if (!noticeLimit.Allow(n.Stream, n.Kind.ToString(), out string? suppressed))
                        return;
                    if (suppressed is not null) Console.Error.WriteLine(suppressed);
                    if (asJson) output.Write("notice", n);
                    else Console.Error.WriteLine($"{n.Stream}: {n.Kind}: {n.Message}");
                }, () => { foreach (string line in noticeLimit.Flush()) Console.Error.WriteLine(line); });

                using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
                if (parse.GetValue(duration) is > 0 and var secs) stop.CancelAfter(TimeSpan.FromSeconds(secs));
                var run = pipeline.RunAsync(source, stop.Token);
                var clock = Stopwatch.StartNew();
                double every = parse.GetValue(countersEvery), idle = parse.GetValue(idleExit);
                double nextReport = every > 0 ? every : double.MaxValue;
                long lastReceived = 0;
                var lastChange = Stopwatch.StartNew();
                while (!run.IsCompleted)
                {
                    await Task.WhenAny(run, Task.Delay(100, CancellationToken.None));
                    var now = pipeline.Counters.Snapshot();
                    if (now.EventsReceived != lastReceived) { lastReceived = now.EventsReceived; lastChange.Restart(); }
                    if (idle > 0 && lastReceived > 0 && now.EventsInFlight == 0 && lastChange.Elapsed.TotalSeconds >= idle) stop.Cancel();
                    if (clock.Elapsed.TotalSeconds >= nextReport)
                    {
                        nextReport += every;
                        Report(output, asJson, now, clock.Elapsed.TotalSeconds, final: false);
                    }
                }
                await run;
                Report(output, asJson, pipeline.Counters.Snapshot(), clock.Elapsed.TotalSeconds, final: true);
                return 0;
            }
            catch (Exception ex) when (ex is InvalidDataException or IOException or ArgumentException or System.Net.Sockets.SocketException or UnauthorizedAccessException or NotSupportedException)
            {
                return CliErrors.ReportBadInput(ex);
            }
        });
        return cmd;
    }

    static void Report(JsonLines output, bool asJson, PipelineCountersSnapshot c, double seconds, bool final)
    {
        if (asJson)
        {
            output.Write("counters", new { Final = final, Seconds = Math.Round(seconds, 3), Counters = c, c.EventsAccounted, c.EventsInFlight });
            return;
        }
        var text = $"counters{(final ? " (final)" : "")} after {seconds:0.0} s: events received {c.EventsReceived} = classified {c.EventsClassified}" +
                   $" + dropped at ingress {c.EventsDroppedIngress} + late {c.EventsDroppedLate} + out of range {c.EventsDroppedOutOfRange}" +
                   $" + in dropped bins {c.EventsInDroppedBins} + discarded at shutdown {c.EventsDiscardedAtShutdown} + in flight {c.EventsInFlight};" +
                   $" bins classified {c.BinsClassified}, dropped {c.BinsDropped}; decisions {c.Decisions};" +
                   $" datagrams {c.DatagramsReceived} (malformed {c.DatagramsMalformed}); packets {c.PacketsReceived} (malformed {c.PacketsMalformed}, truncated {c.PacketsTruncated}); reconnects {Math.Max(0, c.Connections - 1)}";
        Console.Out.WriteLine(text);
        Console.Out.Flush();
    }

    static (int W, int H) ParseSize(string text)
    {
        var parts = text.ToLowerInvariant().Split('x');
        if (parts.Length == 2 && int.TryParse(parts[0], out int w) && int.TryParse(parts[1], out int h) && w > 0 && h > 0) return (w, h);
        throw new ArgumentException($"--sensor '{text}' is not WxH");
    }
}
