using EventSnn.Ingest;

namespace EventSnn.Pipeline.Sources;

/// <summary>The stream a TCP client classifies, as the AEDAT 4 IOHeader describes it.</summary>
/// <param name="Id">Stream id carried in each packet header.</param>
/// <param name="Name">Output name (e.g. "events").</param>
/// <param name="Width">Sensor width in pixels.</param>
/// <param name="Height">Sensor height in pixels.</param>
/// <param name="Source">Camera name, when given.</param>
internal sealed record Aedat4EventStream(int Id, string Name, int Width, int Height, string? Source);

/// <summary>
/// The seam between the network transport (this project: framing, sockets, reconnects) and the AEDAT 4
/// byte codec (the ingest project: IOHeader FlatBuffer, packet bodies, compression). Only these calls
/// touch AEDAT 4 bytes, so the transport never carries a codec of its own.
/// </summary>
internal static class Aedat4Wire
{
    /// <summary>The lowest-id event stream ("EVTS") of an IOHeader FlatBuffer and the packets' compression.</summary>
    public static (Aedat4EventStream Stream, int Compression) ParseHeader(ReadOnlySpan<byte> ioHeader) =>
        throw new NotSupportedException("the AEDAT 4 codec of EventSnn.Ingest is not available in this build");

    /// <summary>Appends the events of one packet body (compressed as the header says) to <paramref name="into"/>.</summary>
    public static void DecodeEvents(ReadOnlySpan<byte> body, int compression, EventBatch into) =>
        throw new NotSupportedException("the AEDAT 4 codec of EventSnn.Ingest is not available in this build");

    /// <summary>The network-stream header: uint32 LE size, then the IOHeader (data table position −1, one event stream).</summary>
    public static byte[] EncodeHeader(int streamId, int width, int height, string source, int compression) =>
        throw new NotSupportedException("the AEDAT 4 codec of EventSnn.Ingest is not available in this build");

    /// <summary>One packet: int32 stream id, int32 body size, body (events start..start+count, compressed).</summary>
    public static byte[] EncodePacket(int streamId, EventBatch events, int start, int count, int compression) =>
        throw new NotSupportedException("the AEDAT 4 codec of EventSnn.Ingest is not available in this build");
}
