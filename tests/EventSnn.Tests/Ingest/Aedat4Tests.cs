using System.Buffers.Binary;
using EventSnn.Ingest;
using static EventSnn.Tests.Ingest.IngestTestData;

namespace EventSnn.Tests.Ingest;

public class Aedat4Tests
{
    static byte[] Write(EventBatch events, Aedat4Compression compression, int perPacket = 1000, string? source = null)
    {
        var ms = new MemoryStream();
        Aedat4Writer.WriteFile(ms, events, new EventWriteOptions { Compression = compression, EventsPerPacket = perPacket, Source = source });
        return ms.ToArray();
    }

    [Theory]
    [InlineData(Aedat4Compression.None)]
    [InlineData(Aedat4Compression.Lz4)]
    [InlineData(Aedat4Compression.Lz4High)]
    [InlineData(Aedat4Compression.Zstd)]
    public void WrittenFilesDecodeWithTheIndependentDecoderAndTheReader(Aedat4Compression compression)
    {
        using var events = Random(5000, 346, 260, seed: 11, t0: 1_600_000_000_000_000);
        byte[] file = Write(events, compression, source: "DAVIS346_test");
        var ind = IndependentAedat4Decoder.Decode(file);
        Assert.Equal((int)compression, ind.Compression);
        Assert.True(ind.DataTablePosition > 0);
        Assert.Equal((346, 260, "DAVIS346_test"), (ind.Width, ind.Height, ind.Source));
        Assert.Equal(5, ind.Packets);
        Assert.Equal(Rows(events), ind.Events.Select(e => (e.T, (int)e.X, (int)e.Y, e.On ? 1 : 0)).ToList());

        using var reader = (Aedat4Reader)EventFile.Open(EventInput.FromStream(new MemoryStream(file), "w.aedat4"), new EventReadOptions { Strict = true });
        using var rec = EventFile.ReadAll(reader);
        Assert.Equal("aedat4", rec.Format);
        Assert.Equal((346, 260, "DAVIS346_test"), (rec.Width, rec.Height, rec.Source));
        AssertSameEvents(events, rec.Events);
        Assert.Equal(5, reader.DataTable!.Count);
        Assert.Equal(ind.DataTablePosition, long.Parse(rec.Metadata["data_table_position"]));
        Assert.Equal(18 + BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(14)) + 8, reader.DataTable[0].ByteOffset);
    }

    [Fact]
    public void FileWithoutDataTableCutInsideAPacketIsReadToTheLastWholePacket()
    {
        using var events = Random(3000, 128, 128, seed: 12);
        var ms = new MemoryStream();
        var ns = new NonSeekable(ms);
        Aedat4Writer.WriteFile(ns, events, new EventWriteOptions { EventsPerPacket = 1000 }); // cannot patch: no data table
        byte[] file = ms.ToArray();
        Assert.Equal(-1, IndependentAedat4Decoder.Decode(file).DataTablePosition);
        byte[] cut = file[..^10];
        using var rec = ReadBytes(cut, "cut.aedat4");
        Assert.Equal(2000, rec.Events.Count);
        Assert.Contains("packet body", rec.Metadata["warning"]);
        Assert.Throws<EventFormatException>(() => ReadBytes(cut, "cut.aedat4", new EventReadOptions { Strict = true }));
    }

    [Fact]
    public void NetworkStreamIsSizeThenHeaderThenPackets()
    {
        using var events = Random(2500, 640, 480, seed: 13);
        var ms = new MemoryStream();
        Aedat4Writer.WriteNetworkStream(ms, events, new EventWriteOptions { EventsPerPacket = 1000 });
        var bytes = ms.ToArray();
        uint size = BinaryPrimitives.ReadUInt32LittleEndian(bytes);
        var header = Aedat4IOHeader.Parse(bytes.AsSpan(4, (int)size));
        Assert.Equal(-1, header.DataTablePosition);
        Assert.Equal(Aedat4Compression.Lz4, header.Compression);
        var stream = header.SelectEventStream()!;
        Assert.Equal((0, "EVTS", 640, 480), (stream.Id, stream.TypeIdentifier, stream.Width, stream.Height));
        using var back = new EventBatch(16, 640, 480);
        int pos = 4 + (int)size, packets = 0;
        while (pos < bytes.Length)
        {
            Assert.Equal(0, BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(pos)));
            int len = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(pos + 4));
            Aedat4Packet.DecodeEvents(bytes.AsSpan(pos + 8, len), header.Compression, back);
            pos += 8 + len; packets++;
        }
        Assert.Equal(3, packets);
        AssertSameEvents(events, back);
    }

    [Fact]
    public void LinkedBlockLz4FramesFromTheReferenceToolDecode()
    {
        string dir = Path.Combine(Fixtures.RepoRoot, "tests", "EventSnn.Tests", "Ingest", "Data");
        byte[] frame = File.ReadAllBytes(Path.Combine(dir, "linked_blocks.lz4"));
        using var output = new PooledBuffer();
        Lz4Frame.Decode(frame, output, 1 << 20);
        Assert.Equal(LinkedBlocksSource(), output.Span.ToArray());
    }

    // The text the frame was made from (lz4 -BD -B4 -BX --content-size: linked 64 KiB blocks with checksums).
    static byte[] LinkedBlocksSource()
    {
        var sb = new System.Text.StringBuilder();
        for (int i = 0; sb.Length < 300000; i++) sb.Append($"event {i} at {i * 37 % 100003} us; polarity {i % 2}\n");
        return System.Text.Encoding.ASCII.GetBytes(sb.ToString())[..300000];
    }

    [Fact]
    public void StreamIsChosenByNameAndUnknownNamesAreRejected()
    {
        using var events = Random(100, 128, 128, seed: 14);
        byte[] file = Write(events, Aedat4Compression.Lz4);
        using var rec = ReadBytes(file, "s.aedat4", new EventReadOptions { StreamName = "events" });
        Assert.Equal(100, rec.Events.Count);
        var ex = Assert.Throws<EventFormatException>(() => ReadBytes(file, "s.aedat4", new EventReadOptions { StreamName = "frames" }));
        Assert.Contains("frames", ex.Message);
    }

    [Fact]
    public void CorruptCompressedBodyIsATypedErrorAtThePacket()
    {
        using var events = Random(1000, 128, 128, seed: 15);
        byte[] file = Write(events, Aedat4Compression.Lz4, perPacket: 1000);
        int headerEnd = 18 + (int)BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(14));
        file[headerEnd + 8] ^= 0xFF; // LZ4 magic of the first body
        var ex = Assert.Throws<EventFormatException>(() => ReadBytes(file, "bad.aedat4"));
        Assert.Equal(headerEnd + 8, ex.Offset);
    }

    [Fact]
    public void WriterRefusesCoordinatesBeyondInt16()
    {
        using var events = new EventBatch(1, 40000, 10);
        events.Add(1, 33000, 1, 1);
        Assert.Throws<ArgumentException>(() => Write(events, Aedat4Compression.Lz4));
    }

    sealed class NonSeekable(Stream inner) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);
    }
}

