using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using EventSnn.Ingest;
using EventSnn.Pipeline;
using EventSnn.Pipeline.Binning;
using EventSnn.Pipeline.Flow;
using EventSnn.Pipeline.Servers;
using EventSnn.Pipeline.Sources;

namespace EventSnn.Tests.Pipeline;

/// <summary>Streams from a sensor of another size than the model's: a notice naming both, and the three maps.</summary>
public class SensorMapTests
{
    // Model: 8x8 input, made for a 16x16 sensor (downsample 2).
    static OnlineBinningOptions Options(SensorMap map) => new() { WindowUs = 1000, Width = 8, Height = 8, Downsample = 2, SensorMap = map };

    static (List<float[]> Frames, PipelineCounters Counters, List<StreamNotice> Notices) Run(SensorMap map, int sensorW, int sensorH, params (ushort x, ushort y)[] pixels)
    {
        var counters = new PipelineCounters();
        var notices = new List<StreamNotice>();
        var binner = new OnlineBinner(Options(map), counters, notices.Add);
        var frames = new List<float[]>();
        using var batch = new EventBatch(pixels.Length, sensorW, sensorH);
        long t = 0;
        foreach (var (x, y) in pixels) batch.Add(t++, x, y, 1);
        binner.Add(new StreamBatch("cam", batch, Stopwatch.GetTimestamp()), b => { frames.Add(b.Frame.ToArray()); b.Release(); });
        binner.EndAll(b => { frames.Add(b.Frame.ToArray()); b.Release(); });
        return (frames, counters, notices);
    }

    static int On(int x, int y) => 64 + y * 8 + x;

    [Fact]
    public void TheModelsOwnSensorSizeGivesNoNotice()
    {
        var (frames, c, notices) = Run(SensorMap.Scale, 16, 16, (15, 15), (0, 0));
        Assert.Empty(notices);
        Assert.Equal(1f, frames[0][On(7, 7)]);
        Assert.Equal(0, c.Snapshot().EventsDroppedOutOfRange);
    }

    [Fact]
    public void DropKeepsTodaysMappingAndSaysSoNamingBothSizes()
    {
        var (frames, c, notices) = Run(SensorMap.Drop, 40, 30, (3, 3), (20, 5), (39, 29));
        var n = Assert.Single(notices);
        Assert.Equal(StreamNoticeKind.SensorMismatch, n.Kind);
        Assert.Contains("40x30", n.Message);
        Assert.Contains("16x16", n.Message);
        Assert.Equal(1f, frames[0][On(1, 1)]);
        Assert.Equal(2, c.Snapshot().EventsDroppedOutOfRange);
    }

    [Fact]
    public void CropCenterUsesTheCentredWindow()
    {
        // 40x30 sensor, 16x16 window centred: x in 12..27, y in 7..22.
        var (frames, c, notices) = Run(SensorMap.CropCenter, 40, 30, (12, 7), (27, 22), (11, 7), (20, 23));
        Assert.Contains("crop-center", Assert.Single(notices).Message);
        Assert.Equal(1f, frames[0][On(0, 0)]);
        Assert.Equal(1f, frames[0][On(7, 7)]);
        Assert.Equal(2f, frames[0].Sum());
        Assert.Equal(2, c.Snapshot().EventsDroppedOutOfRange);
    }

    [Fact]
    public void CropCenterPadsASmallerSensorInTheMiddle()
    {
        // 8x8 sensor in a 16x16 window: offset 4, so pixel (0, 0) lands at model pixel (2, 2).
        var (frames, _, _) = Run(SensorMap.CropCenter, 8, 8, (0, 0), (7, 7));
        Assert.Equal(1f, frames[0][On(2, 2)]);
        Assert.Equal(1f, frames[0][On(5, 5)]);
    }

    [Fact]
    public void ScaleSumsBlocksOfTheIntegerFactorCentredAndPadded()
    {
        // 40x30 into 8x8: f = ceil(max(40/8, 30/8)) = 5, so 8x6 cells, centred with one empty row above and below.
        var (frames, c, notices) = Run(SensorMap.Scale, 40, 30, (0, 0), (4, 4), (5, 0), (39, 29));
        Assert.Contains("5x5", Assert.Single(notices).Message);
        Assert.Equal(2f, frames[0][On(0, 1)]);
        Assert.Equal(1f, frames[0][On(1, 1)]);
        Assert.Equal(1f, frames[0][On(7, 6)]);
        Assert.Equal(0, c.Snapshot().EventsDroppedOutOfRange);
    }

