using BenchmarkDotNet.Attributes;
using EventSnn.Ingest;
using EventSnn.Model;
using EventSnn.Pipeline;
using EventSnn.Pipeline.Binning;
using EventSnn.Pipeline.Flow;
using EventSnn.Pipeline.Network;
using EventSnn.Pipeline.Servers;
using EventSnn.Pipeline.Sources;

namespace EventSnn.Benchmarks.Pipeline;

/// <summary>
/// Decisions with the network stage: 10 gesture-length segments (600 ms, 20,000 events each) of a DVS128 stream,
/// binned into 100 ms bins at 32×32 (downsample 4) and stepped through the "tiny" spiking network (T = 6, 11
/// classes, decision at T). "Streamed" serves them over loopback TCP as a camera would, at recorded speed
/// (6 s per invocation), through the whole pipeline; the baseline classifies the same events offline on one
/// thread (binner + network, no sockets or queues, as fast as it can). Latency (deciding bin's last event read
/// from the socket → decision) percentiles of the streamed runs are printed at cleanup.
/// </summary>
public class NetworkStageBenchmarks
{
    const int Segments = 10, PerSegment = 20_000;
    EventBatch _events = null!;
    string _checkpoint = "";
    SpikingNetworkBatch _model = null!;
    readonly List<double> _latencies = new();
    readonly OnlineBinningOptions _binning = new() { WindowUs = 100_000, Width = 32, Height = 32, Downsample = 4 };

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(3);
        _events = new EventBatch(Segments * PerSegment, 128, 128);
        for (int s = 0; s < Segments; s++)
            for (int e = 0; e < PerSegment; e++)
                _events.Add(1_000_000 + s * 600_000L + e * 30L, (ushort)rng.Next(128), (ushort)rng.Next(128), (byte)rng.Next(2));
        _checkpoint = Path.Combine(Path.GetTempPath(), $"eventsnn-bench-{Guid.NewGuid():N}.ckpt");
        var info = new ModelInfo { Arch = "tiny", T = 6, Classes = 11, Height = 32, Width = 32 };
        TorchSharp.torch.manual_seed(1);
        using (var net = Architectures.Create(info)) Checkpoint.Save(_checkpoint, net, info);
        _model = new CheckpointClassifierFactory(_checkpoint).Load(maxBatch: 8);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        if (_latencies.Count > 0)
        {
            var sorted = _latencies.Order().ToArray();
            double P(double q) => sorted[Math.Min(sorted.Length - 1, (int)(q * sorted.Length))];
            Console.WriteLine($"// streamed decision latency over {sorted.Length} decisions: p50 {P(0.50):0.000} ms, p99 {P(0.99):0.000} ms, max {sorted[^1]:0.000} ms");
        }
        _events.Dispose();
        _model.Dispose();
        File.Delete(_checkpoint);
    }

    [Benchmark(Baseline = true)]
    public int Offline() => StreamPipeline.ClassifyOffline("offline", _events, _binning, _model, (_, _) => false).Count;

    [Benchmark]
    public int Streamed()
    {
        using var server = new Aedat4TcpServer(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        var copy = new EventBatch(_events.Count, 128, 128);
        _events.T.CopyTo(copy.TArray); _events.X.CopyTo(copy.XArray); _events.Y.CopyTo(copy.YArray); _events.P.CopyTo(copy.PArray);
        copy.Count = _events.Count;
        var serving = server.ServeAsync([copy], 128, 128, new Aedat4ServeOptions { Compression = Aedat4Compression.Lz4, Speed = 1 }, CancellationToken.None);
        var pipeline = new StreamPipeline(new PipelineOptions { Binning = _binning, Policy = DropPolicy.DropOldest }, _model, (_, _) => false);
        var latencies = new List<double>();
        pipeline.Decisions.Subscribe(d => latencies.Add(d.LatencyMs));
        pipeline.RunAsync(new Aedat4TcpSource("127.0.0.1", server.LocalEndPoint.Port, new Aedat4TcpOptions { Reconnect = false }), CancellationToken.None).GetAwaiter().GetResult();
        serving.GetAwaiter().GetResult();
        var c = pipeline.Counters.Snapshot();
        Console.WriteLine($"// streamed: {latencies.Count} decisions, {c.BinsClassified} bins classified, {c.BinsDropped} bins dropped, {c.EventsClassified} of {c.EventsReceived} events classified");
        lock (_latencies) _latencies.AddRange(latencies);
        return latencies.Count;
    }
}
