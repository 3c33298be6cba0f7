using EventSnn.Ingest;
using static EventSnn.Tests.Ingest.IngestTestData;

namespace EventSnn.Tests.Ingest;

public class AtisBinTests
{
    [Fact]
    public void NmnistSampleDecodesToItsStatedValues()
    {
        var expected = Json("tonic_sample_nmnist.bin.json");
        using var rec = EventFile.ReadAll(Fixtures.File("tonic_sample_nmnist.bin"), new EventReadOptions { Strict = true });
        Assert.Equal("bin", rec.Format);
        Assert.Equal(expected.GetProperty("count").GetInt32(), rec.Events.Count);
        Assert.Equal(4325, rec.Events.Count);
        var first = Rows(expected.GetProperty("first_events_t_x_y_p"));
        Assert.Equal(first, Rows(rec.Events).Take(first.Count));
        Assert.Equal((311175L, 21, 14, 1), Rows(rec.Events)[^1]);
        Assert.Equal(2145, rec.Events.P.ToArray().Count(p => p == 1));
        Assert.Equal(2180, rec.Events.P.ToArray().Count(p => p == 0));
        Assert.Equal((34, 34), (rec.Width, rec.Height));
    }

    [Fact]
    public void OverflowRecordsAreDroppedAndShiftLaterTimestamps()
    {
        byte[] bytes = [
            1, 2, 0x80, 0x00, 0x10,   // (16, 1, 2, ON)
            0, 240, 0, 0, 0,          // overflow
            3, 4, 0x00, 0x00, 0x20,   // (32 + 8192, 3, 4, OFF)
        ];
        using var rec = ReadBytes(bytes, "o.bin");
        Assert.Equal([(16L, 1, 2, 1), (32L + 8192, 3, 4, 0)], Rows(rec.Events));
    }

    [Fact]
    public void TrailingPartialRecordIsReported()
    {
        byte[] bytes = File.ReadAllBytes(Fixtures.File("tonic_sample_nmnist.bin"))[..^2];
        var ex = Assert.Throws<EventFormatException>(() => ReadBytes(bytes, "t.bin", new EventReadOptions { Strict = true }));
        Assert.Equal(4324L * 5, ex.Offset);
        using var rec = ReadBytes(bytes, "t.bin");
        Assert.Equal(4324, rec.Events.Count);
    }
}
