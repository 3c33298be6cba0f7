using EventSnn.Ingest;

namespace EventSnn.Pipeline.Sources;

/// <summary>
/// The seam between the network transport (this project: framing, sockets, reconnects) and the AEDAT 4 byte
/// codec of EventSnn.Ingest (IOHeader FlatBuffer, packet bodies, LZ4/Zstd). Only these calls touch AEDAT 4
/// bytes, so the transport carries no codec of its own.
/// </summary>
internal static class Aedat4Wire
{
    /// <summary>The lowest-id event stream of an IOHeader FlatBuffer (bytes after the uint32 size) and the packets' compression.</summary>
    /// <exception cref="EventFormatException">Not an IOHeader, or no event stream in it.</exception>
    public static (Aedat4StreamInfo Stream, Aedat4Compression Compression) ParseHeader(ReadOnlySpan<byte> ioHeader, string source)
    {
        var header = Aedat4IOHeader.Parse(ioHeader, source, null, 4);
        var stream = header.SelectEventStream()
                     ?? throw new EventFormatException(source, null, 4, "an event stream (typeIdentifier EVTS) in the IOHeader", $"{header.Streams.Count} other stream(s)");
        return (stream, header.Compression);
    }

    /// <summary>Appends the events of one packet body to <paramref name="into"/>; returns how many.</summary>
    /// <exception cref="EventFormatException">The body does not decode (message names the offset in the body).</exception>
    public static int DecodeEvents(ReadOnlySpan<byte> body, Aedat4Compression compression, EventBatch into, string source) =>
        Aedat4Packet.DecodeEvents(body, compression, into, source);
}

/// <summary>
/// Produces the byte sequence of a DV network stream (uint32 size + IOHeader, then packets) piece by piece with
/// the ingest project's <see cref="Aedat4Writer"/>, so a server can send each packet as it is due.
/// </summary>
internal sealed class Aedat4NetworkEncoder : IDisposable
{
    readonly MemoryStream _buffer = new();
    readonly Aedat4Writer _writer;

    public Aedat4NetworkEncoder(int streamId, int width, int height, string source, Aedat4Compression compression)
    {
        _writer = new Aedat4Writer(_buffer, Aedat4Writer.EventStream(width, height, source, streamId), compression, networkStream: true);
        _writer.WriteHeader();
        Header = Take();
    }

    /// <summary>uint32 size + IOHeader (data table position −1), as sent to each client on connect.</summary>
    public byte[] Header { get; }

    /// <summary>One packet (8-byte header + compressed body) holding events start..start+count.</summary>
    public byte[] Packet(EventBatch events, int start, int count)
    {
        _writer.WritePacket(events, start, count);
        return Take();
    }

    byte[] Take()
    {
        byte[] bytes = _buffer.ToArray();
        _buffer.SetLength(0);
        return bytes;
    }

    public void Dispose() => _writer.Dispose();
}
