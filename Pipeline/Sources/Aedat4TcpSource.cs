using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.Sockets;
using EventSnn.Ingest;

namespace EventSnn.Pipeline.Sources;

/// <summary>
/// TCP client of an AEDAT 4 network stream as DV software and dv-processing's <c>NetworkWriter</c> serve it
/// (FORMATS.md §4.2): on connect a uint32 LE size and the IOHeader FlatBuffer, then packets
/// (int32 stream id, int32 size, body compressed as the header says) until the server closes.
/// The lowest-id event stream is classified; packets of other streams are counted and skipped, packets whose
/// body does not decode are counted and skipped (their framing is intact). When the server goes away,
/// mid-packet or not, the partial packet is counted as truncated, the stream's open bin closes, and the
/// client reconnects with exponential back-off; the first events after reconnecting come with a
/// <see cref="StreamNoticeKind.Gap"/> notice giving the event-time span whose events were lost.
/// </summary>
public sealed class Aedat4TcpSource : IEventSource
{
    readonly string _host;
    readonly int _port;
    readonly Aedat4TcpOptions _o;

    /// <summary>Creates a client of <paramref name="host"/>:<paramref name="port"/>.</summary>
    public Aedat4TcpSource(string host, int port, Aedat4TcpOptions? options = null)
    {
        _host = host;
        _port = port;
        _o = options ?? new Aedat4TcpOptions();
        Stream = $"tcp://{host}:{port}";
    }

    /// <summary>The stream's name, <c>tcp://HOST:PORT</c>.</summary>
    public string Stream { get; }

    /// <inheritdoc />
    public string Description => Stream;

    /// <inheritdoc />
    public bool IsLive => true;

    sealed class SessionState
    {
        public long LastEventUs = long.MinValue;
        public bool GapPending;
        public long GapBytes;
    }

