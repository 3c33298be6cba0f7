using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using EventSnn.Datasets.Synthetic;
using EventSnn.Ingest;
using EventSnn.Model;
using EventSnn.Pipeline.Servers;

namespace EventSnn.Benchmarks.Pipeline;

/// <summary>
/// End-to-end capacity: N concurrent real-time synthetic gesture streams (SPIF over UDP with timestamps, one sender
/// port each, paced at recorded speed) into ONE <c>eventsnn stream classify</c> process with a gesture-small checkpoint
/// (random weights: only the arithmetic matters) at T = 8. For each N it reports whether the run was lossless (every
/// event sent was received and classified, no datagram dropped by the kernel) and the p50/p99 decision latency.
/// Run: <c>dotnet EventSnn.Benchmarks.dll capacity [--seconds S] [--streams 4,8,16,...] [--eventsnn PATH] [-- extra classify args]</c>.
/// </summary>
internal static class Capacity
{
    public static int Run(string[] args)
    {
        double seconds = 12;
        int[] counts = [4, 8, 16, 32, 64, 96, 128];
        string eventsnn = Path.Combine(AppContext.BaseDirectory, "eventsnn.dll");
        var extra = new List<string>();
        for (int i = 1; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--seconds": seconds = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--streams": counts = args[++i].Split(',').Select(int.Parse).ToArray(); break;
                case "--eventsnn": eventsnn = args[++i]; break;
                case "--": extra.AddRange(args[(i + 1)..]); i = args.Length; break;
                default: Console.Error.WriteLine($"error: unknown argument '{args[i]}'"); return 2;
            }
        }
        string dir = Path.Combine(Path.GetTempPath(), $"eventsnn-capacity-{Environment.ProcessId}");
        Directory.CreateDirectory(dir);
        try
        {
            const int T = 8;
            var synth = new SyntheticOptions { Trials = 1, WindowSeconds = 1.5, Seed = 5, WriteArchive = false, WriteFolder = false, Parallelism = 1 };
            var (events, labels) = SyntheticGestureDataset.GenerateTrial(synth, 0);
            using var _ = events;
            double durationS = (events.T[events.Count - 1] - events.T[0]) / 1e6;
            string ckpt = Path.Combine(dir, "gesture-small.ckpt");
            var info = new ModelInfo
            {
                Arch = "gesture-small", T = T, Classes = 11, Height = 32, Width = 32, Dataset = "dvsgesture",
                Frames = new FrameInfo { Rule = $"tonic-time-window:{1_500_000 / T}", Downsample = 4, SensorWidth = 128, SensorHeight = 128, WindowEndUs = 1_500_000 },
            };
            var (_, net) = ServedNetworks.Create("gesture-small");
            using (net) Checkpoint.Save(ckpt, net, info);
            Console.WriteLine($"# recording: {events.Count} events over {durationS:0.0} s ({events.Count / durationS:0} events/s per stream), {labels.Count} gestures; " +
                              $"bins of {1_500_000 / T} µs; {seconds} s per run; load {File.ReadAllText("/proc/loadavg").Trim()}");
            Console.WriteLine("# streams  lossless  sent  received  classified  dropped(queue)  kernel-drops  decisions  p50-ms  p99-ms  mean-batch");
            foreach (int n in counts)
            {
                var r = RunOnce(eventsnn, ckpt, events, n, seconds, extra);
                Console.WriteLine(FormattableString.Invariant(
                    $"{n,9}  {(r.Lossless ? "yes" : "NO"),8}  {r.Sent,4}  {r.Received,8}  {r.Classified,10}  {r.QueueDrops,14}  {r.KernelDrops,12}  {r.Decisions,9}  {r.P50,6:0.0}  {r.P99,6:0.0}  {r.MeanBatch,10:0.00}"));
            }
            return 0;
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }

    sealed record Result(bool Lossless, long Sent, long Received, long Classified, long QueueDrops, long KernelDrops, long Decisions, double P50, double P99, double MeanBatch);

    static Result RunOnce(string eventsnn, string ckpt, EventBatch events, int n, double seconds, List<string> extra)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { eventsnn, "stream", "classify", "--udp-listen", "127.0.0.1:0", "--model", ckpt, "--json", "--cutoff", "fixed", "--counters-every", "0", "--quiet-ms", "1000" })
            psi.ArgumentList.Add(a);
        foreach (var a in extra) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var lines = new List<string>();
        var started = new TaskCompletionSource<string>();
        p.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (lines) lines.Add(e.Data);
            if (e.Data.Contains("\"type\":\"start\"")) started.TrySetResult(e.Data);
        };
        p.ErrorDataReceived += (_, _) => { };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        if (!started.Task.Wait(TimeSpan.FromSeconds(120))) throw new TimeoutException("stream classify did not start");
        string source = JsonDocument.Parse(started.Task.Result).RootElement.GetProperty("source").GetString()!;
        var target = new IPEndPoint(IPAddress.Loopback, int.Parse(source[(source.LastIndexOf(':') + 1)..], CultureInfo.InvariantCulture));

        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        var senders = Enumerable.Range(0, n).Select(_ => new SpifUdpSender(target, timestamps: true)).ToList();
        var rng = new Random(n);
        var runs = senders.Select(s => Task.Run(async () =>
        {
            // Streams start at random moments within one second, then loop the recording at recorded speed.
            await Task.Delay(rng.Next(1000));
            while (!stop.IsCancellationRequested)
            {
                try { await s.SendAsync(events, new ReplayPacer(1), stop.Token); }
                catch (OperationCanceledException) { break; }
            }
        })).ToArray();
        Task.WaitAll(runs);
        long sent = senders.Sum(s => s.EventsSent);
        foreach (var s in senders) s.Dispose();
        // Let the classifier take in what is queued, then stop it as a user would.
        Thread.Sleep(3000);
        Interrupt(p);
        if (!p.WaitForExit(60_000)) p.Kill(entireProcessTree: true);
        p.WaitForExit();
        List<JsonElement> json;
        lock (lines) json = lines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var final = json.Last(l => l.GetProperty("type").GetString() == "counters").GetProperty("counters");
        long Get(string k) => final.GetProperty(k).GetInt64();
        long received = Get("events_received"), classified = Get("events_classified");
        long queueDrops = Get("events_dropped_ingress") + Get("events_in_dropped_bins") + Get("events_discarded_at_shutdown");
        long kernel = Get("datagrams_dropped_by_kernel");
        var latencies = json.Where(l => l.GetProperty("type").GetString() == "decision").Select(l => l.GetProperty("latency_ms").GetDouble()).Order().ToArray();
        double P(double q) => latencies.Length == 0 ? double.NaN : latencies[Math.Min(latencies.Length - 1, (int)(q * latencies.Length))];
        long steps = Get("network_steps");
        bool lossless = received == sent && queueDrops == 0 && kernel == 0 && Get("events_dropped_late") == 0;
        return new Result(lossless, sent, received, classified, queueDrops, kernel, latencies.Length, P(0.5), P(0.99), steps > 0 ? Get("bins_classified") / (double)steps : double.NaN);
    }

    static void Interrupt(Process p)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", $"-INT {p.Id}") { UseShellExecute = false })!;
        kill.WaitForExit();
    }
}
