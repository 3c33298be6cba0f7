using System.Net;
using System.Net.Sockets;
using EventSnn.Ingest;
using EventSnn.Pipeline.Network;

namespace EventSnn.Benchmarks.Pipeline;

/// <summary>Inputs shared by the pipeline benchmarks: a DVS128 recording, its DV network-stream bytes, a loopback server.</summary>
internal static class LoopbackInputs
{
    /// <summary>A DVS128 recording of <paramref name="count"/> events, 1 µs apart, pixels spread over the sensor.</summary>
    public static EventBatch Recording(int count, int seed = 1)
    {
        var rng = new Random(seed);
        var events = new EventBatch(count, 128, 128);
        for (int i = 0; i < count; i++)
            events.Add(1_600_000_000_000_000 + i, (ushort)rng.Next(128), (ushort)rng.Next(128), (byte)rng.Next(2));
        return events;
    }

    /// <summary>The bytes a DV camera sends over TCP for <paramref name="events"/>: IOHeader, then packets of <paramref name="perPacket"/> events.</summary>
    public static byte[] NetworkStream(EventBatch events, Aedat4Compression compression, int perPacket)
    {
        var ms = new MemoryStream();
        Aedat4Writer.WriteNetworkStream(ms, events, new EventWriteOptions { Compression = compression, EventsPerPacket = perPacket });
        return ms.ToArray();
    }

    /// <summary>A listener on 127.0.0.1 that sends <paramref name="bytes"/> to its first client and closes.</summary>
    public static (int Port, Task Sent) ServeOnce(byte[] bytes)
    {
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        int port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        var sent = Task.Run(async () =>
        {
            using (listener)
            using (var client = await listener.AcceptAsync())
            {
                client.SendBufferSize = 4 << 20;
                int o = 0;
                while (o < bytes.Length) o += await client.SendAsync(bytes.AsMemory(o, Math.Min(1 << 20, bytes.Length - o)));
                client.Shutdown(SocketShutdown.Both);
            }
        });
        return (port, sent);
    }
}

/// <summary>A classifier that does no work: the pipeline up to the network stage, without the network.</summary>
internal sealed class NullClassifierFactory(int height, int width) : IStreamClassifierFactory
{
    public ClassifierInfo Info { get; } = new(["a", "b"], int.MaxValue, height, width);
    public IStreamClassifier Create() => new Null();

    sealed class Null : IStreamClassifier
    {
        public void Step(ReadOnlySpan<float> frame, Span<float> output) { }
        public void Reset() { }
        public void Dispose() { }
    }
}
