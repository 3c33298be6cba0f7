using System.Net;
using System.Net.Sockets;
using EventSnn.Ingest;
using EventSnn.Pipeline.Sources;

namespace EventSnn.Pipeline.Servers;

/// <summary>Settings of <see cref="Aedat4TcpServer"/>.</summary>
public sealed record Aedat4ServeOptions
{
    /// <summary>Packet compression.</summary>
    public Aedat4Compression Compression { get; init; } = Aedat4Compression.Lz4;

    /// <summary>Most events per packet (paced replays cut packets every millisecond of wall time as well).</summary>
    public int PacketEvents { get; init; } = 8192;

    /// <summary>1 = recorded speed, 2 = twice as fast, 0 = as fast as possible.</summary>
    public double Speed { get; init; }

    /// <summary>Camera name put in the header's <c>source</c> attribute (must be non-empty for dv-processing).</summary>
    public string Source { get; init; } = "EventSnn_replay";

    /// <summary>Stream id of the event stream.</summary>
    public int StreamId { get; init; }
}

/// <summary>
/// Serves a recording as a DV camera's AEDAT 4 network output does (dv-processing <c>NetworkWriter</c>,
/// FORMATS.md §4.2): each client that connects gets the size-prefixed IOHeader (no version line, no data
/// table), then the packets that follow. The replay starts when the first client connects; clients that
/// join later get the header and the stream from that point, like a live camera. A client whose
/// connection breaks is dropped; the replay goes on for the others.
/// </summary>
public sealed class Aedat4TcpServer : IDisposable
{
    readonly Socket _listener;
    readonly List<Socket> _clients = new();
    readonly object _gate = new();

    /// <summary>Listens on <paramref name="endpoint"/> (port 0 picks a free one; see <see cref="LocalEndPoint"/>).</summary>
    public Aedat4TcpServer(IPEndPoint endpoint)
    {
        _listener = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        _listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _listener.Bind(endpoint);
        _listener.Listen(16);
        LocalEndPoint = (IPEndPoint)_listener.LocalEndPoint!;
    }

    /// <summary>The bound address and port.</summary>
    public IPEndPoint LocalEndPoint { get; }

    /// <summary>Events written to at least one client.</summary>
    public long EventsSent { get; private set; }

    /// <summary>Packets written to at least one client.</summary>
    public long PacketsSent { get; private set; }

    /// <summary>
    /// Waits for a first client, replays the batches <paramref name="recording"/> yields (disposing each) to
    /// every connected client, then closes all connections. Returns the number of clients served.
    /// </summary>
    public async Task<int> ServeAsync(IEnumerable<EventBatch> recording, int width, int height, Aedat4ServeOptions options, CancellationToken cancellationToken)
    {
        using var encoder = new Aedat4NetworkEncoder(options.StreamId, width, height, options.Source, options.Compression);
        byte[] header = encoder.Header;
        int served = 0;
        var first = await _listener.AcceptAsync(cancellationToken).ConfigureAwait(false);
        if (await TrySendAsync(first, header, cancellationToken).ConfigureAwait(false)) { lock (_gate) _clients.Add(first); served++; }
        var accepting = AcceptLoopAsync(header, () => served++, cancellationToken);
        var pacer = new ReplayPacer(options.Speed);
        try
        {
            foreach (var batch in recording)
            {
                using var owned = batch;
                int i = 0;
                while (i < batch.Count)
                {
                    await pacer.WaitUntilAsync(batch.T[i], cancellationToken).ConfigureAwait(false);
                    int n = pacer.ChunkLength(batch.T, i, options.PacketEvents);
                    byte[] packet = encoder.Packet(batch, i, n);
                    await BroadcastAsync(packet, cancellationToken).ConfigureAwait(false);
                    EventsSent += n;
                    PacketsSent++;
                    i += n;
                }
            }
        }
        finally
        {
            _listener.Close();
            try { await accepting.ConfigureAwait(false); } catch (Exception) { }
            lock (_gate)
            {
                foreach (var c in _clients)
                {
                    try { c.Shutdown(SocketShutdown.Both); } catch (SocketException) { }
                    c.Dispose();
                }
                _clients.Clear();
            }
        }
        return served;
    }

    async Task AcceptLoopAsync(byte[] header, Action onServed, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            Socket client;
            try { client = await _listener.AcceptAsync(ct).ConfigureAwait(false); }
            catch (Exception) { return; }
            if (await TrySendAsync(client, header, ct).ConfigureAwait(false))
            {
                lock (_gate) _clients.Add(client);
                onServed();
            }
        }
    }

    async Task BroadcastAsync(byte[] packet, CancellationToken ct)
    {
        Socket[] clients;
        lock (_gate) clients = _clients.ToArray();
        foreach (var c in clients)
        {
            if (!await TrySendAsync(c, packet, ct).ConfigureAwait(false))
            {
                lock (_gate) _clients.Remove(c);
                c.Dispose();
            }
        }
    }

    static async Task<bool> TrySendAsync(Socket socket, byte[] bytes, CancellationToken ct)
    {
        try
        {
            int sent = 0;
            while (sent < bytes.Length) sent += await socket.SendAsync(bytes.AsMemory(sent), SocketFlags.None, ct).ConfigureAwait(false);
            return true;
        }
        catch (SocketException) { return false; }
        catch (ObjectDisposedException) { return false; }
    }

    /// <summary>Stops listening and closes every connection.</summary>
    public void Dispose()
    {
        _listener.Dispose();
        lock (_gate)
        {
            foreach (var c in _clients) c.Dispose();
            _clients.Clear();
        }
    }
}
