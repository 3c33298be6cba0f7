using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using EventSnn.Ingest;
using EventSnn.Pipeline;
using EventSnn.Pipeline.Binning;
using EventSnn.Pipeline.Flow;
using EventSnn.Pipeline.Servers;
using EventSnn.Pipeline.Sources;

namespace EventSnn.Tests.Pipeline;

public class TcpPipelineTests
{
    const int W = 32, H = 32;
    static readonly Aedat4TcpOptions FastRetry = new() { InitialBackoff = TimeSpan.FromMilliseconds(20), MaxBackoff = TimeSpan.FromMilliseconds(200) };

    static OnlineBinningOptions Bins(long windowUs) => new() { WindowUs = windowUs, Width = W, Height = H };

    /// <summary>The DV network-stream bytes of <paramref name="events"/>: header, then one array per packet.</summary>
    static (byte[] Header, List<(byte[] Bytes, int Start, int Count)> Packets) Encode(EventBatch events, int perPacket, Aedat4Compression compression)
    {
        var ms = new MemoryStream();
        using var w = new Aedat4Writer(ms, Aedat4Writer.EventStream(events.Width, events.Height, "test"), compression, networkStream: true);
        w.WriteHeader();
        byte[] header = ms.ToArray();
        var packets = new List<(byte[], int, int)>();
        for (int i = 0; i < events.Count; i += perPacket)
        {
            ms.SetLength(0);
            int n = Math.Min(perPacket, events.Count - i);
            w.WritePacket(events, i, n);
            packets.Add((ms.ToArray(), i, n));
        }
        return (header, packets);
    }

