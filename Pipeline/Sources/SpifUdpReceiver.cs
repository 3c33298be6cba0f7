using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using EventSnn.Ingest;

namespace EventSnn.Pipeline.Sources;

/// <summary>
/// Receives AEStream SPIF datagrams (<see cref="SpifWords"/>) on a UDP socket. Each sender address is its own
/// stream (<c>udp://ADDRESS:PORT</c>). Datagrams that do not parse are counted and skipped whole.
/// Events without a timestamp word are stamped with this receiver's clock (µs since the receiver started)
/// on arrival, which a notice says once per stream. Each sender's datagrams are gathered into that sender's own
/// batch, handed on when it is full, when it is older than <see cref="FlushAfter"/>, or when no datagram is waiting
/// in the socket, so interleaved senders still give the queue few, large batches; the reader only ever offers
/// batches to the pipeline and never waits on it under a drop policy. The socket asks for a large kernel receive
/// buffer; datagrams the kernel drops for it anyway (Linux: the socket's <c>drops</c> in <c>/proc/net/udp</c>) are
/// counted in <see cref="Flow.PipelineCountersSnapshot.DatagramsDroppedByKernel"/>.
/// </summary>
public sealed class SpifUdpReceiver : IEventSource, IDisposable
{
    readonly Socket _socket;
    readonly int _width, _height, _maxBatch;
    readonly Dictionary<SocketAddress, Sender> _senders = new();
    readonly List<Sender> _filling = new();
    readonly long _startTicks = Stopwatch.GetTimestamp();
    readonly long _flushTicks;
    readonly long? _inode;
    long _lastSenderPurge;

    sealed class Sender(string name)
    {
        public readonly string Name = name;
        public SpifTimestampUnwrapper Clock;
        public bool ToldReceiverClock;
        public EventBatch? Batch;
        public long BatchArrival, BatchStarted, LastSeen;
    }

