using System.Text;
using EventSnn.Ingest;
using static EventSnn.Tests.Ingest.IngestTestData;

namespace EventSnn.Tests.Ingest.Prophesee;

/// <summary>DAT reader and writer: round trip, size lines, N-CARS-style headers, refused types and sizes.</summary>
public class DatTests
{
    static byte[] Record(uint t, int x, int y, int p) => [.. BitConverter.GetBytes(t), .. BitConverter.GetBytes((uint)(x | (y << 14) | (p << 28)))];

    [Fact]
    public void WriteThenReadGivesTheSameEventsAndSize()
    {
        string dir = Fixtures.TempDir("dat-rt");
        try
        {
            string path = Path.Combine(dir, "r.dat");
            using var events = Random(20_000, 304, 240, seed: 3, t0: 4_000_000_000);
            EventFile.Write(path, events);
            using var back = EventFile.ReadAll(path, new EventReadOptions { Strict = true });
            Assert.Equal("dat", back.Format);
            Assert.Equal((304, 240), (back.Width, back.Height));
            Assert.Equal("header (% Width / % Height)", back.Metadata["sensor_size_from"]);
            AssertSameEvents(events, back.Events);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void NcarsStyleHeaderWithoutSizeTakesTheCallersSize()
    {
        byte[] bytes = [.. Encoding.ASCII.GetBytes("% Data file containing N9Chronocam7Event2dE events.\n% Version 2\n% Date 2016-01-01 00:00:00\n"),
            0, 8, .. Record(10, 3, 4, 1), .. Record(20, 63, 49, 0)];
        using (var rec = ReadBytes(bytes, "obj_1_td.dat", new EventReadOptions { Strict = true }))
        {
            Assert.Equal([(10L, 3, 4, 1), (20L, 63, 49, 0)], Rows(rec.Events));
            Assert.Equal((64, 50), (rec.Width, rec.Height));
            Assert.StartsWith("events", rec.Metadata["sensor_size_from"]);
        }
        using (var rec = ReadBytes(bytes, "obj_1_td.dat", new EventReadOptions { SensorWidth = 120, SensorHeight = 100 }))
        {
            Assert.Equal((120, 100), (rec.Width, rec.Height));
            Assert.StartsWith("caller", rec.Metadata["sensor_size_from"]);
        }
    }

    [Fact]
    public void HeaderlessFileIsCdRecordsFromByteZero()
    {
        byte[] bytes = [.. Record(1, 2, 3, 1), .. Record(5, 6, 7, 0)];
        using var rec = ReadBytes(bytes, "raw_td.dat", new EventReadOptions { Strict = true });
        Assert.Equal([(1L, 2, 3, 1), (5L, 6, 7, 0)], Rows(rec.Events));
    }

    [Theory]
    [InlineData(14, 24, 24L)]   // external triggers: not CD
    [InlineData(0, 12, 25L)]    // CD with a record size the layout does not have
    public void OtherTypesAndSizesAreTypedErrors(byte type, byte size, long offset)
    {
        byte[] bytes = [.. Encoding.ASCII.GetBytes("% Version 2\n% Height 10\n"), type, size, .. Record(1, 1, 1, 1)];
        var ex = Assert.Throws<EventFormatException>(() => ReadBytes(bytes, "o.dat"));
        Assert.Equal(offset, ex.Offset);
    }

    [Fact]
    public void BodyNotAMultipleOfTheSizeIsAStrictErrorOrAWarning()
    {
        byte[] head = [.. Encoding.ASCII.GetBytes("% Version 2\n"), 0, 8];
        byte[] bytes = [.. head, .. Record(1, 1, 1, 1), 9, 9, 9];
        var ex = Assert.Throws<EventFormatException>(() => ReadBytes(bytes, "s.dat", new EventReadOptions { Strict = true }));
        Assert.Equal(head.Length + 8, ex.Offset);
        using var rec = ReadBytes(bytes, "s.dat");
        Assert.Equal(1, rec.Events.Count);
        Assert.Contains("not a multiple of 8", rec.Metadata["size_check"]);
    }
}
