using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using EventSnn.Ingest;
using EventSnn.Pipeline;
using EventSnn.Pipeline.Binning;
using EventSnn.Pipeline.Flow;
using EventSnn.Pipeline.Nats;
using EventSnn.Pipeline.Network;
using EventSnn.Pipeline.Sources;
using NATS.Client.Core;

namespace EventSnn.Benchmarks.Pipeline;

/// <summary>
/// Timed tool (a real nats-server is a separate process, which BenchmarkDotNet cannot host):
/// <c>dotnet artifacts/bin/EventSnn.Benchmarks/release/EventSnn.Benchmarks.dll nats-throughput [EVENTS] [REPEATS]</c>.
/// Events/s into bins (10 ms, 128×128, a network that does no work) for, in one run:
/// the direct TCP path (AEDAT 4 LZ4 over loopback into the pipeline, as <see cref="SocketToBinsBenchmarks"/>), and
/// publisher → JetStream (file storage) → 1 and 2 in-process workers, 8 streams of EVENTS/8 events in packets of 8,192.
/// Reports the best of REPEATS runs of each (the machine is shared) and every run.
/// </summary>
internal static class NatsThroughput
{
    const int Streams = 8;

    public static int Run(string[] args)
    {
        int events = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 4_000_000;
        int repeats = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 3;
        string server = new[] { "/usr/bin/nats-server", "/usr/sbin/nats-server", "/usr/local/bin/nats-server" }.FirstOrDefault(File.Exists)
                        ?? throw new InvalidOperationException("nats-server not found: sudo apt-get install nats-server");
        using var recording = LoopbackInputs.Recording(events);
        byte[] lz4 = LoopbackInputs.NetworkStream(recording, Aedat4Compression.Lz4, 8192);
        Console.WriteLine($"{DateTime.UtcNow:u}; load average {File.ReadAllText("/proc/loadavg").Trim()}; {events} events, {Streams} streams for NATS");
        var results = new Dictionary<string, List<double>> { ["tcp"] = new(), ["nats-1"] = new(), ["nats-2"] = new() };
        for (int r = 0; r < repeats; r++)
        {
            results["tcp"].Add(Tcp(lz4, events));
            results["nats-1"].Add(Nats(server, recording, 1));
            results["nats-2"].Add(Nats(server, recording, 2));
            Console.WriteLine($"run {r + 1}: tcp {results["tcp"][^1] / 1e6:0.00} M/s, nats 1 worker {results["nats-1"][^1] / 1e6:0.00} M/s, nats 2 workers {results["nats-2"][^1] / 1e6:0.00} M/s");
        }
        double tcp = results["tcp"].Max();
        Console.WriteLine($"best: direct TCP {tcp / 1e6:0.00} M events/s (1.00); NATS 1 worker {results["nats-1"].Max() / 1e6:0.00} M events/s ({tcp / results["nats-1"].Max():0.00}x the time per event); " +
                          $"NATS 2 workers {results["nats-2"].Max() / 1e6:0.00} M events/s ({tcp / results["nats-2"].Max():0.00}x)");
        Console.WriteLine($"load average after: {File.ReadAllText("/proc/loadavg").Trim()}");
        return 0;
    }

    static double Tcp(byte[] stream, int events)
    {
        var clock = Stopwatch.StartNew();
        SocketToBinsBenchmarks.BinOverTcp(stream, events);
        return events / clock.Elapsed.TotalSeconds;
    }

    static double Nats(string binary, EventBatch recording, int workers)
    {
        string dir = Path.Combine(Path.GetTempPath(), $"eventsnn-nats-bench-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var psi = new ProcessStartInfo(binary) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { "-js", "-a", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-sd", dir }) psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        try
        {
            return NatsRunAsync($"nats://127.0.0.1:{port}", recording, workers).GetAwaiter().GetResult();
        }
        finally
        {
            process.Kill();
            process.WaitForExit();
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }

    static async Task<double> NatsRunAsync(string url, EventBatch recording, int workerCount)
    {
        var endpoint = NatsEndpoint.Parse(url);
        NatsConnection? first = null;
        for (int attempt = 0; first is null; attempt++)
        {
            try { first = await endpoint.ConnectAsync("bench", CancellationToken.None); }
            catch (IOException) when (attempt < 50) { await Task.Delay(100); }
        }
        await using var publisherConnection = first;
        var topology = await NatsTopology.EnsureAsync(publisherConnection, new NatsTopologyOptions(), CancellationToken.None);
        var binning = new OnlineBinningOptions { WindowUs = 10_000, Width = 128, Height = 128 };
        using var stop = new CancellationTokenSource();
        var workers = new List<(NatsWorker Worker, Task Run, NatsConnection Connection, IBatchedClassifier Model)>();
        for (int w = 0; w < workerCount; w++)
        {
            var connection = await endpoint.ConnectAsync($"bench worker {w}", CancellationToken.None);
            var model = new PerStreamClassifiers(new NullClassifierFactory(128, 128));
            var classifier = new InlineKeyedStreamClassifier(binning, model, (_, _) => false);
            var worker = new NatsWorker(connection, topology.Partitions, classifier, ["a", "b"], new NatsWorkerOptions { Worker = $"bench{w}" });
            workers.Add((worker, worker.RunAsync(stop.Token), connection, model));
        }
        // Measure from the moment the workers share every partition.
        var settle = Stopwatch.StartNew();
        while (workers.Sum(w => w.Worker.Counters.Snapshot().LeasesHeld) != topology.Partitions || workers.Any(w => w.Worker.Counters.Snapshot().LeasesHeld == 0))
        {
            if (settle.Elapsed > TimeSpan.FromSeconds(30)) throw new TimeoutException("workers did not share the partitions within 30 s");
            await Task.Delay(50);
        }
        int per = recording.Count / Streams;
        var parts = Enumerable.Range(0, Streams).Select(s => recording.Slice(s * per, per)).ToList();
        var clock = Stopwatch.StartNew();
        await using (var publisher = new NatsEventPublisher(publisherConnection, topology.Partitions, s => s, new NatsPublisherOptions { PacketEvents = 8192, PacketUs = 1_000_000 }))
        {
            var sources = Enumerable.Range(0, Streams).Select(s => RecordingReplaySource.FromBatch($"bench{s}", parts[s], speed: 0, chunkEvents: 65536)).ToList();
            await Task.WhenAll(sources.Select(s => Task.Run(() => s.RunAsync(publisher, CancellationToken.None))));
            await publisher.FlushAsync(CancellationToken.None);
        }
        long expected = (long)per * Streams;
        while (workers.Sum(w => w.Worker.ClassifierCounters.Snapshot().EventsClassified) < expected)
        {
            if (clock.Elapsed > TimeSpan.FromMinutes(3)) throw new TimeoutException("NATS run did not finish within 3 minutes");
            await Task.Delay(5);
            if (Environment.GetEnvironmentVariable("EVENTSNN_BENCH_TRACE") is not null && clock.ElapsedMilliseconds % 2000 < 6)
                foreach (var w in workers) Console.WriteLine($"  {clock.Elapsed.TotalSeconds:0.0} s: {w.Worker.Counters.Snapshot()} {w.Worker.ClassifierCounters.Snapshot().EventsClassified}");
        }
        double seconds = clock.Elapsed.TotalSeconds;
        foreach (var p in parts) p.Dispose();
        stop.Cancel();
        foreach (var w in workers)
        {
            await w.Run;
            await w.Connection.DisposeAsync();
            w.Model.Dispose();
        }
        return expected / seconds;
    }
}
