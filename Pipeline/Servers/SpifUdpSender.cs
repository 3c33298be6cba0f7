using System.Net;
using System.Net.Sockets;
using EventSnn.Ingest;

namespace EventSnn.Pipeline.Servers;

/// <summary>
/// Sends recorded events to a UDP address the way AEStream does (<see cref="Sources.SpifWords"/>): datagrams
/// of at most 512 bytes, with or without a timestamp word per event, paced by a <see cref="ReplayPacer"/>.
/// </summary>
public sealed class SpifUdpSender : IDisposable
{
    readonly Socket _socket;
    readonly byte[] _datagram = new byte[Sources.SpifWords.MaxDatagramBytes];

    /// <summary>Creates a sender to <paramref name="target"/>.</summary>
    public SpifUdpSender(IPEndPoint target, bool timestamps)
    {
        Target = target;
        Timestamps = timestamps;
        _socket = new Socket(target.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try { _socket.SendBufferSize = 4 << 20; } catch (SocketException) { }
        _socket.Connect(target);
    }

    /// <summary>Where datagrams go.</summary>
    public IPEndPoint Target { get; }

    /// <summary>Whether each event carries a timestamp word.</summary>
    public bool Timestamps { get; }

    /// <summary>Datagrams sent so far.</summary>
    public long DatagramsSent { get; private set; }

    /// <summary>Events sent so far.</summary>
    public long EventsSent { get; private set; }

    /// <summary>Sends every event of <paramref name="events"/>, pacing by <paramref name="pacer"/>.</summary>
    public async Task SendAsync(EventBatch events, ReplayPacer pacer, CancellationToken cancellationToken)
    {
        int perDatagram = Sources.SpifWords.EventsPerDatagram(Timestamps);
        int i = 0;
        while (i < events.Count)
        {
            await pacer.WaitUntilAsync(events.T[i], cancellationToken).ConfigureAwait(false);
            int chunkEnd = i + pacer.ChunkLength(events.T, i, int.MaxValue);
            while (i < chunkEnd)
            {
                int n = Math.Min(perDatagram, chunkEnd - i);
                int bytes = Sources.SpifWords.Encode(events, i, n, Timestamps, _datagram);
                await SendRawAsync(_datagram.AsMemory(0, bytes), cancellationToken).ConfigureAwait(false);
                EventsSent += n;
                i += n;
            }
        }
    }

    /// <summary>Sends one datagram as given (tests use it for malformed datagrams).</summary>
    public async ValueTask SendRawAsync(ReadOnlyMemory<byte> datagram, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                await _socket.SendAsync(datagram, SocketFlags.None, cancellationToken).ConfigureAwait(false);
                DatagramsSent++;
                return;
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.NoBufferSpaceAvailable or SocketError.ConnectionRefused)
            {
                // The local send buffer is full (or nobody listens yet): back off briefly, as a paced camera would.
                await Task.Delay(1, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Closes the socket.</summary>
    public void Dispose() => _socket.Dispose();
}
