using EventSnn.Ingest;
using static EventSnn.Tests.Ingest.IngestTestData;

namespace EventSnn.Tests.Ingest.Prophesee;

/// <summary>EVT 2.0 / 2.1 / 3.0 .raw readers and writers: round trips, hand-built words, loops, triggers, headers.</summary>
public class PropheseeRawTests
{
    const string Evt3Header = "% evt 3.0\n% format EVT3;height=720;width=1280\n% geometry 1280x720\n% end\n";
    const string Evt2Header = "% Date 2020-09-14 09:03:25\n% evt 2.0\n% geometry 640x480\n% serial_number 00001\n% end\n";

    /// <summary>Sorted events with runs of equal time on one row, so EVT 3.0 has something to vectorise.</summary>
    static EventBatch Bursty(int count, int width, int height, int seed, long t0 = 0)
    {
        var rng = new Random(seed);
        var b = new EventBatch(count, width, height);
        long t = t0;
        while (b.Count < count)
        {
            t += rng.Next(3) == 0 ? rng.Next(1, 5000) : rng.Next(0, 3);
            int y = rng.Next(height), p = rng.Next(2);
            int x = rng.Next(width);
            int run = rng.Next(1, 40);
            for (int r = 0; r < run && b.Count < count && x < width; r++)
            {
                b.Add(t, (ushort)x, (ushort)y, (byte)p);
                x += rng.Next(4) == 0 ? rng.Next(2, 30) : 1;
            }
        }
        return b;
    }

