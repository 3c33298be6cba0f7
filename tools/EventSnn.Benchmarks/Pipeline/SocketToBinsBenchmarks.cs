using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using EventSnn.Ingest;
using EventSnn.Pipeline;
using EventSnn.Pipeline.Binning;
using EventSnn.Pipeline.Flow;
using EventSnn.Pipeline.Sources;

namespace EventSnn.Benchmarks.Pipeline;

/// <summary>
/// Socket → bins over loopback TCP without the network: a DV network stream of 4 million DVS128 events
/// (packets of 16,384 events) is served on 127.0.0.1 and read by <see cref="Aedat4TcpSource"/> into the full
/// pipeline (bounded queues, lossless policy, online binner with 10 ms bins) whose network stage does no work.
/// The baseline reads the same bytes over the same loopback socket and discards them (the transport's own cost).
/// Times are per event (OperationsPerInvoke): events/s = 1 / Mean.
/// </summary>
[MemoryDiagnoser]
public class SocketToBinsBenchmarks
{
    const int Events = 4_000_000;
    byte[] _none = [], _lz4 = [];
    byte[] _sink = new byte[1 << 20];

    [GlobalSetup]
    public void Setup()
    {
        using var events = LoopbackInputs.Recording(Events);
        _none = LoopbackInputs.NetworkStream(events, Aedat4Compression.None, 16384);
        _lz4 = LoopbackInputs.NetworkStream(events, Aedat4Compression.Lz4, 16384);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Events)]
    public long LoopbackReadOnly()
    {
        var (port, sent) = LoopbackInputs.ServeOnce(_none);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4 << 20 };
        socket.Connect(IPAddress.Loopback, port);
        long total = 0;
        int n;
        while ((n = socket.Receive(_sink)) > 0) total += n;
        sent.GetAwaiter().GetResult();
        return total;
    }

    [Benchmark(OperationsPerInvoke = Events)]
    public long TcpToBinsUncompressed() => Run(_none);

    [Benchmark(OperationsPerInvoke = Events)]
    public long TcpToBinsLz4() => Run(_lz4);

    static long Run(byte[] stream) => BinOverTcp(stream, Events).BinsClassified;

    /// <summary>
    /// Serves <paramref name="stream"/> once on loopback TCP and bins it in 10 ms bins (no network) with the lossless
    /// policy; every one of its <paramref name="events"/> events must be binned.
    /// </summary>
    internal static PipelineCountersSnapshot BinOverTcp(byte[] stream, int events)
    {
        var (port, sent) = LoopbackInputs.ServeOnce(stream);
        var options = new PipelineOptions
        {
            Binning = new OnlineBinningOptions { WindowUs = 10_000, Width = 128, Height = 128 },
            Policy = DropPolicy.Wait,
        };
        var pipeline = new StreamPipeline(options, new NullClassifierFactory(128, 128), (_, _) => false);
        pipeline.RunAsync(new Aedat4TcpSource("127.0.0.1", port, new Aedat4TcpOptions { Reconnect = false }), CancellationToken.None).GetAwaiter().GetResult();
        sent.GetAwaiter().GetResult();
        var c = pipeline.Counters.Snapshot();
        if (c.EventsClassified != events) throw new InvalidOperationException($"TCP binned {c.EventsClassified} of {events} events");
        return c;
    }
}
