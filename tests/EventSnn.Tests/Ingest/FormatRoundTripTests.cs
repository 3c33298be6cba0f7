using EventSnn.Ingest;
using static EventSnn.Tests.Ingest.IngestTestData;

namespace EventSnn.Tests.Ingest;

/// <summary>Every writer/reader pair through <see cref="EventFile"/>: events out equal events in.</summary>
public class FormatRoundTripTests
{
    [Theory]
    [InlineData("r.csv", 346, 260, "csv")]
    [InlineData("r.h5", 346, 260, "hdf5")]
    [InlineData("r.hdf5", 128, 128, "hdf5")]
    [InlineData("r.aedat4", 640, 480, "aedat4")]
    [InlineData("r.aedat", 128, 128, "aedat3.1")]
    [InlineData("r.bin", 240, 180, "bin")]
    public void EventFileWriteThenReadAllGivesTheSameEvents(string name, int w, int h, string format)
    {
        string dir = Fixtures.TempDir("ingest-rt");
        try
        {
            string path = Path.Combine(dir, name);
            using var events = Random(20_000, w, h, seed: name.Length * 31 + w, maxStep: format == "bin" ? 3 : 50);
            if (format == "bin") for (int i = 0; i < events.Count; i++) if (events.Y[i] == 240) events.Y[i] = 0;
            EventFile.Write(path, events);
            using var back = EventFile.ReadAll(path, new EventReadOptions { Strict = true });
            Assert.Equal(format, back.Format);
            AssertSameEvents(events, back.Events);
            if (format != "bin") Assert.Equal((w, h), (back.Width, back.Height));
            using var reader = EventFile.Open(path);
            int total = 0;
            foreach (var b in reader.ReadBatches(3000)) using (b) { Assert.True(b.Count <= 3000); total += b.Count; }
            Assert.Equal(events.Count, total);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Aedat2IsWrittenWhenAsked()
    {
        string dir = Fixtures.TempDir("ingest-rt");
        try
        {
            string path = Path.Combine(dir, "a.aedat");
            using var events = Random(1000, 128, 128, seed: 5);
            EventFile.Write(path, events, new EventWriteOptions { AedatVersion = "2.0" });
            using var back = EventFile.ReadAll(path);
            Assert.Equal("aedat2", back.Format);
            AssertSameEvents(events, back.Events);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void RefusedEventLeavesNoOutputFile()
    {
        string dir = Fixtures.TempDir("ingest-rt");
        try
        {
            string path = Path.Combine(dir, "a.bin");
            using var events = new EventBatch(2, 240, 180);
            events.Add(1, 1, 1, 1);
            events.Add(1 << 23, 1, 1, 1);
            var ex = Assert.Throws<ArgumentException>(() => EventFile.Write(path, events));
            Assert.Contains("event 1", ex.Message);
            Assert.Empty(Directory.GetFiles(dir));
        }
        finally { Directory.Delete(dir, true); }
    }
}