    [Fact]
    public void AnOutOfRangeEventOfAStreamThatClaimsTheRightSizeIsReportedOnce()
    {
        var (_, c, notices) = Run(SensorMap.Drop, 16, 16, (300, 2), (301, 2), (1, 1));
        var n = Assert.Single(notices);
        Assert.Contains("(300, 2)", n.Message);
        Assert.Contains("--sensor", n.Message);
        Assert.Equal(2, c.Snapshot().EventsDroppedOutOfRange);
    }
}

/// <summary>`stream classify` with a camera larger than the model's sensor, over TCP: notice at the first events, --sensor-map scale.</summary>
[Collection(ExactServingCollection.Name)]
public class SensorMismatchCliTests(ExactServingFixture exact)
{
    [Theory]
    [InlineData("scale", 0)]
    [InlineData("drop", -1)]
    public async Task ALargerCameraIsNamedInANoticeAndScaledOrDropped(string map, int expectOutOfRange)
    {
        // The exact model is made for a 32x32 sensor; this camera is 96x64.
        using var events = SyntheticStreams.Quadrants(96, 64, segments: 2, segmentUs: 30_000, eventsPerSegment: 800, seed: 3);
        using var server = new Aedat4TcpServer(new IPEndPoint(IPAddress.Loopback, 0));
        var copy = new EventBatch(events.Count, 96, 64);
        events.T.CopyTo(copy.TArray); events.X.CopyTo(copy.XArray); events.Y.CopyTo(copy.YArray); events.P.CopyTo(copy.PArray);
        copy.Count = events.Count;
        var serving = server.ServeAsync([copy], 96, 64, new Aedat4ServeOptions(), CancellationToken.None);
        var (code, stdout, stderr) = EventSnnProcess.Run(TimeSpan.FromSeconds(90), null, "stream", "classify", "--tcp", $"127.0.0.1:{server.LocalEndPoint.Port}", "--once",
            "--policy", "wait", "--quiet-ms", "0", "--model", exact.Checkpoint, "--json", "--cutoff", "fixed", "--sensor-map", map);
        Assert.True(code == 0, stderr);
        await serving.WaitAsync(TimeSpan.FromSeconds(10));
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var notice = lines.Single(l => l.GetProperty("type").GetString() == "notice" && l.GetProperty("kind").GetString() == "sensor_mismatch");
        string message = notice.GetProperty("message").GetString()!;
        Assert.Contains("96x64", message);
        Assert.Contains("32x32", message);
        var c = lines.Last(l => l.GetProperty("type").GetString() == "counters").GetProperty("counters");
        long outside = c.GetProperty("events_dropped_out_of_range").GetInt64();
        if (expectOutOfRange == 0) Assert.Equal(0, outside);
        else Assert.True(outside > events.Count / 2, $"{outside} of {events.Count} out of range");
        Assert.Equal(events.Count, c.GetProperty("events_received").GetInt64());
    }
}

/// <summary>The UDP receiver: per-sender batches, and datagrams the kernel dropped counted on their own.</summary>
public class UdpIngressTests
{
    [Fact]
    public void TheProcNetUdpDropsColumnIsReadForTheSocketsInodeAndPort()
    {
        const string line = "  914: 0100007F:A8C1 00000000:0000 07 00000000:00034000 00:00000000 00000000     0        0 123456 2 0000000000000000 4711";
        Assert.Equal(4711, KernelUdpDrops.Parse(line, 123456, 0xA8C1));
        Assert.Null(KernelUdpDrops.Parse(line, 123457, 0xA8C1));
        Assert.Null(KernelUdpDrops.Parse(line, 123456, 0xA8C2));
        Assert.Null(KernelUdpDrops.Parse("   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops", 1, 1));
    }

