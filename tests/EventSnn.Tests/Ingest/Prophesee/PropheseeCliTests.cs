using System.IO.Compression;
using System.Text.Json;
using EventSnn.Ingest;
using static EventSnn.Tests.Ingest.IngestTestData;

namespace EventSnn.Tests.Ingest.Prophesee;

/// <summary>Prophesee files through the real program: inspect, convert, frames, ARCHIVE#ENTRY, stream replay.</summary>
public class PropheseeCliTests
{
    [Fact]
    public void ConvertChainThroughRawAndDatKeepsTheEvents()
    {
        string dir = Fixtures.TempDir("prophesee-cli");
        try
        {
            string src = Fixtures.File("tonic_sample_nmnist.bin");
            string evt3 = Path.Combine(dir, "a.raw"), dat = Path.Combine(dir, "b.dat"), evt2 = Path.Combine(dir, "c.raw");
            foreach (var (from, to, extra) in new[] { (src, evt3, ""), (evt3, dat, ""), (dat, evt2, "evt2") })
            {
                string[] args = extra == "" ? ["events", "convert", from, to] : ["events", "convert", from, to, "--raw-encoding", extra];
                var (code, _, err) = EventSnnProcess.Run(args);
                Assert.True(code == 0, err);
            }
            using var original = EventFile.ReadAll(src);
            using var back = EventFile.ReadAll(evt2, new EventReadOptions { Strict = true });
            Assert.Equal("evt2", back.Format);
            Assert.Equal((34, 34), (back.Width, back.Height));
            AssertSameEvents(original.Events, back.Events);

            // The same events give the same frames whichever file they come from.
            var f1 = EventSnnProcess.Run("events", "frames", src, Path.Combine(dir, "f1.h5"), "--rule", "sj-time:4", "--width", "34", "--height", "34", "--json");
            var f2 = EventSnnProcess.Run("events", "frames", evt3, Path.Combine(dir, "f2.h5"), "--rule", "sj-time:4", "--width", "34", "--height", "34", "--json");
            Assert.True(f1.Code == 0 && f2.Code == 0, f1.Err + f2.Err);
            Assert.Equal(JsonDocument.Parse(f1.Out).RootElement.GetProperty("events_per_frame").ToString(),
                JsonDocument.Parse(f2.Out).RootElement.GetProperty("events_per_frame").ToString());
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void InspectOfARawEntryInAZipReportsFormatSizeCountsAndTriggers()
    {
        string dir = Fixtures.TempDir("prophesee-cli");
        try
        {
            using var events = Random(4000, 1280, 720, seed: 21);
            ExternalTrigger[] triggers = [new(100, 0, 1), new(5000, 0, 0), new(9000, 3, 1)];
            string zip = Path.Combine(dir, "rec.zip");
            using (var archive = ZipFile.Open(zip, ZipArchiveMode.Create))
            using (var s = archive.CreateEntry("session/cam.raw").Open())
                Evt3Writer.Write(s, events, new EventWriteOptions { Triggers = triggers });

            var (code, output, err) = EventSnnProcess.Run("events", "inspect", zip + "#session/cam.raw", "--json");
            Assert.True(code == 0, err);
            var j = JsonDocument.Parse(output).RootElement;
            Assert.Equal("evt3", j.GetProperty("format").GetString());
            Assert.Equal((1280, 720), (j.GetProperty("width").GetInt32(), j.GetProperty("height").GetInt32()));
            Assert.Equal(4000, j.GetProperty("events").GetInt64());
            Assert.Equal(events.P.ToArray().Count(p => p == 1), j.GetProperty("on").GetInt64());
            Assert.Equal(3, j.GetProperty("trigger_count").GetInt32());
            Assert.Equal(9000, j.GetProperty("triggers")[2].GetProperty("t_us").GetInt64());
            Assert.Equal(3, j.GetProperty("triggers")[2].GetProperty("id").GetInt32());
            Assert.Equal("header (% format)", j.GetProperty("metadata").GetProperty("sensor_size_from").GetString());

            (code, output, err) = EventSnnProcess.Run("events", "inspect", zip + "#session/cam.raw");
            Assert.True(code == 0, err);
            Assert.Contains("format:    evt3", output);
            Assert.Contains("1280 x 720 px (from header (% format))", output);
            Assert.Contains("triggers:  3 external trigger event(s)", output);
            Assert.Contains("t=9000 us, id=3, value=1", output);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void InspectOfADatWithoutSizeLinesSaysWhereTheSizeCameFrom()
    {
        string dir = Fixtures.TempDir("prophesee-cli");
        try
        {
            string path = Path.Combine(dir, "obj_000001_td.dat");
            using var events = Random(500, 64, 50, seed: 2);
            using (var fs = File.Create(path)) DatWriter.Write(fs, events, writeSize: false);
            var (code, output, err) = EventSnnProcess.Run("events", "inspect", path);
            Assert.True(code == 0, err);
            Assert.Contains("format:    dat", output);
            Assert.Contains("(from events (the header states no size", output);
            (code, output, err) = EventSnnProcess.Run("events", "inspect", path, "--sensor", "120x100");
            Assert.True(code == 0, err);
            Assert.Contains("120 x 100 px (from caller", output);
            (code, _, err) = EventSnnProcess.Run("events", "inspect", path, "--sensor", "120by100");
            Assert.Equal(2, code);
            Assert.Contains("error: --sensor", err);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void InspectOfARawWithoutAnEncodingLineIsOneErrorLine()
    {
        string dir = Fixtures.TempDir("prophesee-cli");
        try
        {
            string path = Path.Combine(dir, "x.raw");
            File.WriteAllText(path, "% camera something\n% end\n\0\0\0\0");
            var (code, _, err) = EventSnnProcess.Run("events", "inspect", path);
            Assert.Equal(2, code);
            Assert.StartsWith("error: ", err);
            Assert.Contains("at byte 0", err);
            Assert.DoesNotContain("Unhandled", err);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void StreamReplayOfARawRecordingSendsEveryEvent()
    {
        string dir = Fixtures.TempDir("prophesee-cli");
        try
        {
            string path = Path.Combine(dir, "r.raw");
            using var events = Random(3000, 640, 480, seed: 4);
            EventFile.Write(path, events, new EventWriteOptions { RawEncoding = "evt2" });
            var (code, stdout, err) = EventSnnProcess.Run("stream", "replay", path, "--udp", "127.0.0.1:9", "--speed", "0", "--json");
            Assert.True(code == 0, err);
            var summary = JsonDocument.Parse(stdout.Trim().Split('\n')[^1]).RootElement;
            Assert.Equal(3000, summary.GetProperty("events").GetInt64());
        }
        finally { Directory.Delete(dir, true); }
    }
}
