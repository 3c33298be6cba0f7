using EventSnn.Ingest;
using static EventSnn.Tests.Ingest.IngestTestData;

namespace EventSnn.Tests.Ingest;

public class Aedat2Tests
{
    [Theory]
    [InlineData("libcaer", "libcaer_dv_t_x_y_p")]
    [InlineData("spikingjelly", "spikingjelly_t_x_y_p")]
    [InlineData("events-tfds", "events_tfds_dat2mat_t_x_y_p")]
    [InlineData("tonic-dvs128", "tonic_read_dvs_128_t_x_y_p")]
    public void FixtureDecodesUnderEachConvention(string convention, string key)
    {
        var expected = Json("synthetic_dvs128_aedat2.expected.json");
        using var rec = EventFile.ReadAll(Fixtures.File("synthetic_dvs128_aedat2.aedat"), new EventReadOptions { Convention = convention });
        Assert.Equal("aedat2", rec.Format);
        Assert.Equal((128, 128), (rec.Width, rec.Height));
        Assert.Equal("283", rec.Metadata["data_start_offset"]);
        Assert.Equal(Rows(expected.GetProperty(key)), Rows(rec.Events));
    }

    [Fact]
    public void RawConventionKeepsAddressBits()
    {
        var expected = Json("synthetic_dvs128_aedat2.expected.json");
        var raw = expected.GetProperty("raw_records_rx_ry_b0_t").EnumerateArray()
            .Select(r => (r[3].GetInt64(), r[0].GetInt32(), r[1].GetInt32(), 1 - r[2].GetInt32())).ToList();
        using var rec = EventFile.ReadAll(Fixtures.File("synthetic_dvs128_aedat2.aedat"), new EventReadOptions { Convention = "raw" });
        Assert.Equal(raw, Rows(rec.Events));
    }

    [Fact]
    public void DavisHeaderWithoutEventsGivesTheHeaderFacts()
    {
        using var rec = EventFile.ReadAll(Fixtures.File("tonic_sample_aedat_header.aedat"));
        Assert.Equal(0, rec.Events.Count);
        Assert.Equal("1695355587880", rec.Metadata["creation_time_ms"]);
        Assert.Equal("2.0", rec.Metadata["version"]);
        Assert.Equal("599", rec.Metadata["data_start_offset"]);
        Assert.Equal((346, 260), (rec.Width, rec.Height));
        Assert.Equal("davis", rec.Metadata["chip_layout"]);
    }

    [Fact]
    public void JaerDvs128HeaderEndsAtItsMarkerAndTheTailIsReported()
    {
        string path = Fixtures.File("mibblez_header_test_128.aedat");
        var ex = Assert.Throws<EventFormatException>(() => EventFile.ReadAll(path, new EventReadOptions { Strict = true }));
        Assert.Equal(4241 + 32, ex.Offset); // four whole 8-byte "records" of filler, then 6 bytes
        using var rec = EventFile.ReadAll(path);
        Assert.Equal("4241", rec.Metadata["data_start_offset"]);
        Assert.Equal((128, 128), (rec.Width, rec.Height));
        Assert.Contains("trailing", rec.Metadata["warning"]);
    }

    [Theory]
    [InlineData("libcaer")]
    [InlineData("spikingjelly")]
    [InlineData("events-tfds")]
    [InlineData("tonic-dvs128")]
    [InlineData("raw")]
    public void WriterRoundTripsUnderEachConvention(string convention)
    {
        using var events = Random(5000, 128, 128, seed: 7, t0: uint.MaxValue - 200_000);
        var ms = new MemoryStream();
        Aedat2Writer.Write(ms, events, new EventWriteOptions { AedatVersion = "2.0", Convention = convention });
        using var back = ReadBytes(ms.ToArray(), "r.aedat", new EventReadOptions { Convention = convention });
        AssertSameEvents(events, back.Events);
    }

    [Fact]
    public void WriterRefusesCoordinatesBeyondDvs128()
    {
        using var events = new EventBatch(1, 240, 180);
        events.Add(5, 200, 3, 1);
        var ex = Assert.Throws<ArgumentException>(() => Aedat2Writer.Write(new MemoryStream(), events));
        Assert.Contains("x must be below 128", ex.Message);
    }
}