public class Aedat4NetworkPiecesTests
{
    [Fact]
    public void NetworkHeaderAndEncodedPacketsRoundTrip()
    {
        using var events = IngestTestData.Random(900, 128, 128, seed: 16);
        var info = Aedat4Writer.EventStream(128, 128, "DVXplorer_test", id: 2);
        byte[] head = Aedat4Writer.NetworkHeader(info, Aedat4Compression.Zstd);
        var header = Aedat4IOHeader.Parse(head.AsSpan(4, (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(head)));
        Assert.Equal((2, "DVXplorer_test", Aedat4Compression.Zstd), (header.SelectEventStream()!.Id, header.SelectEventStream()!.Source, header.Compression));
        byte[] packet = Aedat4Writer.EncodePacket(2, events, 100, 500, Aedat4Compression.Zstd);
        Assert.Equal(2, BitConverter.ToInt32(packet, 0));
        Assert.Equal(packet.Length - 8, BitConverter.ToInt32(packet, 4));
        using var back = new EventBatch(1, 128, 128);
        Assert.Equal(500, Aedat4Packet.DecodeEvents(packet.AsSpan(8), Aedat4Compression.Zstd, back));
        using var expected = events.Slice(100, 500);
        IngestTestData.AssertSameEvents(expected, back);
        Assert.Throws<EventFormatException>(() => Aedat4Packet.DecodeEvents(packet.AsSpan(8, 10), Aedat4Compression.Zstd, back));
    }

    [Fact]
    public void ZstdFramesWithoutAContentSizeDecode()
    {
        using var events = IngestTestData.Random(20_000, 128, 128, seed: 17);
        using var payload = new PooledBuffer();
        Aedat4Packet.EncodeEventsPayload(events, 0, events.Count, payload);
        var ms = new MemoryStream();
        using (var z = new ZstdSharp.CompressionStream(ms, 3, leaveOpen: true))
        {
            // Flushing between writes makes a streaming frame whose header cannot state the content size.
            z.Write(payload.Span[..1000]);
            z.Flush();
            z.Write(payload.Span[1000..]);
        }
        Assert.NotEqual((ulong)payload.Length, ZstdSharp.Decompressor.GetDecompressedSize(ms.ToArray()));
        using var back = new EventBatch(1, 128, 128);
        Assert.Equal(20_000, Aedat4Packet.DecodeEvents(ms.ToArray(), Aedat4Compression.Zstd, back));
        IngestTestData.AssertSameEvents(events, back);
    }
}