    /// <inheritdoc />
    public async Task RunAsync(IEventSink sink, CancellationToken cancellationToken)
    {
        var counters = sink.Counters;
        var state = new SessionState();
        var backoff = _o.InitialBackoff;
        while (!cancellationToken.IsCancellationRequested)
        {
            using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try { socket.ReceiveBufferSize = 4 << 20; } catch (SocketException) { }
            try
            {
                using var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                connectTimeout.CancelAfter(_o.ConnectTimeout);
                await socket.ConnectAsync(_host, _port, connectTimeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is SocketException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                if (!_o.Reconnect) throw new IOException($"{Stream}: cannot connect: {ex.Message}", ex);
                sink.Notice(new StreamNotice { Stream = Stream, Kind = StreamNoticeKind.Disconnected, Message = $"cannot connect ({ex.Message}); retrying in {backoff.TotalMilliseconds:0} ms" });
                await Task.Delay(backoff, cancellationToken).ConfigureAwait(false);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _o.MaxBackoff.Ticks));
                continue;
            }
            backoff = _o.InitialBackoff;
            counters.Add(ref counters.Connections, 1);
            sink.Notice(new StreamNotice { Stream = Stream, Kind = StreamNoticeKind.Connected, Message = $"connected to {socket.RemoteEndPoint}" });

            string reason;
            try
            {
                await using var net = new NetworkStream(socket, ownsSocket: false);
                await using var input = new BufferedStream(net, _o.BufferBytes);
                reason = await ReadSessionAsync(input, sink, state, cancellationToken).ConfigureAwait(false);
            }
            catch (IOException ex) when (!cancellationToken.IsCancellationRequested)
            {
                reason = ex.Message;
            }
            catch (SocketException ex) when (!cancellationToken.IsCancellationRequested)
            {
                reason = ex.Message;
            }
            if (cancellationToken.IsCancellationRequested) break;
            counters.Add(ref counters.Disconnects, 1);
            await sink.EndStreamAsync(Stream, cancellationToken).ConfigureAwait(false);
            state.GapPending = true;
            sink.Notice(new StreamNotice { Stream = Stream, Kind = StreamNoticeKind.Disconnected, Message = reason, LastEventUs = state.LastEventUs == long.MinValue ? null : state.LastEventUs });
            if (!_o.Reconnect) return;
            await Task.Delay(backoff, cancellationToken).ConfigureAwait(false);
        }
        cancellationToken.ThrowIfCancellationRequested();
    }

    // Reads one connection until the server closes it; returns why it ended. Throws only on cancellation
    // or socket errors.
    async Task<string> ReadSessionAsync(Stream input, IEventSink sink, SessionState state, CancellationToken ct)
    {
        var counters = sink.Counters;
        var head = new byte[8];
        int got = await input.ReadAtLeastAsync(head.AsMemory(0, 4), 4, throwOnEndOfStream: false, ct).ConfigureAwait(false);
        counters.Add(ref counters.BytesReceived, got);
        if (got < 4) { counters.Add(ref counters.BytesDiscarded, got); return $"closed before the header size (after {got} bytes)"; }
        uint headerSize = BinaryPrimitives.ReadUInt32LittleEndian(head);
        if (headerSize == 0 || headerSize > _o.MaxHeaderBytes)
        {
            counters.Add(ref counters.BytesDiscarded, got);
            return $"byte offset 0: IOHeader size {headerSize} is not in 1..{_o.MaxHeaderBytes}; not an AEDAT 4 network stream";
        }
        var header = new byte[headerSize];
        got = await input.ReadAtLeastAsync(header, header.Length, throwOnEndOfStream: false, ct).ConfigureAwait(false);
        counters.Add(ref counters.BytesReceived, got);
        if (got < header.Length) { counters.Add(ref counters.BytesDiscarded, got + 4); return $"closed inside the IOHeader (byte offset {4 + got} of {4 + header.Length})"; }
        Aedat4StreamInfo stream;
        Aedat4Compression compression;
        try
        {
            (stream, compression) = Aedat4Wire.ParseHeader(header, Stream);
        }
        catch (Exception ex) when (ex is InvalidDataException or EventFormatException)
        {
            counters.Add(ref counters.BytesDiscarded, 4 + header.Length);
            return $"byte offset 4: IOHeader not understood: {ex.Message}";
        }

        if (_o.Sensor is { } sensor && (sensor.Width, sensor.Height) != (stream.Width, stream.Height))
        {
            sink.Notice(new StreamNotice
            {
                Stream = Stream,
                Kind = StreamNoticeKind.Info,
                Message = $"the IOHeader declares a {stream.Width}x{stream.Height} sensor; using {sensor.Width}x{sensor.Height} as --sensor says",
            });
        }
        int sensorWidth = _o.Sensor?.Width ?? stream.Width, sensorHeight = _o.Sensor?.Height ?? stream.Height;
        long offset = 4 + header.Length;
        byte[] body = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            while (true)
            {
                got = await input.ReadAtLeastAsync(head, 8, throwOnEndOfStream: false, ct).ConfigureAwait(false);
                counters.Add(ref counters.BytesReceived, got);
                if (got == 0) return "server closed the connection";
                if (got < 8)
                {
                    Truncated(counters, state, got);
                    return $"closed inside a packet header at byte offset {offset}";
                }
                int id = BinaryPrimitives.ReadInt32LittleEndian(head);
                int size = BinaryPrimitives.ReadInt32LittleEndian(head.AsSpan(4));
                if (size < 0 || size > _o.MaxPacketBytes)
                {
                    // The framing is lost: nothing after this can be trusted on this connection.
                    counters.Add(ref counters.PacketsMalformed, 1);
                    counters.Add(ref counters.BytesDiscarded, 8);
                    sink.Notice(new StreamNotice { Stream = Stream, Kind = StreamNoticeKind.Malformed, Message = $"byte offset {offset}: packet size {size} is not in 0..{_o.MaxPacketBytes}; dropping the connection", BytesDiscarded = 8 });
                    return $"broken framing at byte offset {offset}";
                }
                if (body.Length < size)
                {
                    ArrayPool<byte>.Shared.Return(body);
                    body = ArrayPool<byte>.Shared.Rent(size);
                }
                got = await input.ReadAtLeastAsync(body.AsMemory(0, size), size, throwOnEndOfStream: false, ct).ConfigureAwait(false);
                counters.Add(ref counters.BytesReceived, got);
                long arrival = Stopwatch.GetTimestamp();
                if (got < size)
                {
                    Truncated(counters, state, 8 + got);
                    return $"closed inside a packet at byte offset {offset} ({got} of {size} body bytes)";
                }
                long packetOffset = offset;
                offset += 8 + size;
                if (id != stream.Id)
                {
                    counters.Add(ref counters.PacketsOtherStream, 1);
                    continue;
                }
                var batch = new EventBatch(Math.Max(16, size / 16), sensorWidth, sensorHeight);
                try
                {
                    Aedat4Wire.DecodeEvents(body.AsSpan(0, size), compression, batch, $"{Stream} packet at byte offset {packetOffset}");
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    // Whatever the codec objects to, the framing is intact: skip this packet only.
                    batch.Dispose();
                    counters.Add(ref counters.PacketsMalformed, 1);
                    counters.Add(ref counters.BytesDiscarded, 8 + size);
                    sink.Notice(new StreamNotice { Stream = Stream, Kind = StreamNoticeKind.Malformed, Message = $"packet at byte offset {packetOffset} skipped: {(ex is InvalidDataException or EventFormatException ? "" : ex.GetType().Name + ": ")}{ex.Message}", BytesDiscarded = 8 + size });
                    continue;
                }
                counters.Add(ref counters.PacketsReceived, 1);
                if (batch.Count == 0) { batch.Dispose(); continue; }
                if (state.GapPending)
                {
                    state.GapPending = false;
                    sink.Notice(new StreamNotice
                    {
                        Stream = Stream,
                        Kind = StreamNoticeKind.Gap,
                        Message = "events between these timestamps were lost while disconnected",
                        LastEventUs = state.LastEventUs == long.MinValue ? null : state.LastEventUs,
                        NextEventUs = batch.T[0],
                        BytesDiscarded = state.GapBytes,
                    });
                    state.GapBytes = 0;
                }
                state.LastEventUs = batch.T[batch.Count - 1];
                await sink.PublishAsync(new StreamBatch(Stream, batch, arrival), ct).ConfigureAwait(false);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(body);
        }
    }

    static void Truncated(Flow.PipelineCounters counters, SessionState state, long bytes)
    {
        counters.Add(ref counters.PacketsTruncated, 1);
        counters.Add(ref counters.BytesDiscarded, bytes);
        state.GapBytes += bytes;
    }
}