    /// <summary>Binds a UDP socket to <paramref name="endpoint"/> (port 0 picks a free one; see <see cref="LocalEndPoint"/>).</summary>
    /// <param name="endpoint">Address and port to listen on; use a loopback address unless other hosts must reach it.</param>
    /// <param name="sensorWidth">Sensor width in pixels, recorded on every batch.</param>
    /// <param name="sensorHeight">Sensor height in pixels.</param>
    /// <param name="receiveBufferBytes">Kernel receive buffer to ask for, bytes (the kernel may grant less).</param>
    /// <param name="maxBatchEvents">Most events gathered into one batch.</param>
    /// <param name="flushAfter">Longest a sender's batch is held while more datagrams keep arriving (default 2 ms).</param>
    public SpifUdpReceiver(IPEndPoint endpoint, int sensorWidth, int sensorHeight, int receiveBufferBytes = 32 << 20, int maxBatchEvents = 8192, TimeSpan? flushAfter = null)
    {
        _width = sensorWidth;
        _height = sensorHeight;
        _maxBatch = Math.Max(maxBatchEvents, SpifWords.EventsPerDatagram(false));
        FlushAfter = flushAfter ?? TimeSpan.FromMilliseconds(2);
        _flushTicks = (long)(FlushAfter.TotalSeconds * Stopwatch.Frequency);
        _socket = new Socket(endpoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        ReceiveBufferRequested = receiveBufferBytes;
        try { _socket.ReceiveBufferSize = receiveBufferBytes; } catch (SocketException) { }
        _socket.Bind(endpoint);
        LocalEndPoint = (IPEndPoint)_socket.LocalEndPoint!;
        // Linux reports twice the size it books (half is for its own overhead); the usable part is what was granted.
        ReceiveBufferGranted = OperatingSystem.IsLinux() ? _socket.ReceiveBufferSize / 2 : _socket.ReceiveBufferSize;
        _inode = KernelUdpDrops.SocketInode(_socket);
    }

    /// <summary>Longest a sender's batch is held before it is handed on while datagrams keep arriving.</summary>
    public TimeSpan FlushAfter { get; }

    /// <summary>Kernel receive buffer asked for, bytes.</summary>
    public int ReceiveBufferRequested { get; }

    /// <summary>Kernel receive buffer granted, bytes (Linux caps it at <c>net.core.rmem_max</c>).</summary>
    public int ReceiveBufferGranted { get; }

    /// <summary>Datagrams the kernel has dropped for this socket so far (null where the OS does not say).</summary>
    public long? KernelDrops => _inode is { } inode ? KernelUdpDrops.Read(inode, LocalEndPoint.Port) : null;

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
        if (ReceiveBufferGranted < ReceiveBufferRequested)
            sink.Notice(new StreamNotice
            {
                Stream = Description,
                Kind = StreamNoticeKind.Info,
                Message = $"kernel receive buffer {ReceiveBufferGranted} bytes of the {ReceiveBufferRequested} asked for (raise net.core.rmem_max to absorb longer bursts)",
            });
        // Room for datagrams larger than AEStream sends, so an oversized one is seen (and rejected) whole.
        var buffer = new byte[65536];
        var address = new SocketAddress(_socket.AddressFamily);
        using var drops = _inode is null ? null : new Timer(_ => UpdateKernelDrops(counters), null, TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(500));
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
                var sender = Lookup(address, arrival);
                sender.LastSeen = arrival;

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
                    if (sender.Batch is null)
                    {
                        sender.Batch = new EventBatch(_maxBatch, _width, _height);
                        sender.BatchStarted = arrival;
                        _filling.Add(sender);
                    }
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
                    SpifWords.Decode(datagram, events, ref sender.Clock, arrivalUs, sender.Batch);
                    sender.BatchArrival = arrival;
                    if (sender.Batch.Count > _maxBatch - SpifWords.EventsPerDatagram(false)) await FlushAsync(sink, sender, cancellationToken).ConfigureAwait(false);
                }
                if (_filling.Count == 0) continue;
                if (_socket.Available == 0)
                {
                    // Nothing is waiting: hand every batch on now rather than hold it for datagrams that may not come.
                    while (_filling.Count > 0) await FlushAsync(sink, _filling[^1], cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    for (int i = _filling.Count - 1; i >= 0; i--)
                        if (i < _filling.Count && arrival - _filling[i].BatchStarted >= _flushTicks) await FlushAsync(sink, _filling[i], cancellationToken).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            // Events count as received once published; batches cut off by cancellation were never handed on.
            foreach (var s in _filling) { s.Batch?.Dispose(); s.Batch = null; }
            _filling.Clear();
            UpdateKernelDrops(counters);
        }
    }

    async ValueTask FlushAsync(IEventSink sink, Sender sender, CancellationToken ct)
    {
        var batch = sender.Batch!;
        sender.Batch = null;
        _filling.Remove(sender);
        await sink.PublishAsync(new StreamBatch(sender.Name, batch, sender.BatchArrival), ct).ConfigureAwait(false);
    }

    void UpdateKernelDrops(Flow.PipelineCounters counters)
    {
        if (KernelDrops is { } d) Interlocked.Exchange(ref counters.DatagramsDroppedByKernel, d);
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

    Sender Lookup(SocketAddress address, long now)
    {
        if (_senders.TryGetValue(address, out var sender)) return sender;
        if (_senders.Count >= 1024 && now - _lastSenderPurge > Stopwatch.Frequency)
        {
            // Forget senders silent for a minute (their timestamp unwrapping starts afresh if they come back), so a flood of addresses cannot grow this table.
            _lastSenderPurge = now;
            foreach (var (stale, _) in _senders.Where(p => p.Value.Batch is null && now - p.Value.LastSeen > 60 * Stopwatch.Frequency).ToList())
                _senders.Remove(stale);
        }
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