    [Fact(Timeout = 30_000)]
    public async Task DatagramsTheKernelDroppedAreCountedSeparately()
    {
        if (!OperatingSystem.IsLinux()) return;
        // A tiny kernel buffer and nobody reading yet: a burst overflows it.
        using var receiver = new SpifUdpReceiver(new IPEndPoint(IPAddress.Loopback, 0), 32, 32, receiveBufferBytes: 2048);
        Assert.Equal(0, receiver.KernelDrops);
        using (var client = new UdpClient(AddressFamily.InterNetwork))
        {
            var datagram = new byte[1024];
            for (int i = 0; i < 300; i++) client.Send(datagram, datagram.Length, receiver.LocalEndPoint);
        }
        Assert.True(await PipelineRun.Until(() => receiver.KernelDrops > 0, TimeSpan.FromSeconds(5)), "the kernel dropped nothing");
        var options = new PipelineOptions { Binning = new OnlineBinningOptions { WindowUs = 1000, Width = 32, Height = 32 } };
        await using var run = new PipelineRun(new StreamPipeline(options, new QuadrantClassifierFactory(32, 32), (_, _) => false), receiver);
        Assert.True(await PipelineRun.Until(() => run.Counters.DatagramsReceived > 0, TimeSpan.FromSeconds(5)));
        var s = await run.CancelAndWait();
        Assert.True(s.DatagramsDroppedByKernel > 0);
        Assert.Equal(receiver.KernelDrops, s.DatagramsDroppedByKernel);
        Assert.True(s.DatagramsReceived + s.DatagramsDroppedByKernel <= 300);
        Assert.True(receiver.ReceiveBufferGranted >= 2048);
    }

    [Fact(Timeout = 30_000)]
    public async Task InterleavedSendersAreBatchedPerSender()
    {
        using var receiver = new SpifUdpReceiver(new IPEndPoint(IPAddress.Loopback, 0), 32, 32, flushAfter: TimeSpan.FromSeconds(5));
        var senders = Enumerable.Range(0, 4).Select(_ => new UdpClient(AddressFamily.InterNetwork)).ToList();
        try
        {
            // Queue 4 senders x 20 datagrams, interleaved, before the receiver reads any.
            for (int k = 0; k < 20; k++)
                for (int s = 0; s < senders.Count; s++)
                {
                    var words = new byte[8 * 10];
                    for (int e = 0; e < 10; e++)
                    {
                        uint t = (uint)(k * 10 + e);
                        BitConverter.TryWriteBytes(words.AsSpan(8 * e), (uint)(1 | (1 << 16)));   // x = 1, y = 1, polarity 0, timestamped
                        BitConverter.TryWriteBytes(words.AsSpan(8 * e + 4), t);
                    }
                    senders[s].Send(words, words.Length, receiver.LocalEndPoint);
                }
            var sink = new CountingSink();
            using var stop = new CancellationTokenSource();
            var running = receiver.RunAsync(sink, stop.Token);
            Assert.True(await PipelineRun.Until(() => Interlocked.Read(ref sink.Events) == 4 * 20 * 10, TimeSpan.FromSeconds(10)), $"{sink.Events} events");
            stop.Cancel();
            try { await running; } catch (OperationCanceledException) { }
            // One batch per sender (the socket was drained at the end), not one per datagram.
            Assert.True(sink.Batches <= 8, $"{sink.Batches} batches for 80 interleaved datagrams of 4 senders");
            Assert.Equal(4, sink.Streams.Count);
        }
        finally
        {
            foreach (var s in senders) s.Dispose();
        }
    }

    sealed class CountingSink : IEventSink
    {
        public long Events;
        public int Batches;
        public readonly HashSet<string> Streams = new();
        public PipelineCounters Counters { get; } = new();
        public ValueTask PublishAsync(StreamBatch batch, CancellationToken cancellationToken)
        {
            Interlocked.Add(ref Events, batch.Events.Count);
            Batches++;
            lock (Streams) Streams.Add(batch.Stream);
            batch.Events.Dispose();
            return ValueTask.CompletedTask;
        }
        public ValueTask EndStreamAsync(string stream, CancellationToken cancellationToken) => ValueTask.CompletedTask;
        public void Notice(StreamNotice notice) { }
    }
}
