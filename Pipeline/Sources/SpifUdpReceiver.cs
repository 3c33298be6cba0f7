using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using EventSnn.Ingest;

namespace EventSnn.Pipeline.Sources;

/// <summary>
/// Receives AEStream SPIF datagrams (<see cref="SpifWords"/>) on a UDP socket. Each sender address is its own
/// stream (<c>udp://ADDRESS:PORT</c>). Datagrams that do not parse are counted and skipped whole.
/// Events without a timestamp word are stamped with this receiver's clock (µs since the receiver started)
/// on arrival, which a notice says once per stream. Consecutive datagrams of one sender are gathered into
/// one batch while more are already waiting in the socket, so the queue sees few, large batches; the
/// reader only ever offers batches to the pipeline and never waits on it under a drop policy.
/// </summary>
public sealed class SpifUdpReceiver : IEventSource, IDisposable
{
    readonly Socket _socket;
    readonly int _width, _height, _maxBatch;
    readonly Dictionary<SocketAddress, Sender> _senders = new();
    readonly long _startTicks = Stopwatch.GetTimestamp();

    sealed class Sender(string name)
    {
        public readonly string Name = name;
        public SpifTimestampUnwrapper Clock;
        public bool ToldReceiverClock;
    }

    /// <summary>Binds a UDP socket to <paramref name="endpoint"/> (port 0 picks a free one; see <see cref="LocalEndPoint"/>).</summary>
    /// <param name="endpoint">Address and port to listen on; use a loopback address unless other hosts must reach it.</param>
    /// <param name="sensorWidth">Sensor width in pixels, recorded on every batch.</param>
    /// <param name="sensorHeight">Sensor height in pixels.</param>
    /// <param name="receiveBufferBytes">Kernel receive buffer to ask for, bytes (the kernel may grant less).</param>
    /// <param name="maxBatchEvents">Most events gathered into one batch.</param>
    public SpifUdpReceiver(IPEndPoint endpoint, int sensorWidth, int sensorHeight, int receiveBufferBytes = 8 << 20, int maxBatchEvents = 8192)
    {
        _width = sensorWidth;
        _height = sensorHeight;
        _maxBatch = Math.Max(maxBatchEvents, SpifWords.EventsPerDatagram(false));
        _socket = new Socket(endpoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try { _socket.ReceiveBufferSize = receiveBufferBytes; } catch (SocketException) { }
        _socket.Bind(endpoint);
        LocalEndPoint = (IPEndPoint)_socket.LocalEndPoint!;
    }

    /// <summary>The bound address and port.</summary>
    public IPEndPoint LocalEndPoint { get; }

    /// <inheritdoc />
    public string Description => $"udp://{LocalEndPoint}";

    /// <inheritdoc />
    public bool IsLive => true;

    /// <inheritdoc />
    public async Task RunAsync(IEventSink sink, CancellationToken cancellationToken)
    {
        var counters = sink.Counters;
        // Room for datagrams larger than AEStream sends, so an oversized one is seen (and rejected) whole.
        var buffer = new byte[65536];
        var address = new SocketAddress(_socket.AddressFamily);
        Sender? current = null;
        EventBatch? batch = null;
        long batchArrival = 0;
        try
        {
            while (true)
            {
                int length;
                try
                {
                    length = await _socket.ReceiveFromAsync(buffer.AsMemory(), SocketFlags.None, address, cancellationToken).ConfigureAwait(false);
                }
                catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionReset or SocketError.MessageSize)
                {
                    continue; // ICMP port-unreachable echoes and oversized datagrams: nothing to decode
                }
                long arrival = Stopwatch.GetTimestamp();
                counters.Add(ref counters.DatagramsReceived, 1);
                counters.Add(ref counters.BytesReceived, length);
                var sender = Lookup(address);
                if (!ReferenceEquals(sender, current) && batch != null)
                {
                    await sink.PublishAsync(new StreamBatch(current!.Name, batch, batchArrival), cancellationToken).ConfigureAwait(false);
                    batch = null;
                }
                current = sender;

                var datagram = buffer.AsSpan(0, length);
                int events = SpifWords.Validate(datagram, out int errorOffset);
                if (events < 0)
                {
                    counters.Add(ref counters.DatagramsMalformed, 1);
                    counters.Add(ref counters.BytesDiscarded, length);
                    sink.Notice(new StreamNotice
                    {
                        Stream = sender.Name,
                        Kind = StreamNoticeKind.Malformed,
                        Message = $"datagram of {length} bytes from {sender.Name} skipped: at byte offset {errorOffset} expected " +
                                  ((length & 3) != 0 ? "a whole 32-bit word" : "a timestamp word after an event word without the no-timestamp flag"),
                        BytesDiscarded = length,
                    });
                }
                else if (events > 0)
                {
                    batch ??= new EventBatch(_maxBatch, _width, _height);
                    long arrivalUs = (arrival - _startTicks) * 1_000_000 / Stopwatch.Frequency;
                    if (!sender.ToldReceiverClock && HasUntimedWord(datagram))
                    {
                        sender.ToldReceiverClock = true;
                        sink.Notice(new StreamNotice
                        {
                            Stream = sender.Name,
                            Kind = StreamNoticeKind.Info,
                            Message = "events arrive without timestamps: stamped with the receiver's clock (µs since it started)",
                        });
                    }
                    SpifWords.Decode(datagram, events, ref sender.Clock, arrivalUs, batch);
                    batchArrival = arrival;
                }
                if (batch != null && (batch.Count > _maxBatch - SpifWords.EventsPerDatagram(false) || _socket.Available == 0))
                {
                    await sink.PublishAsync(new StreamBatch(sender.Name, batch, batchArrival), cancellationToken).ConfigureAwait(false);
                    batch = null;
                }
            }
        }
        finally
        {
            // Events count as received once published; a batch cut off by cancellation was never handed on.
            batch?.Dispose();
        }
    }

    static bool HasUntimedWord(ReadOnlySpan<byte> datagram)
    {
        for (int o = 0; o < datagram.Length; o += 4)
        {
            uint word = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(datagram[o..]);
            if ((word & SpifWords.NoTimestampFlag) != 0) return true;
            o += 4;
        }
        return false;
    }

    Sender Lookup(SocketAddress address)
    {
        if (_senders.TryGetValue(address, out var sender)) return sender;
        var key = new SocketAddress(address.Family, address.Size);
        address.Buffer.Span[..address.Size].CopyTo(key.Buffer.Span);
        var ep = (IPEndPoint)LocalEndPoint.Create(key);
        sender = new Sender($"udp://{ep}");
        _senders.Add(key, sender);
        return sender;
    }

    /// <summary>Closes the socket.</summary>
    public void Dispose() => _socket.Dispose();
}
