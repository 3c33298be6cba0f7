using System.Text.Json;
using EventSnn.Ingest;
using static EventSnn.Tests.Ingest.IngestTestData;

namespace EventSnn.Tests.Ingest;

/// <summary>`eventsnn events inspect|convert` through the real program.</summary>
public class EventsCommandTests
{
    [Fact]
    public void InspectJsonReportsTheFixtureFacts()
    {
        var (code, output, err) = EventSnnProcess.Run("events", "inspect", Fixtures.File("tonic_sample_nmnist.bin"), "--json");
        Assert.True(code == 0, err);
        var j = JsonDocument.Parse(output).RootElement;
        Assert.Equal("bin", j.GetProperty("format").GetString());
        Assert.Equal(34, j.GetProperty("width").GetInt32());
        Assert.Equal(34, j.GetProperty("height").GetInt32());
        Assert.Equal(4325, j.GetProperty("events").GetInt64());
        Assert.Equal(654, j.GetProperty("t_first_us").GetInt64());
        Assert.Equal(311175, j.GetProperty("t_last_us").GetInt64());
        Assert.Equal(2145, j.GetProperty("on").GetInt64());
        Assert.Equal(2180, j.GetProperty("off").GetInt64());
        Assert.Equal([654L, 7, 15, 1], j.GetProperty("first")[0].EnumerateArray().Select(v => v.GetInt64()));
        Assert.Equal([311175L, 21, 14, 1], j.GetProperty("last")[4].EnumerateArray().Select(v => v.GetInt64()));
        Assert.Equal(5, j.GetProperty("first").GetArrayLength());
    }

    [Fact]
    public void InspectTextNamesFormatAndSource()
    {
        var (code, output, err) = EventSnnProcess.Run("events", "inspect", Fixtures.File("synthetic_dvs128_aedat31.aedat"));
        Assert.True(code == 0, err);
        Assert.Contains("aedat3.1", output);
        Assert.Contains("DVS128", output);
        Assert.Contains("128 x 128", output);
        Assert.Contains("4294967295, 7, 8, 0", output);
    }

    [Fact]
    public void InspectOfABadFileIsAClearErrorWithOffset()
    {
        var (code, _, err) = EventSnnProcess.Run("events", "inspect", Fixtures.File("mibblez_header_test_128.aedat"), "--strict");
        Assert.Equal(2, code);
        Assert.Contains("at byte 4273", err);
        Assert.DoesNotContain("Unhandled", err);
    }

    [Fact]
    public void ConvertChainThroughEveryFormatKeepsTheEvents()
    {
        string dir = Fixtures.TempDir("ingest-cli");
        try
        {
            string src = Fixtures.File("synthetic_dvs128_aedat2.aedat");
            string prev = src;
            foreach (string ext in new[] { "h5", "csv", "aedat4", "aedat" })
            {
                string next = Path.Combine(dir, "e." + ext);
                var (code, _, err) = EventSnnProcess.Run("events", "convert", prev, next, "--convention", "spikingjelly");
                Assert.True(code == 0, err);
                prev = next;
            }
            string back = Path.Combine(dir, "back.aedat");
            var r = EventSnnProcess.Run("events", "convert", prev, back, "--aedat-version", "2.0", "--convention", "spikingjelly");
            Assert.True(r.Code == 0, r.Err);
            using var original = EventFile.ReadAll(src, new EventReadOptions { Convention = "spikingjelly" });
            using var final = EventFile.ReadAll(back, new EventReadOptions { Convention = "spikingjelly" });
            AssertSameEvents(original.Events, final.Events);
            Assert.Equal(File.ReadAllBytes(src)[283..], File.ReadAllBytes(back)[^48..]);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void ConvertRefusesEventsTheOutputCannotHold()
    {
        string dir = Fixtures.TempDir("ingest-cli");
        try
        {
            string src = Path.Combine(dir, "big.csv");
            File.WriteAllText(src, "t,x,y,p\n1,300,2,1\n");
            var (code, _, err) = EventSnnProcess.Run("events", "convert", src, Path.Combine(dir, "o.aedat"), "--aedat-version", "2.0");
            Assert.Equal(2, code);
            Assert.Contains("x must be below 128", err);
            (code, _, err) = EventSnnProcess.Run("events", "convert", Fixtures.File("synthetic_dvs128_aedat31.aedat"), Path.Combine(dir, "o.bin"));
            Assert.Equal(2, code);
            Assert.Contains("t must be within", err);
            Assert.False(File.Exists(Path.Combine(dir, "o.bin")));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void InspectReadsAnAedat4EntryInsideATarGz()
    {
        string dir = Fixtures.TempDir("ingest-cli");
        try
        {
            using var events = Random(3000, 346, 260, seed: 8, t0: 1_700_000_000_000_000);
            string src = Path.Combine(dir, "rec");
            Directory.CreateDirectory(src);
            EventFile.Write(Path.Combine(src, "cam.aedat4"), events, new EventWriteOptions { Source = "DAVIS346_0001" });
            string tgz = Path.Combine(dir, "rec.tar.gz");
            using (var fs = File.Create(tgz))
            using (var gz = new System.IO.Compression.GZipStream(fs, System.IO.Compression.CompressionLevel.Fastest))
                System.Formats.Tar.TarFile.CreateFromDirectory(src, gz, includeBaseDirectory: false);
            var (code, output, err) = EventSnnProcess.Run("events", "inspect", tgz + "#cam.aedat4", "--json");
            Assert.True(code == 0, err);
            var j = JsonDocument.Parse(output).RootElement;
            Assert.Equal("aedat4", j.GetProperty("format").GetString());
            Assert.Equal("DAVIS346_0001", j.GetProperty("source").GetString());
            Assert.Equal((346, 260), (j.GetProperty("width").GetInt32(), j.GetProperty("height").GetInt32()));
            Assert.Equal(3000, j.GetProperty("events").GetInt64());
            Assert.Equal(events.T[0], j.GetProperty("t_first_us").GetInt64());
            Assert.Equal(events.T[^1], j.GetProperty("t_last_us").GetInt64());
            Assert.Equal(events.P.ToArray().Count(p => p == 1), j.GetProperty("on").GetInt64());
        }
        finally { Directory.Delete(dir, true); }
    }
}
