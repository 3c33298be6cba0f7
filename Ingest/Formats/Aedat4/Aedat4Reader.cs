using System.Buffers.Binary;
using System.Globalization;
using EventSnn.Ingest.Io;

namespace EventSnn.Ingest;

/// <summary>
/// Reads AEDAT 4.0 files (FORMATS.md §4.1): version line, IOHeader, then packets of every stream up to the data table.
/// Only the selected event stream (lowest-id "EVTS", or <see cref="EventReadOptions.StreamName"/>) is decompressed;
/// other packets are skipped. A file without a data table (an interrupted recording) is read to its end; a packet cut
/// short at the end is an error when strict, otherwise dropped with a warning. The data table, when present, is read
/// after the packets and exposed as <see cref="DataTable"/>.
/// </summary>
public sealed class Aedat4Reader : EventReaderBase
{
    const int MaxBodyBytes = 256 << 20;
    readonly PooledBuffer _body = new();
    readonly PooledBuffer _payload = new();
    readonly int _streamId;
    readonly long _dataEnd;        // where packets stop: the data table position, or long.MaxValue
    int _pendingStart, _pendingCount; // undecoded events of the current packet, in _payload (or _body when uncompressed)
    long _pendingBase;             // file offset of the current packet body (for errors)
    bool _pendingInBody;
    bool _done;