    [Theory]
    [InlineData("evt3", 1280, 720, 0L)]
    [InlineData("evt2", 640, 480, 0L)]
    [InlineData("evt3", 320, 320, 3 * (1L << 24) - 5000)]   // crosses EVT 3.0 time loops
    [InlineData("evt2", 1280, 720, (1L << 34) - 20_000)]    // crosses an EVT 2.0 time loop
    public void WriteThenReadGivesTheSameEvents(string encoding, int w, int h, long t0)
    {
        string dir = Fixtures.TempDir("raw-rt");
        try
        {
            string path = Path.Combine(dir, "r.raw");
            using var events = Bursty(30_000, w, h, seed: w + (int)(t0 & 0xFFFF), t0);
            EventFile.Write(path, events, new EventWriteOptions { RawEncoding = encoding });
            using var back = EventFile.ReadAll(path, new EventReadOptions { Strict = true });
            Assert.Equal(encoding, back.Format);
            Assert.Equal((w, h), (back.Width, back.Height));
            Assert.Equal("header (% format)", back.Metadata["sensor_size_from"]);
            AssertSameEvents(events, back.Events);
            using var reader = EventFile.Open(path);
            int total = 0;
            foreach (var b in reader.ReadBatches(3000)) using (b) { Assert.True(b.Count <= 3000); total += b.Count; }
            Assert.Equal(events.Count, total);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Evt3WriterVectorisesRunsOfOneRow()
    {
        using var events = new EventBatch(2048, 1280, 720);
        for (int i = 0; i < 1200; i++) events.Add(1000, (ushort)i, 7, 1); // one full row at one time
        var ms = new MemoryStream();
        Evt3Writer.Write(ms, events);
        int header = ms.ToArray().AsSpan().IndexOf("% end\n"u8) + 6;
        int words = (int)(ms.Length - header) / 2;
        Assert.True(words < 120, $"{words} words for a 1200-pixel row: expected VECT_12 words, not one word per event");
        using var back = ReadBytes(ms.ToArray(), "v.raw", new EventReadOptions { Strict = true });
        AssertSameEvents(events, back.Events);
    }

    [Fact]
    public void Evt3HandBuiltWordsDecodeToTheirEventsTriggersAndCounters()
    {
        var b = new RawBuilder(Evt3Header)
            .W16(0x2, 5)            // ADDR_X before any TIME_HIGH: skipped
            .W16(0x8, 1)            // TIME_HIGH: base 4096
            .W16(0x0, 5)            // ADDR_Y 5
            .W16(0x6, 10)           // TIME_LOW 10 → t = 4106
            .W16(0x2, (1 << 11) | 3) // ADDR_X x=3, ON
            .W16(0x3, 100)          // VECT_BASE_X 100, OFF
            .W16(0x4, 0b1000_0000_0101) // VECT_12: x = 100, 102, 111; base → 112
            .W16(0x5, 0x81)         // VECT_8: x = 112, 119; base → 120
            .W16(0xA, (2 << 8) | 1) // EXT_TRIGGER id 2, rising
            .W16(0x7, 0xABC)        // CONTINUED_4: ignored
            .W16(0xF, 0xFFF)        // CONTINUED_12: ignored
            .W16(0xB, 0)            // reserved type
            .W16(0x6, 5)            // TIME_LOW 5 (< 10): no loop inferred, t = 4101
            .W16(0x2, 9);           // x = 9, OFF
        using var rec = ReadBytes(b.Bytes, "h.raw", new EventReadOptions { Strict = true });
        Assert.Equal("evt3", rec.Format);
        Assert.Equal([(4106L, 3, 5, 1), (4106L, 100, 5, 0), (4106L, 102, 5, 0), (4106L, 111, 5, 0), (4106L, 112, 5, 0), (4106L, 119, 5, 0), (4101L, 9, 5, 0)],
            Rows(rec.Events));
        Assert.Equal([new ExternalTrigger(4106, 2, 1)], rec.Triggers);
        Assert.Equal("1", rec.Metadata["skipped_before_time_high"]);
        Assert.Equal("2", rec.Metadata["ignored_words"]);
        Assert.Equal("1", rec.Metadata["reserved_words"]);
        Assert.Equal("0", rec.Metadata["time_loops"]);
    }

    [Fact]
    public void Evt3TimeHighLoopRuleAddsTwoToThe24OnlyOnALargeDrop()
    {
        var b = new RawBuilder(Evt3Header)
            .W16(0x8, 4095).W16(0x2, 1)       // t = 4095·4096
            .W16(0x8, 0).W16(0x2, 2)          // drop of 4095·4096 ≥ threshold → loop: t = 2^24
            .W16(0x8, 3).W16(0x2, 3)          // t = 2^24 + 3·4096
            .W16(0x8, 1).W16(0x2, 4);         // small drop: backwards, not a loop
        using var rec = ReadBytes(b.Bytes, "l.raw");
        Assert.Equal([4095L * 4096, 1L << 24, (1L << 24) + 3 * 4096, (1L << 24) + 4096], rec.Events.T.ToArray());
        Assert.Equal("1", rec.Metadata["time_loops"]);
        Assert.Equal("1", rec.Metadata["time_high_backwards"]);
    }

    [Fact]
    public void Evt2HandBuiltWordsWithLoopTriggerAndReservedWords()
    {
        long big = (1L << 34) - 64;
        var b = new RawBuilder(Evt2Header)
            .Evt2Cd(5, 1, 1, 1)               // before TIME_HIGH: skipped
            .Evt2TimeHigh(640).Evt2Cd(650, 639, 479, 1).Evt2Cd(641, 0, 0, 0)
            .Evt2Trigger(660, 17, 0)
            .W32(0xE0000000).W32(0xF0000000).W32(0x30000000) // OTHERS, CONTINUED, reserved
            .Evt2TimeHigh(big).Evt2Cd(big + 63, 2, 3, 1)
            .Evt2TimeHigh(0).Evt2Cd(7, 4, 5, 0);              // loop → 2^34 + 7
        using var rec = ReadBytes(b.Bytes, "e2.raw", new EventReadOptions { Strict = true });
        Assert.Equal("evt2", rec.Format);
        Assert.Equal((640, 480), (rec.Width, rec.Height));
        Assert.Equal("header (% geometry)", rec.Metadata["sensor_size_from"]);
        Assert.Equal("00001", rec.Metadata["serial_number"]);
        Assert.Equal([(650L, 639, 479, 1), (641L, 0, 0, 0), (big + 63, 2, 3, 1), ((1L << 34) + 7, 4, 5, 0)], Rows(rec.Events));
        Assert.Equal([new ExternalTrigger(660, 17, 0)], rec.Triggers);
        Assert.Equal("1", rec.Metadata["skipped_before_time_high"]);
        Assert.Equal("2", rec.Metadata["ignored_words"]);
        Assert.Equal("1", rec.Metadata["reserved_words"]);
        Assert.Equal("1", rec.Metadata["time_loops"]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Evt21HandBuiltWordsDecodeTheirMasks(bool legacy)
    {
        string header = "% evt 2.1\n% format EVT21;height=720;width=1280" + (legacy ? ";endianness=legacy" : "") + "\n% end\n";
        var b = new RawBuilder(header)
            .Evt21(RawBuilder.Evt21Cd(1, 3, 64, 9, 1), legacy)   // before TIME_HIGH: skipped
            .Evt21(RawBuilder.Evt21TimeHigh(128), legacy)
            .Evt21(RawBuilder.Evt21Cd(1, 130, 64, 9, 0x8000_0001), legacy)  // x = 64 and 95, ON
            .Evt21(RawBuilder.Evt21Cd(0, 131, 1248, 719, 0b110), legacy)    // x = 1249, 1250, OFF
            .Evt21(RawBuilder.Evt21Trigger(140, 3, 1), legacy)
            .Evt21(0xE000_0000_0000_0000, legacy)                            // OTHERS
            .Evt21(RawBuilder.Evt21Cd(0, 150, 0, 0, 0), legacy);             // empty mask: no event
        using var rec = ReadBytes(b.Bytes, "e21.raw", new EventReadOptions { Strict = true });
        Assert.Equal("evt2.1", rec.Format);
        Assert.Equal((1280, 720), (rec.Width, rec.Height));
        Assert.Equal([(130L, 64, 9, 1), (130L, 95, 9, 1), (131L, 1249, 719, 0), (131L, 1250, 719, 0)], Rows(rec.Events));
        Assert.Equal([new ExternalTrigger(140, 3, 1)], rec.Triggers);
        Assert.Equal("1", rec.Metadata["skipped_before_time_high"]);
        Assert.Equal("1", rec.Metadata["ignored_words"]);
    }

    [Fact]
    public void Evt21FullMasksFillBoundedBatches()
    {
        var b = new RawBuilder("% format EVT21;height=64;width=64\n% end\n").Evt21(RawBuilder.Evt21TimeHigh(0), false);
        for (int i = 0; i < 1000; i++) b.Evt21(RawBuilder.Evt21Cd(i & 1, i, 32 * (i & 1), i % 64, 0xFFFF_FFFF), false);
        using var reader = EventFile.Open(EventInput.FromStream(new MemoryStream(b.Bytes), "m.raw"));
        int total = 0;
        foreach (var batch in reader.ReadBatches(100)) using (batch) { Assert.InRange(batch.Count, 1, 100); total += batch.Count; }
        Assert.Equal(32_000, total);
    }

    [Fact]
    public void TriggersRoundTripApartFromTheEvents()
    {
        using var events = Bursty(5000, 640, 480, 11);
        long last = events.T[^1];
        ExternalTrigger[] triggers = [new(0, 0, 1), new(last / 3, 5, 0), new(last / 2, 15, 1), new(last + 10, 1, 0)];
        foreach (string enc in new[] { "evt2", "evt3" })
        {
            var ms = new MemoryStream();
            if (enc == "evt2") Evt2Writer.Write(ms, events, new EventWriteOptions { Triggers = triggers });
            else Evt3Writer.Write(ms, events, new EventWriteOptions { Triggers = triggers });
            using var rec = ReadBytes(ms.ToArray(), "t.raw", new EventReadOptions { Strict = true });
            AssertSameEvents(events, rec.Events);
            Assert.Equal(triggers, rec.Triggers);
            Assert.Equal("4", rec.Metadata["triggers"]);
        }
    }

    [Fact]
    public void WritersRefuseWhatTheWordsCannotHold()
    {
        using var wide = new EventBatch(1, 4096, 10);
        wide.Add(0, 2048, 0, 0);
        Assert.Throws<ArgumentException>(() => Evt3Writer.Write(new MemoryStream(), wide));
        Assert.Throws<ArgumentException>(() => Evt2Writer.Write(new MemoryStream(), wide));
        using var backwards = new EventBatch(2, 10, 10);
        backwards.Add(100, 0, 0, 0); backwards.Add(99, 0, 0, 0);
        var ex = Assert.Throws<ArgumentException>(() => Evt3Writer.Write(new MemoryStream(), backwards));
        Assert.Contains("event 1", ex.Message);
        Assert.Throws<ArgumentException>(() => Evt3Writer.Write(new MemoryStream(), new EventBatch(0, 1, 1), new EventWriteOptions { Triggers = [new(0, 16, 1)] }));
    }

    [Theory]
    [InlineData("% evt 3.0\n% end\n", "x.bin", "evt3")]
    [InlineData("% format EVT21;width=10;height=10\n", "x.dat", "evt2.1")]
    [InlineData("% evt 2.0\n", "x", "evt2")]
    [InlineData("% Data file containing Event2D events.\n% Version 2\n", "x.raw", "dat")]
    [InlineData("% comment\n", "x.dat", "dat")]
    [InlineData("% comment\n", "x.raw", "raw")]
    [InlineData("abc", "x.raw", "raw")]
    public void DetectsByContentThenExtension(string head, string name, string format)
        => Assert.Equal(format, EventFile.Detect(System.Text.Encoding.ASCII.GetBytes(head), name));

    [Fact]
    public void Evt3WithoutGeometryUsesOpenEbDefaultAndCallerSizeWins()
    {
        byte[] bytes = new RawBuilder("% evt 3.0\n").W16(0x8, 0).W16(0x0, 3).W16(0x2, 4).Bytes;
        using (var rec = ReadBytes(bytes, "g.raw"))
        {
            Assert.Equal((1280, 720), (rec.Width, rec.Height));
            Assert.StartsWith("default", rec.Metadata["sensor_size_from"]);
            Assert.Equal([(0L, 4, 3, 0)], Rows(rec.Events));
        }
        using (var rec = ReadBytes(bytes, "g.raw", new EventReadOptions { SensorWidth = 320, SensorHeight = 240 }))
        {
            Assert.Equal((320, 240), (rec.Width, rec.Height));
            Assert.Equal("caller", rec.Metadata["sensor_size_from"]);
        }
        byte[] evt2 = new RawBuilder("% evt 2.0\n").Evt2TimeHigh(0).Evt2Cd(1, 20, 10, 1).Bytes;
        using (var rec = ReadBytes(evt2, "g.raw"))
        {
            Assert.Equal((21, 11), (rec.Width, rec.Height));
            Assert.StartsWith("events", rec.Metadata["sensor_size_from"]);
        }
    }

    [Theory]
    [InlineData("% camera x\n% end\n", 0)]
    [InlineData("% evt 4.0\n% end\n", 0)]
    [InlineData("% evt 3.0\n% geometry 12xZ\n% end\n", 10)]
    [InlineData("% format EVT3;width=99999;height=10\n% end\n", 0)]
    public void BadHeadersAreTypedErrorsWithTheLineOffset(string header, long offset)
    {
        var ex = Assert.Throws<EventFormatException>(() => ReadBytes(new RawBuilder(header).W16(0x8, 0).Bytes, "b.raw"));
        Assert.Equal("b.raw", ex.File);
        Assert.Equal(offset, ex.Offset);
    }

    [Fact]
    public void CutWordIsAWarningOrAStrictErrorAtItsOffset()
    {
        byte[] bytes = new RawBuilder(Evt3Header).W16(0x8, 0).W16(0x2, 1).Bytes;
        byte[] cut = [.. bytes, 0x20];
        var ex = Assert.Throws<EventFormatException>(() => ReadBytes(cut, "c.raw", new EventReadOptions { Strict = true }));
        Assert.Equal(bytes.Length, ex.Offset);
        using var rec = ReadBytes(cut, "c.raw");
        Assert.Equal(1, rec.Events.Count);
        Assert.Contains("warning", rec.Metadata.Keys);
    }
}
