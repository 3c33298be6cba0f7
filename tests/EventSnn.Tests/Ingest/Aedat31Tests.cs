using EventSnn.Ingest;
using static EventSnn.Tests.Ingest.IngestTestData;

namespace EventSnn.Tests.Ingest;

public class Aedat31Tests
{
    [Fact]
    public void FixtureDecodesToItsStatedValidEvents()
    {
        var expected = Json("synthetic_dvs128_aedat31.expected.json");
        using var rec = EventFile.ReadAll(Fixtures.File("synthetic_dvs128_aedat31.aedat"));
        Assert.Equal("aedat3.1", rec.Format);
        Assert.Equal("DVS128", rec.Source);
        Assert.Equal((128, 128), (rec.Width, rec.Height));
        Assert.Equal(expected.GetProperty("header_length").GetInt32().ToString(), rec.Metadata["data_start_offset"]);
        Assert.Equal(Rows(expected.GetProperty("polarity_events_valid_only_t64_x_y_p")), Rows(rec.Events));
    }

    [Fact]
    public void KeepInvalidReturnsTheEventsTheReferenceLoadersReturn()
    {
        var expected = Json("synthetic_dvs128_aedat31.expected.json");
        using var rec = EventFile.ReadAll(Fixtures.File("synthetic_dvs128_aedat31.aedat"), new EventReadOptions { KeepInvalid = true });
        Assert.Equal(Rows(expected.GetProperty("polarity_events_spikingjelly_style_no_valid_check")), Rows(rec.Events));
    }

    [Fact]
    public void LabelsCutTheFixtureIntoHalfOpenWindows()
    {
        var expected = Json("synthetic_dvs128_aedat31.expected.json").GetProperty("spikingjelly_split");
        var labels = GestureLabels.Parse(Fixtures.File("synthetic_dvs128_aedat31_labels.csv"));
        Assert.Equal([new GestureLabel(1, 100, 250), new GestureLabel(11, 2147483653, 2147483700)], labels);
        using var rec = EventFile.ReadAll(Fixtures.File("synthetic_dvs128_aedat31.aedat"));
        var parts = GestureLabels.Cut(rec.Events, labels);
        try
        {
            Assert.Equal(Rows(expected.GetProperty("label0_window_t_ge_100_lt_250")), Rows(parts[0].Events));
            Assert.Equal(Rows(expected.GetProperty("label10_window")), Rows(parts[1].Events));
        }
        finally { foreach (var p in parts) p.Events.Dispose(); }
    }

    [Fact]
    public void RealLabelsFileParsesWithRepeatedClass()
    {
        var labels = GestureLabels.Parse(Fixtures.File("dvsgesture_user01_natural_labels.csv"));
        Assert.Equal(12, labels.Count);
        Assert.Equal(new GestureLabel(1, 53036986, 59508469), labels[0]);
        Assert.Equal(2, labels.Count(l => l.Class == 8));
    }

    [Fact]
    public void BadLabelRowNamesTheLine()
    {
        var ex = Assert.Throws<EventFormatException>(() => GestureLabels.Parse(new MemoryStream("class,startTime_usec,endTime_usec\r\n1,10,x\r\n"u8.ToArray()), "l.csv"));
        Assert.Contains("line 2", ex.Message);
        Assert.Equal("l.csv", ex.File);
        Assert.Equal(35, ex.Offset);
    }

    [Fact]
    public void WriterRoundTripsAcrossTimestampOverflow()
    {
        using var events = Random(20_000, 128, 128, seed: 3, t0: (1L << 31) - 100_000, maxStep: 20);
        var ms = new MemoryStream();
        Aedat31Writer.Write(ms, events, new EventWriteOptions { EventsPerPacket = 777 });
        using var back = ReadBytes(ms.ToArray(), "x.aedat");
        Assert.Equal("aedat3.1", back.Format);
        AssertSameEvents(events, back.Events);
        Assert.True(events.T[^1] >= 1L << 31);
    }

    [Fact]
    public void CutFileIsAnErrorWhenStrictAndKeepsWholeEventsOtherwise()
    {
        using var events = Random(100, 128, 128, seed: 4);
        var ms = new MemoryStream();
        Aedat31Writer.Write(ms, events);
        byte[] cut = ms.ToArray()[..^5];
        var ex = Assert.Throws<EventFormatException>(() => ReadBytes(cut, "cut.aedat", new EventReadOptions { Strict = true }));
        Assert.Equal("cut.aedat", ex.File);
        using var lenient = ReadBytes(cut, "cut.aedat");
        Assert.Equal(99, lenient.Events.Count);
        Assert.Contains("warning", lenient.Metadata.Keys);
    }

    [Fact]
    public void PacketSizeRunningPastTheEndIsReportedWithItsOffset()
    {
        byte[] bytes = File.ReadAllBytes(Fixtures.File("synthetic_dvs128_aedat31.aedat"));
        BitConverter.GetBytes(int.MaxValue).CopyTo(bytes, 105 + 16); // capacity of the first packet
        BitConverter.GetBytes(int.MaxValue).CopyTo(bytes, 105 + 20); // number
        BitConverter.GetBytes(0).CopyTo(bytes, 105 + 24);
        var ex = Assert.Throws<EventFormatException>(() => ReadBytes(bytes, "big.aedat", new EventReadOptions { Strict = true }));
        Assert.Equal(105, ex.Offset);
    }

    [Fact]
    public void WrongVersionLineIsRejected()
    {
        var ex = Assert.Throws<EventFormatException>(() => Aedat31Reader.Open(new MemoryStream("#!AER-DAT9.9\r\n"u8.ToArray()), "v.aedat"));
        Assert.Equal(0, ex.Offset);
    }
}