    internal Aedat4Reader(ByteSource source, EventReadOptions? options) : base(source, options)
    {
        Span<byte> line = stackalloc byte[14];
        int n = Source_.Read(line);
        if (n < 14 || !line.SequenceEqual(Aedat4IOHeader.VersionLine))
            throw Source_.Error(0, "the version line \"#!AER-DAT4.0\\r\\n\"");
        Header = ReadIOHeader(Source_, Source_.Input);
        Meta["compression"] = Header.Compression.ToString();
        Meta["data_table_position"] = Header.DataTablePosition.ToString(CultureInfo.InvariantCulture);
        Meta["streams"] = string.Join(", ", Header.Streams.Select(s => $"{s.Id}:{s.Name}:{s.TypeIdentifier}"));
        var stream = Header.SelectEventStream(Options.StreamName)
            ?? throw Source_.Error(18, Options.StreamName is null ? "an event stream (typeIdentifier EVTS) in the infoNode" : $"an event stream named '{Options.StreamName}' in the infoNode", Meta["streams"]);
        _streamId = stream.Id;
        Width = stream.Width;
        Height = stream.Height;
        Source = stream.Source;
        Meta["stream_id"] = stream.Id.ToString(CultureInfo.InvariantCulture);
        Meta["stream_name"] = stream.Name;
        Meta["data_start_offset"] = Source_.Position.ToString(CultureInfo.InvariantCulture);
        _dataEnd = Header.DataTablePosition >= 0 ? Header.DataTablePosition : long.MaxValue;
        if (Header.DataTablePosition >= 0 && Header.DataTablePosition < Source_.Position)
            throw Source_.Error(26, $"a dataTablePosition after the header (≥ {Source_.Position})", Header.DataTablePosition.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>Reads "uint32 size + IOHeader FlatBuffer" from the source, as files (after the version line) and DV network streams carry it.</summary>
    internal static Aedat4IOHeader ReadIOHeader(ByteSource source, EventInput input)
    {
        long at = source.Position;
        Span<byte> sizeBytes = stackalloc byte[4];
        if (source.Read(sizeBytes) < 4) throw source.Error(at, "a 4-byte IOHeader size", "end of file");
        uint size = BinaryPrimitives.ReadUInt32LittleEndian(sizeBytes);
        long? length = source.Length;
        if (size > Aedat4IOHeader.MaxSize || (length is long len && size > len - at - 4))
            throw source.Error(at, $"an IOHeader size within the file and at most {Aedat4IOHeader.MaxSize} bytes", size.ToString(CultureInfo.InvariantCulture));
        // Read as the bytes arrive: an unknown-length input must not make a size field allocate what is not there.
        var bytes = new MemoryStream();
        var chunk = new byte[Math.Min((int)size, 1 << 16)];
        while (bytes.Length < size)
        {
            int want = (int)Math.Min(chunk.Length, size - bytes.Length);
            int n = source.Read(chunk.AsSpan(0, want));
            bytes.Write(chunk, 0, n);
            if (n < want) throw source.Error(at + 4, $"an IOHeader of {size} bytes", $"{bytes.Length} byte(s) before the end of file");
        }
        return Aedat4IOHeader.Parse(bytes.GetBuffer().AsSpan(0, (int)bytes.Length), input.File, input.Entry, at + 4);
    }

    /// <summary>Opens an AEDAT 4 stream (taking ownership); <paramref name="fileName"/> names it in errors.</summary>
    public static Aedat4Reader Open(Stream stream, string fileName, EventReadOptions? options = null)
        => new(new ByteSource(EventInput.FromStream(stream, fileName), true), options);

    /// <inheritdoc />
    public override string Format => "aedat4";

    /// <summary>The parsed IOHeader.</summary>
    public Aedat4IOHeader Header { get; }

    /// <summary>The file's data table, once the packets have been read (null when the file has none).</summary>
    public IReadOnlyList<Aedat4DataTableEntry>? DataTable { get; private set; }

    /// <summary>Packets of the selected stream decoded so far.</summary>
    public int EventPackets { get; private set; }

    private protected override bool FillBatch(EventBatch batch, int batchSize)
    {
        while (batch.Count < batchSize)
        {
            if (_pendingCount > 0)
            {
                int take = Math.Min(_pendingCount, batchSize - batch.Count);
                var src = (_pendingInBody ? _body.Span : _payload.Span).Slice(_pendingStart, take * Aedat4Packet.EventSize);
                try { Aedat4Packet.DecodeElements(src, batch, _pendingStart); }
                catch (PayloadException ex)
                {
                    // Inside a decompressed body a byte offset is not a file offset: name the body and the inner offset.
                    throw _pendingInBody ? ex.At(Source_.Input.File, Source_.Input.Entry, _pendingBase)
                        : new EventFormatException(Source_.Input.File, Source_.Input.Entry, _pendingBase, $"{ex.Expected} (decompressed byte {ex.Offset} of the packet body)", ex.Found, ex);
                }
                _pendingStart += take * Aedat4Packet.EventSize;
                _pendingCount -= take;
                continue;
            }
            if (_done || !NextPacket()) { _done = true; return false; }
        }
        return true;
    }

    // Reads packets until one of the selected stream is decompressed; false at the end of the packets.
    bool NextPacket()
    {
        while (true)
        {
            long at = Source_.Position;
            if (at == _dataEnd) { ReadDataTable(); return false; }
            if (at > _dataEnd) throw Source_.Error(at, $"packets ending exactly at the data table ({_dataEnd})");
            int have = Source_.Fill(Aedat4Packet.HeaderSize);
            if (have == 0)
            {
                if (_dataEnd != long.MaxValue) CutShort(at, $"packets up to the data table at {_dataEnd}", "end of file");
                return false;
            }
            if (have < Aedat4Packet.HeaderSize)
            {
                CutShort(at, "an 8-byte packet header", $"{have} byte(s)");
                Source_.Advance(have);
                return false;
            }
            int streamId = BinaryPrimitives.ReadInt32LittleEndian(Source_.Available);
            int size = BinaryPrimitives.ReadInt32LittleEndian(Source_.Available[4..]);
            if (streamId < 0 || size < 0 || size > MaxBodyBytes)
                throw Source_.Error(at, $"a packet header with stream id ≥ 0 and 0 ≤ size ≤ {MaxBodyBytes}", $"stream {streamId}, size {size}");
            if (_dataEnd != long.MaxValue && at + 8 + size > _dataEnd)
                throw Source_.Error(at + 4, $"a packet body ending before the data table at {_dataEnd}", $"size {size}");
            if (Source_.Length is long len && at + 8 + size > len)
            {
                CutShort(at, $"a packet body of {size} bytes", $"{len - at - 8} byte(s) before the end of file");
                Source_.Skip(len - at);
                return false;
            }
            Source_.Advance(Aedat4Packet.HeaderSize);
            if (streamId != _streamId)
            {
                if (Source_.Skip(size) < size) { CutShort(at + 8, $"a packet body of {size} bytes", "end of file"); return false; }
                continue;
            }
            if (!ReadBody(size, at + 8)) return false;
            try
            {
                var payload = Aedat4Packet.Decompress(_body.Span, Header.Compression, _payload);
                _pendingInBody = Header.Compression == Aedat4Compression.None;
                var (start, count) = Aedat4Packet.LocateEvents(payload);
                (_pendingStart, _pendingCount, _pendingBase) = (start, count, at + 8);
            }
            catch (PayloadException ex)
            {
                // Offsets inside a compressed body only make sense for the body itself; name the packet body start then.
                throw Header.Compression == Aedat4Compression.None ? ex.At(Source_.Input.File, Source_.Input.Entry, at + 8)
                    : new EventFormatException(Source_.Input.File, Source_.Input.Entry, at + 8, $"a {Header.Compression} packet body that decodes: {ex.Expected}", ex.Found, ex);
            }
            EventPackets++;
            return true;
        }
    }

    // Reads a body into _body as its bytes arrive, so a large size field never allocates more than the data present.
    bool ReadBody(int size, long at)
    {
        _body.Length = 0;
        while (_body.Length < size)
        {
            int chunk = Math.Min(size - _body.Length, 1 << 20);
            _body.EnsureCapacity(_body.Length + chunk);
            int n = Source_.Read(_body.Array.AsSpan(_body.Length, chunk));
            _body.Length += n;
            if (n < chunk)
            {
                CutShort(at, $"a packet body of {size} bytes", $"{_body.Length} byte(s)");
                return false;
            }
        }
        return true;
    }

    void ReadDataTable()
    {
        long at = Source_.Position;
        const int maxTable = 64 << 20;
        _body.Length = 0;
        while (true)
        {
            _body.EnsureCapacity(_body.Length + (1 << 16));
            int n = Source_.Read(_body.Array.AsSpan(_body.Length, Math.Min(1 << 16, _body.Array.Length - _body.Length)));
            _body.Length += n;
            if (n == 0) break;
            if (_body.Length > maxTable) throw Source_.Error(at, $"a data table of at most {maxTable} bytes");
        }
        try
        {
            var payload = Aedat4Packet.Decompress(_body.Span, Header.Compression, _payload);
            var table = Aedat4DataTable.Parse(payload);
            DataTable = table;
            int expected = table.Count(e => e.StreamId == _streamId);
            Meta["data_table_packets"] = table.Count.ToString(CultureInfo.InvariantCulture);
            if (expected != EventPackets)
                CutShort(at, $"{expected} event packets as listed in the data table", EventPackets.ToString(CultureInfo.InvariantCulture));
        }
        catch (PayloadException ex)
        {
            if (Options.Strict) throw new EventFormatException(Source_.Input.File, Source_.Input.Entry, at, "a decodable data table: " + ex.Expected, ex.Found, ex);
            string msg = $"data table at byte {at} not decodable ({ex.Message}); events were read from the packets";
            WarningList.Add(msg);
            Meta["warning"] = msg;
        }
    }

    private protected override void OnDispose()
    {
        _body.Dispose();
        _payload.Dispose();
    }
}