    [Theory(Timeout = 30_000)]
    [InlineData(Aedat4Compression.Lz4)]
    [InlineData(Aedat4Compression.Zstd)]
    [InlineData(Aedat4Compression.None)]
    public async Task TcpReplayThenClassifyGivesTheOfflineDecisions(Aedat4Compression compression)
    {
        using var events = SyntheticStreams.Quadrants(W, H, segments: 8, segmentUs: 60_000, eventsPerSegment: 4000, classes: [2, 0, 3, 1]);
        var binning = Bins(10_000);
        var exit = QuadrantClassifierFactory.GapRule(0.6f);
        using var server = new Aedat4TcpServer(new IPEndPoint(IPAddress.Loopback, 0));
        var serving = server.ServeAsync([RecordingReplaySourceCopy(events)], W, H, new Aedat4ServeOptions { Compression = compression, PacketEvents = 1000 }, CancellationToken.None);
        var source = new Aedat4TcpSource("127.0.0.1", server.LocalEndPoint.Port, new Aedat4TcpOptions { Reconnect = false });
        // Wait policy: the client stops reading when the network stage is behind, TCP slows the server, nothing is lost.
        var pipeline = new StreamPipeline(new PipelineOptions { Binning = binning, Policy = DropPolicy.Wait, IngressCapacity = 2, BinCapacity = 2 },
            new QuadrantClassifierFactory(H, W, timesteps: 8, stepDelay: TimeSpan.FromMilliseconds(1)), exit);
        var online = new List<EventSnn.Pipeline.Network.StreamDecision>();
        pipeline.Decisions.Subscribe(online.Add);
        await pipeline.RunAsync(source, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(1, await serving.WaitAsync(TimeSpan.FromSeconds(5)));

        var s = pipeline.Counters.Snapshot();
        PipelineRun.AssertBalanced(s);
        Assert.Equal(events.Count, s.EventsReceived);
        Assert.Equal(events.Count, s.EventsClassified);
        Assert.Equal(32, s.PacketsReceived);
        Assert.Equal(1, s.Connections);
        var offline = StreamPipeline.ClassifyOffline(source.Stream, events, binning, new QuadrantClassifierFactory(H, W, timesteps: 8), exit);
        Assert.Equal(offline.Select(d => (d.Stream, d.Class, d.Timestep, d.EventTimeUs, d.Events, d.Reason, d.Confidence)),
                     online.Select(d => (d.Stream, d.Class, d.Timestep, d.EventTimeUs, d.Events, d.Reason, d.Confidence)));
        // The decided classes follow the segments' quadrants.
        var classes = online.Where(d => d.Reason == EventSnn.Pipeline.Network.DecisionReason.Cutoff).Select(d => d.Class).ToList();
        Assert.Equal([2, 0, 3, 1, 2, 0, 3, 1], classes.Where((c, i) => i == 0 || classes[i - 1] != c));
    }

    static EventBatch RecordingReplaySourceCopy(EventBatch events)
    {
        var copy = new EventBatch(events.Count, events.Width, events.Height);
        events.T.CopyTo(copy.TArray); events.X.CopyTo(copy.XArray); events.Y.CopyTo(copy.YArray); events.P.CopyTo(copy.PArray);
        copy.Count = events.Count;
        return copy;
    }

    [Fact(Timeout = 30_000)]
    public async Task MalformedAndForeignPacketsAreCountedAndSkipped()
    {
        using var events = SyntheticStreams.Quadrants(W, H, segments: 2, segmentUs: 10_000, eventsPerSegment: 300);
        var (header, packets) = Encode(events, 200, Aedat4Compression.Lz4);
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var serving = Task.Run(async () =>
        {
            using var client = await listener.AcceptSocketAsync();
            await client.SendAsync(header);
            await client.SendAsync(packets[0].Bytes);
            var garbage = new byte[8 + 40];
            BinaryPrimitives.WriteInt32LittleEndian(garbage, 0);
            BinaryPrimitives.WriteInt32LittleEndian(garbage.AsSpan(4), 40);
            garbage.AsSpan(8).Fill(0xAB);                                        // not an LZ4 frame
            await client.SendAsync(garbage);
            var foreign = (byte[])packets[1].Bytes.Clone();
            BinaryPrimitives.WriteInt32LittleEndian(foreign, 7);                 // another stream id
            await client.SendAsync(foreign);
            await client.SendAsync(packets[2].Bytes);
            client.Shutdown(SocketShutdown.Both);
        });
        var source = new Aedat4TcpSource("127.0.0.1", port, new Aedat4TcpOptions { Reconnect = false });
        var pipeline = new StreamPipeline(new PipelineOptions { Binning = Bins(5_000), Policy = DropPolicy.Wait }, new QuadrantClassifierFactory(H, W), (_, _) => false);
        var notices = new List<StreamNotice>();
        pipeline.Notices.Subscribe(notices.Add);
        await pipeline.RunAsync(source, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(20));
        await serving;
        var s = pipeline.Counters.Snapshot();
        Assert.True(s.PacketsMalformed == 1, string.Join("\n", notices.Select(n => n.Message)));
        PipelineRun.AssertBalanced(s);
        Assert.Equal(1, s.PacketsMalformed);
        Assert.Equal(1, s.PacketsOtherStream);
        Assert.Equal(2, s.PacketsReceived);
        Assert.Equal(packets[0].Count + packets[2].Count, s.EventsReceived);
        Assert.Equal(48, s.BytesDiscarded);
        var bad = Assert.Single(notices, n => n.Kind == StreamNoticeKind.Malformed);
        Assert.Contains($"byte offset {header.Length + packets[0].Bytes.Length}", bad.Message);
        Assert.DoesNotContain("Exception:", bad.Message); // the codec reports a typed format error
    }

    [Fact(Timeout = 30_000)]
    public async Task AServerThatClosesMidPacketAndComesBackIsReconnectedAndTheLostEventsAreReported()
    {
        using var events = SyntheticStreams.Quadrants(W, H, segments: 4, segmentUs: 20_000, eventsPerSegment: 1000);
        var (header, packets) = Encode(events, 250, Aedat4Compression.Lz4); // 16 packets
        using var first = new TcpListener(IPAddress.Loopback, 0);
        first.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        first.Start();
        int port = ((IPEndPoint)first.LocalEndpoint).Port;
        var source = new Aedat4TcpSource("127.0.0.1", port, FastRetry);
        var pipeline = new StreamPipeline(new PipelineOptions { Binning = Bins(5_000), Policy = DropPolicy.Wait }, new QuadrantClassifierFactory(H, W), (_, _) => false);
        await using var run = new PipelineRun(pipeline, source);

        // First life: packets 0..4 whole, then half of packet 5, then gone.
        using (var client = await first.AcceptSocketAsync())
        {
            await client.SendAsync(header);
            for (int i = 0; i < 5; i++) await client.SendAsync(packets[i].Bytes);
            await client.SendAsync(packets[5].Bytes.AsMemory(0, packets[5].Bytes.Length / 2));
            client.Shutdown(SocketShutdown.Both);
        }
        first.Stop();
        long before = packets.Take(5).Sum(p => (long)p.Count);
        Assert.True(await PipelineRun.Until(() => run.Counters.Disconnects >= 1 && run.Counters.EventsReceived == before, TimeSpan.FromSeconds(10)));
        await Task.Delay(150); // the client retries against a closed port meanwhile

        // Second life on the same port: packets 8..15 (6 and 7 went out while nobody listened).
        using var second = new TcpListener(IPAddress.Loopback, port);
        second.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        second.Start();
        using (var client = await second.AcceptSocketAsync().WaitAsync(TimeSpan.FromSeconds(10)))
        {
            await client.SendAsync(header);
            for (int i = 8; i < 16; i++) await client.SendAsync(packets[i].Bytes);
            long expected = before + packets.Skip(8).Sum(p => (long)p.Count);
            Assert.True(await PipelineRun.Until(() => run.Counters.EventsReceived == expected, TimeSpan.FromSeconds(10)));
        }
        var s = await run.CancelAndWait();
        PipelineRun.AssertBalanced(s);
        Assert.Equal(2, s.Connections);
        Assert.True(s.Disconnects >= 1);
        Assert.Equal(1, s.PacketsTruncated);
        Assert.Equal(packets[5].Bytes.Length / 2, s.BytesDiscarded); // the half packet: its header and part of its body

        var gap = Assert.Single(run.Notices, n => n.Kind == StreamNoticeKind.Gap);
        long lastBefore = events.T[packets[4].Start + packets[4].Count - 1], firstAfter = events.T[packets[8].Start];
        Assert.Equal(lastBefore, gap.LastEventUs);
        Assert.Equal(firstAfter, gap.NextEventUs);
        Assert.Equal(packets[5].Bytes.Length / 2, gap.BytesDiscarded);
        // The reported span holds exactly the events that never arrived (packets 5, 6 and 7).
        int lost = 0;
        foreach (long t in events.T) if (t > gap.LastEventUs && t < gap.NextEventUs) lost++;
        Assert.Equal(packets[5].Count + packets[6].Count + packets[7].Count, lost);
        Assert.Equal(events.Count - lost, s.EventsReceived);
        // The stream's bin closed at the disconnect, so the first life was decided on before the second began.
        Assert.Contains(run.Decisions, d => d.Reason == EventSnn.Pipeline.Network.DecisionReason.StreamEnd && d.EventTimeUs <= firstAfter);
    }

    [Fact(Timeout = 30_000)]
    public async Task CancellationWhileTheServerIsAwayReturnsPromptly()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop(); // nobody listens: the client keeps backing off
        var source = new Aedat4TcpSource("127.0.0.1", port, new Aedat4TcpOptions { InitialBackoff = TimeSpan.FromSeconds(5) });
        var pipeline = new StreamPipeline(new PipelineOptions { Binning = Bins(5_000) }, new QuadrantClassifierFactory(H, W), (_, _) => false);
        await using var run = new PipelineRun(pipeline, source);
        Assert.True(await PipelineRun.Until(() => run.Notices.Any(n => n.Kind == StreamNoticeKind.Disconnected), TimeSpan.FromSeconds(10)));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var s = await run.CancelAndWait();
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"took {clock.Elapsed}");
        Assert.Equal(0, s.EventsReceived);
        Assert.True(run.DecisionsCompleted);
    }
}
