using System.CommandLine;
using System.Diagnostics;
using EventSnn.Model;
using EventSnn.Model.Cutoff;
using EventSnn.Cli.Live;
using EventSnn.Pipeline;
using EventSnn.Pipeline.Live;
using EventSnn.Pipeline.Binning;
using EventSnn.Pipeline.Flow;
using EventSnn.Pipeline.Network;
using EventSnn.Pipeline.Sources;

namespace EventSnn.Cli.Pipeline;

/// <summary>
/// <c>eventsnn stream classify --udp-listen [HOST:]PORT | --tcp HOST:PORT [--tcp HOST:PORT ...] --model CKPT [--json]</c>:
/// runs the streaming pipeline on live streams and prints decisions (JSON lines with <c>--json</c>) and the counters,
/// every few seconds and on exit. One network is loaded before the first bin and serves every stream (each in a state
/// slot; up to <c>--max-batch</c> streams per network step, at most <c>--max-streams</c> at once). Listens on 127.0.0.1
/// unless told otherwise. Ctrl+C stops every stage, flushes the counters and exits with code 0.
/// </summary>
internal static class StreamClassify
{
    public static Command Create()
    {
        var udp = new Option<string?>("--udp-listen") { Description = "Receive AEStream SPIF datagrams on [HOST:]PORT (host 127.0.0.1 unless given)." };
        var tcp = new Option<string[]>("--tcp") { Description = "Connect to an AEDAT 4 network stream at HOST:PORT (reconnects with back-off); repeat for several cameras, one stream each." };
        var model = new Option<string>("--model") { Description = "Checkpoint (*.ckpt); its CKPT.cutoff.json calibration is used when present.", Required = true };
        var json = new Option<bool>("--json") { Description = "Print decisions, notices and counters as JSON lines." };
        var binUs = new Option<long?>("--bin-us") { Description = "Bin length in µs of event time (default: the checkpoint's sample window / T)." };
        var eventsPerBin = new Option<int?>("--events-per-bin") { Description = "Cut bins by event count instead of time." };
        var sensor = new Option<string?>("--sensor") { Description = "Sensor size WxH in pixels of the camera(s) (default: the checkpoint's for UDP, the IOHeader's for TCP)." };
        var sensorMap = new Option<string>("--sensor-map") { Description = "When the sensor is not the model's size: crop-center (centred window), scale (sum pooling to fit, centred), or drop (events outside are dropped).", DefaultValueFactory = _ => "drop" };
        var maxBatch = new Option<int>("--max-batch") { Description = "Most streams stepped together in one network step.", DefaultValueFactory = _ => 64 };
        var maxStreams = new Option<int>("--max-streams") { Description = "Most streams served at once; a new stream beyond it is refused (notice stream_refused, its events counted as dropped).", DefaultValueFactory = _ => 256 };
        var streamIdle = new Option<double>("--stream-idle-s") { Description = "Evict a stream after this many seconds without events (0 = never).", DefaultValueFactory = _ => 30 };
        var threads = new Option<int?>("--threads") { Description = "libtorch intra-op threads for the network step (default: libtorch's choice); inter-op threads are set to 1." };
        var device = new Option<string>("--device") { Description = "Where the network runs: cpu or cuda (only where TorchSharp's CUDA runtime is installed).", DefaultValueFactory = _ => "cpu" };
        var backend = new Option<string>("--backend") { Description = "torch (TorchSharp), onnxruntime (the checkpoint exported as an ONNX step graph, run by ONNX Runtime; BatchNorm folded), or auto (default): onnxruntime on the CPU when the network has an ONNX form and --no-fold is not given (it stepped faster in the benchmarks, docs/benchmarks.md), else torch.", DefaultValueFactory = _ => "auto" };
        backend.AcceptOnlyFromAmong("auto", "torch", "onnxruntime");
        var noFold = new Option<bool>("--no-fold") { Description = "Step the network as trained, without folding BatchNorm into the layer before it." };
        var quietMs = new Option<int>("--quiet-ms") { Description = "Close a stream's open bin, and decide, after this many ms without events (0 = never).", DefaultValueFactory = _ => 500 };
        var policy = new Option<string>("--policy") { Description = "When a queue is full: drop-oldest, drop-newest, or wait (lossless; slows a TCP sender).", DefaultValueFactory = _ => "drop-oldest" };
        var cutoff = new Option<string?>("--cutoff") { Description = "Cutoff policy: topk (calibrated, default), conformal, softmax, entropy or fixed." };
        var cutoffSetting = new Option<double?>("--cutoff-setting") { Description = "The policy's setting (ε for topk, threshold, coverage, or timestep)." };
        var countersEvery = new Option<double>("--counters-every") { Description = "Seconds between counter reports (0 = only on exit).", DefaultValueFactory = _ => 5 };
        var once = new Option<bool>("--once") { Description = "TCP: stop when the server closes instead of reconnecting." };
        var idleExit = new Option<double>("--idle-exit") { Description = "Stop after this many seconds without new events, once some have arrived (0 = never)." };
        var duration = new Option<double>("--duration") { Description = "Stop after this many seconds (0 = run until Ctrl+C)." };
        var http = new Option<string?>("--http") { Description = "Serve a live page, /events (SSE), /metrics (Prometheus) and /healthz on [HOST:]PORT (host 127.0.0.1 unless given)." };
        var httpLinger = new Option<double>("--http-linger") { Description = "With --http: keep serving this many seconds after the input ends (Ctrl+C ends it sooner)." };
        var nats = new NatsCli();
        var group = new Option<string>("--group") { Description = "NATS: worker group to join (each group classifies every stream once).", DefaultValueFactory = _ => EventSnn.Pipeline.Nats.NatsSubjects.DefaultGroup };
        var workerName = new Option<string?>("--worker-name") { Description = "NATS: this worker's name in the group (default HOST-PID)." };

        var cmd = new Command("classify", "Classify a live event stream; decisions as they happen, with their latency, and exact counters.");
        foreach (var o in new Option[] { udp, tcp, model, json, binUs, eventsPerBin, sensor, sensorMap, quietMs, policy, cutoff, cutoffSetting, countersEvery, once, idleExit, duration,
                                         maxBatch, maxStreams, streamIdle, threads, device, noFold, group, workerName, http, httpLinger, backend })
            cmd.Options.Add(o);
        nats.AddTo(cmd, topology: true);
        CliValidation.Add(cmd, r =>
        {
            bool hasTcp = r.GetValue(tcp) is { Length: > 0 };
            int inputs = (r.GetValue(udp) is null ? 0 : 1) + (hasTcp ? 1 : 0) + (r.GetValue(nats.Url) is null ? 0 : 1);
            if (inputs != 1) r.AddError("give exactly one of --udp-listen [HOST:]PORT, --tcp HOST:PORT (repeatable) and --nats URL");
            if (r.GetValue(nats.Url) is not null && r.GetValue(eventsPerBin) is not null) r.AddError("--nats workers cut bins by event time: use --bin-us, not --events-per-bin");
            if (r.GetValue(binUs) is not null && r.GetValue(eventsPerBin) is not null) r.AddError("give at most one of --bin-us and --events-per-bin");
            if (r.GetValue(httpLinger) < 0) r.AddError("--http-linger must be >= 0");
        });
        cmd.SetAction(async (parse, ct) =>
        {
            var output = new JsonLines(Console.Out);
            bool asJson = parse.GetValue(json);
            try
            {
                var serving = new ServingOptions
                {
                    MaxBatch = parse.GetValue(maxBatch),
                    MaxStreams = parse.GetValue(maxStreams),
                    StreamIdle = TimeSpan.FromSeconds(parse.GetValue(streamIdle)),
                };
                serving.Validate();
                var map = SensorMaps.Parse(parse.GetValue(sensorMap)!);
                var torchDevice = ParseDevice(parse.GetValue(device)!);
                if (parse.GetValue(threads) is { } n)
                {
                    if (n < 1) throw new ArgumentException($"--threads {n} must be at least 1");
                    TorchSharp.torch.set_num_threads(n);
                }
                TrySetInterOpThreads(1);
                var factory = new CheckpointClassifierFactory(parse.GetValue(model)!);
                var info = factory.Model;
                var binning = OnlineBinningOptions.ForModel(EventSnn.Model.ModelInput.Of(factory.Model), parse.GetValue(binUs) ?? 0, parse.GetValue(eventsPerBin) ?? 0) with
                {
                    SensorMap = map,
                    QuietPeriod = TimeSpan.FromMilliseconds(parse.GetValue(quietMs)),
                };
                (int W, int H)? givenSensor = parse.GetValue(sensor) is { } s ? ParseSize(s) : null;
                var (sensorW, sensorH) = givenSensor ?? (binning.ExpectedSensorWidth, binning.ExpectedSensorHeight);
                CutoffPolicyKind? cutoffPolicy = parse.GetValue(cutoff) is { } cutoffName ? CutoffPolicies.Parse(cutoffName) : null;
                var (exitRule, cutoffText) = factory.LoadExitRule(cutoffPolicy, parse.GetValue(cutoffSetting));
                if (parse.GetValue(nats.Url) is not null)
                    return await StreamNatsClassify.RunAsync(parse, nats, new StreamNatsClassify.Setup(factory, binning, exitRule, cutoffText, serving, torchDevice, !parse.GetValue(noFold),
                        parse.GetValue(group)!, parse.GetValue(workerName), asJson, parse.GetValue(countersEvery), parse.GetValue(idleExit), parse.GetValue(duration)), ct);
                var options = new PipelineOptions { Binning = binning, Policy = DropPolicies.Parse(parse.GetValue(policy)!), Serving = serving };

                IEventSource source;
                SpifUdpReceiver? receiver = null;
                if (parse.GetValue(udp) is { } listen)
                {
                    var (host, port) = Endpoints.Parse(listen, "127.0.0.1");
                    source = receiver = new SpifUdpReceiver(Endpoints.Resolve(host, port), sensorW, sensorH);
                }
                else
                {
                    var tcpOptions = new Aedat4TcpOptions { Reconnect = !parse.GetValue(once), Sensor = givenSensor };
                    var cameras = new List<IEventSource>();
                    foreach (var address in parse.GetValue(tcp)!)
                    {
                        var (host, port) = Endpoints.Parse(address, "127.0.0.1");
                        var camera = new Aedat4TcpSource(host, port, tcpOptions);
                        if (cameras.Any(c => c.Description == camera.Description)) throw new ArgumentException($"--tcp {address} is given twice");
                        cameras.Add(camera);
                    }
                    source = cameras.Count == 1 ? cameras[0] : new CombinedSource(cameras);
                }
                using var _ = receiver;
                StreamPipeline? running = null;
                LiveRun? live = null;
                if (parse.GetValue(http) is { } httpAt)
                {
                    var liveOptions = new LiveFeedOptions
                    {
                        ClassNames = factory.Info.ClassNames,
                        Timesteps = info.T,
                        Thresholds = LiveRun.TopKThresholds(parse.GetValue(model)!, cutoffPolicy, parse.GetValue(cutoffSetting)),
                    };
                    LiveCounters ReadCounters() => running is { } p
                        ? new LiveCounters(p.Counters.Snapshot(), p.IngressDepth, p.BinsDepth, options.IngressCapacity, options.BinCapacity)
                        : new LiveCounters(new PipelineCountersSnapshot(), 0, 0, options.IngressCapacity, options.BinCapacity);
                    var hello = new LiveHello("stream classify", source.Description, $"{info.Arch} T={info.T} {info.Height}x{info.Width}", cutoffText, factory.Info.ClassNames, info.T,
                        liveOptions.Thresholds, liveOptions.MaxUpdatesPerSecond);
                    live = await LiveRun.StartAsync(httpAt, liveOptions, hello, ReadCounters, ct);
                    options = options with { Observer = live.Feed };
                }
                await using var liveScope = live;

                // The one network of this process, loaded (and its state made) before the first bin.
                string chosen = parse.GetValue(backend)!;
                if (chosen == "onnxruntime" && parse.GetValue(noFold)) throw new ArgumentException("--no-fold steps the TorchSharp network as trained; the ONNX Runtime backend always folds BatchNorm");
                IBatchedClassifier? loaded = null;
                string backendNote = "";
                if (chosen == "onnxruntime" || (chosen == "auto" && torchDevice.type == TorchSharp.DeviceType.CPU && !parse.GetValue(noFold)))
                {
                    try { loaded = factory.LoadOnnx(serving.MaxBatch, Math.Min(serving.MaxStreams, 16), parse.GetValue(threads) ?? 0, useCuda: torchDevice.type == TorchSharp.DeviceType.CUDA); }
                    catch (EventSnn.Model.Portable.PortableFormatException e) when (chosen == "auto") { backendNote = $" (no ONNX form: {e.Message})"; }
                }
                loaded ??= factory.Load(serving.MaxBatch, Math.Min(serving.MaxStreams, 16), torchDevice, fold: !parse.GetValue(noFold));
                bool onnx = loaded is OnnxNetworkBatch;
                using var network = loaded;
                bool folded = network is OnnxNetworkBatch || ((SpikingNetworkBatch)network).Folded;
                string where = network is OnnxNetworkBatch ob ? $"ONNX Runtime ({ob.ExecutionProvider})" : $"TorchSharp {torchDevice}{backendNote}";
                var pipeline = running = new StreamPipeline(options, network, exitRule);
                if (live is not null)
                {
                    pipeline.Decisions.Subscribe(live.Decided, _ => { });
                    if (asJson) output.Write("http", new { Url = live.Server.Address.ToString() });
                    Console.Error.WriteLine($"live page on {live.Server.Address}");
                }
                long perStream = network.StateBytesPerSlot;
                string setup = $"{source.Description}: model {info.Arch} T={info.T} {info.Height}x{info.Width} (downsample {binning.Downsample}), " +
                               (binning.WindowUs > 0 ? $"bins of {binning.WindowUs} µs" : $"bins of {binning.EventsPerBin} events") + $", cutoff {cutoffText}, policy {options.Policy.Name()}; " +
                               $"one network on {where} ({(folded ? "BatchNorm folded" : "unfolded")}, {(onnx ? (parse.GetValue(threads) ?? 0).ToString(System.Globalization.CultureInfo.InvariantCulture) : TorchSharp.torch.get_num_threads().ToString(System.Globalization.CultureInfo.InvariantCulture))} threads), " +
                               $"up to {serving.MaxStreams} streams, {serving.MaxBatch} per step; state {perStream} bytes per stream";
                if (asJson)
                    output.Write("start", new
                    {
                        Source = source.Description, Model = info.Arch, info.T, BinUs = binning.WindowUs, binning.EventsPerBin, Cutoff = cutoffText, Policy = options.Policy.Name(),
                        Device = torchDevice.ToString(), Backend = onnx ? "onnxruntime" : "torch", Threads = TorchSharp.torch.get_num_threads(), Folded = folded,
                        serving.MaxBatch, serving.MaxStreams, StreamIdleS = serving.StreamIdle.TotalSeconds, StateBytesPerStream = perStream,
                        SensorMap = map.Name(),
                    });
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
                if (live is not null) await live.EndAsync("input ended", parse.GetValue(httpLinger), ct);
                return 0;
            }
            catch (Exception ex) when (ex is InvalidDataException or IOException or ArgumentException or System.Net.Sockets.SocketException or UnauthorizedAccessException or NotSupportedException or EventSnn.Model.Portable.PortableFormatException)
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
                   $" + refused streams' {c.EventsDroppedRefused};" +
                   $" bins classified {c.BinsClassified} in {c.NetworkSteps} network steps, dropped {c.BinsDropped}; decisions {c.Decisions};" +
                   $" streams refused {c.StreamsRefused}, evicted {c.StreamsEvicted}; datagrams dropped by the kernel {c.DatagramsDroppedByKernel};" +
                   $" datagrams {c.DatagramsReceived} (malformed {c.DatagramsMalformed}); packets {c.PacketsReceived} (malformed {c.PacketsMalformed}, truncated {c.PacketsTruncated}); reconnects {Math.Max(0, c.Connections - 1)}";
        Console.Out.WriteLine(text);
        Console.Out.Flush();
    }

    static TorchSharp.torch.Device ParseDevice(string text)
    {
        switch (text.ToLowerInvariant())
        {
            case "cpu":
                return TorchSharp.torch.CPU;
            case "cuda":
                if (!TorchSharp.torch.cuda.is_available())
                    throw new ArgumentException("--device cuda: TorchSharp's CUDA runtime is not installed or no GPU is visible; use --device cpu");
                return TorchSharp.torch.CUDA;
            default:
                throw new ArgumentException($"--device '{text}' is not cpu or cuda");
        }
    }

    // libtorch refuses a second setting, or one after inter-op work has started; either way it keeps its own.
    static void TrySetInterOpThreads(int n)
    {
        try
        {
            if (TorchSharp.torch.get_num_interop_threads() != n) TorchSharp.torch.set_num_interop_threads(n);
        }
        catch (Exception e) when (e is not OutOfMemoryException) { }
    }

    static (int W, int H) ParseSize(string text)
    {
        var parts = text.ToLowerInvariant().Split('x');
        if (parts.Length == 2 && int.TryParse(parts[0], out int w) && int.TryParse(parts[1], out int h) && w > 0 && h > 0) return (w, h);
        throw new ArgumentException($"--sensor '{text}' is not WxH");
    }
}
