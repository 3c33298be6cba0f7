using System.Buffers.Binary;

namespace EventSnn.Ingest;

/// <summary>
/// Writes AEDAT 4.0 event streams: either a file (version line, IOHeader, packets, data table, with the header's
/// dataTablePosition patched when the stream can seek) or the DV network-stream byte sequence (uint32 size + IOHeader
/// with dataTablePosition −1, then packets; no version line, no data table).
/// </summary>
public sealed class Aedat4Writer : IDisposable
{
    readonly Stream _stream;
    readonly bool _network;
    readonly Aedat4StreamInfo _info;
    readonly PooledBuffer _payload = new();
    readonly PooledBuffer _body = new();
    readonly List<Aedat4DataTableEntry> _table = new();
    long _position;          // bytes written so far (the stream may not tell)
    long _headerStart = -1;  // stream position of the IOHeader FlatBuffer, for patching
    bool _headerWritten, _finished;

    /// <summary>Creates a writer for one event stream (<paramref name="info"/>: id, name, size, camera) with <paramref name="compression"/>.</summary>
    public Aedat4Writer(Stream stream, Aedat4StreamInfo info, Aedat4Compression compression = Aedat4Compression.Lz4, bool networkStream = false)
    {
        _stream = stream;
        _info = info;
        Compression = compression;
        _network = networkStream;
    }

    /// <summary>Packet compression.</summary>
    public Aedat4Compression Compression { get; }

    /// <summary>The event stream description written into the header for a recording of <paramref name="width"/> × <paramref name="height"/> pixels.</summary>
    public static Aedat4StreamInfo EventStream(int width, int height, string? source, int id = 0)
        => new(id, "events", "EVTS", width, height, source ?? (width == 128 && height == 128 ? "DVS128" : "EventSnn"));

    /// <summary>Writes the header (version line in file mode, then uint32 size + IOHeader).</summary>
    public void WriteHeader()
    {
        if (_headerWritten) throw new InvalidOperationException("header already written");
        _headerWritten = true;
        if (!_network) Put(Aedat4IOHeader.VersionLine);
        byte[] header = Aedat4IOHeader.Build(Compression, -1, Aedat4IOHeader.BuildInfoNode([_info], Compression));
        Span<byte> size = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(size, (uint)header.Length);
        Put(size);
        if (!_network && _stream.CanSeek) _headerStart = _stream.Position;
        Put(header);
    }

    /// <summary>Writes events [start, start + count) as one packet (x, y below 32768, p 0/1).</summary>
    public void WritePacket(EventBatch events, int start, int count)
    {
        if (!_headerWritten) WriteHeader();
        if (_finished) throw new InvalidOperationException("writer already finished");
        var x = events.X; var y = events.Y; var p = events.P;
        for (int i = start; i < start + count; i++)
        {
            if (x[i] > short.MaxValue) throw EventRangeCheck.Refuse("AEDAT 4", i, events, "x must be below 32768");
            if (y[i] > short.MaxValue) throw EventRangeCheck.Refuse("AEDAT 4", i, events, "y must be below 32768");
            if (p[i] > 1) throw EventRangeCheck.Refuse("AEDAT 4", i, events, "polarity must be 0 or 1");
        }
        Aedat4Packet.EncodeEventsPayload(events, start, count, _payload);
        Aedat4Packet.Compress(_payload.Span, Compression, _body);
        Span<byte> header = stackalloc byte[8];
        BinaryPrimitives.WriteInt32LittleEndian(header, _info.Id);
        BinaryPrimitives.WriteInt32LittleEndian(header[4..], _body.Length);
        Put(header);
        long bodyAt = _position;
        Put(_body.Span);
        var t = events.T;
        _table.Add(new Aedat4DataTableEntry(bodyAt, _info.Id, _body.Length, count, count > 0 ? t[start] : 0, count > 0 ? t[start + count - 1] : 0));
    }

    /// <summary>File mode: writes the data table and patches dataTablePosition (when the stream can seek). Network mode: flushes.</summary>
    public void Finish()
    {
        if (_finished) return;
        if (!_headerWritten) WriteHeader();
        _finished = true;
        if (!_network && _headerStart >= 0)
        {
            long tablePosition = _position;
            Aedat4DataTable.Build(_table, _payload);
            Aedat4Packet.Compress(_payload.Span, Compression, _body);
            Put(_body.Span);
            long end = _stream.Position;
            _stream.Position = _headerStart + Aedat4IOHeader.DataTablePositionOffset;
            Span<byte> v = stackalloc byte[8];
            BinaryPrimitives.WriteInt64LittleEndian(v, tablePosition);
            _stream.Write(v);
            _stream.Position = end;
        }
        _stream.Flush();
    }

    void Put(ReadOnlySpan<byte> bytes)
    {
        _stream.Write(bytes);
        _position += bytes.Length;
    }

    /// <summary>The bytes a DV network stream starts with: uint32 LE size, then the IOHeader (dataTablePosition −1, one stream).</summary>
    public static byte[] NetworkHeader(Aedat4StreamInfo stream, Aedat4Compression compression)
    {
        byte[] header = Aedat4IOHeader.Build(compression, -1, Aedat4IOHeader.BuildInfoNode([stream], compression));
        var bytes = new byte[4 + header.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, (uint)header.Length);
        header.CopyTo(bytes, 4);
        return bytes;
    }

    /// <summary>One whole packet (int32 stream id, int32 body size, compressed body) holding events [start, start + count).</summary>
    public static byte[] EncodePacket(int streamId, EventBatch events, int start, int count, Aedat4Compression compression)
    {
        var ms = new MemoryStream();
        using var w = new Aedat4Writer(ms, EventStream(events.Width, events.Height, null, streamId), compression, networkStream: true) { _headerWritten = true };
        w.WritePacket(events, start, count);
        return ms.ToArray();
    }

    /// <summary>Writes a whole recording as an AEDAT 4 file.</summary>
    public static void WriteFile(Stream stream, EventBatch events, EventWriteOptions? options = null)
        => WriteAll(stream, events, options, network: false);

    /// <summary>Writes a whole recording as the byte sequence a DV camera sends over TCP.</summary>
    public static void WriteNetworkStream(Stream stream, EventBatch events, EventWriteOptions? options = null)
        => WriteAll(stream, events, options, network: true);

    static void WriteAll(Stream stream, EventBatch events, EventWriteOptions? options, bool network)
    {
        options ??= EventWriteOptions.Default;
        using var w = new Aedat4Writer(stream, EventStream(events.Width, events.Height, options.Source), options.Compression, network);
        w.WriteHeader();
        int per = Math.Max(1, options.EventsPerPacket);
        for (int i = 0; i < events.Count; i += per) w.WritePacket(events, i, Math.Min(per, events.Count - i));
        w.Finish();
    }

    /// <summary>Returns pooled buffers (does not close the stream).</summary>
    public void Dispose()
    {
        _payload.Dispose();
        _body.Dispose();
    }
}
