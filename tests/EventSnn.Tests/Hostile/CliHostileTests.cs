using System.Diagnostics;
using System.Text;
using EventSnn.Cli.Pipeline;
using EventSnn.Ingest;
using static EventSnn.Tests.Hostile.ErrorContractTests;

namespace EventSnn.Tests.Hostile;

/// <summary>Hostile values through the CLI: pipes and FIFOs, bad output paths, overflowing sizes, silent wrong results.</summary>
public class CliHostileTests
{
    [Fact]
    public void CsvTimestampsBeyond64BitsAndDuplicateHeaderColumnsAreRefused()
    {
        string dir = Fixtures.TempDir();
        try
        {
            string big = Path.Combine(dir, "big.csv");
            File.WriteAllText(big, "t,x,y,p\n9999999999999999999,1,2,1\n");
            AssertOneErrorLine(EventSnnProcess.RunMeasured("events", "inspect", big), "big.csv", "9999999999999999999");
            string max = Path.Combine(dir, "max.csv");
            File.WriteAllText(max, "t,x,y,p\n9223372036854775807,1,2,1\n");
            var m = EventSnnProcess.RunMeasured("events", "inspect", max, "--json");
            Assert.True(m.Code == 0, m.ToString());
            Assert.Contains("9223372036854775807", m.Out);
            string dup = Path.Combine(dir, "dup.csv");
            File.WriteAllText(dup, "t,t,y,p\n1,2,3,1\n");
            AssertOneErrorLine(EventSnnProcess.RunMeasured("events", "inspect", dup), "dup.csv", "'t' twice");
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void StdinStreamsAndAFifoWithoutWriterTimesOut()
    {
        byte[] aedat = File.ReadAllBytes(Fixtures.File("synthetic_dvs128_aedat31.aedat"));
        // a pipe (stdin) is not seekable: the streaming AEDAT 3.1 reader reads it
        var m = EventSnnProcess.RunMeasured(TimeSpan.FromMinutes(1), null, aedat, "events", "inspect", "/dev/stdin", "--json");
        Assert.True(m.Code == 0, m.ToString());
        Assert.Contains("\"format\": \"aedat3.1\"", m.Out);
        AssertOneErrorLine(EventSnnProcess.RunMeasured(TimeSpan.FromMinutes(1), null, [], "events", "inspect", "/dev/stdin"), "/dev/stdin");

        string dir = Fixtures.TempDir();
        try
        {
            string fifo = Path.Combine(dir, "events.fifo");
            using (var mk = Process.Start("mkfifo", fifo)) mk.WaitForExit();
            Assert.True(File.Exists(fifo));
            m = EventSnnProcess.RunMeasured(TimeSpan.FromSeconds(30), new Dictionary<string, string> { ["EVENTSNN_OPEN_TIMEOUT_S"] = "1" }, null,
                "events", "inspect", fifo);
            AssertOneErrorLine(m, "events.fifo", "did not open within 1 s");
            Assert.True(m.Elapsed < TimeSpan.FromSeconds(20), m.ToString());
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void OutputPathsThatCannotBeWrittenFailAtOnce()
    {
        string dir = Fixtures.TempDir();
        try
        {
            string input = Fixtures.File("synthetic_dvs128_aedat31.aedat");
            AssertOneErrorLine(EventSnnProcess.RunMeasured("events", "convert", input, dir), "is a folder");
            AssertOneErrorLine(EventSnnProcess.RunMeasured("events", "frames", input, dir, "--rule", "sj-number:2"), "is a folder");
            AssertOneErrorLine(EventSnnProcess.RunMeasured("events", "convert", input, Path.Combine(dir, "no", "such", "o.csv")), "does not exist");
            string file = Path.Combine(dir, "file");
            File.WriteAllText(file, "");
            AssertOneErrorLine(EventSnnProcess.RunMeasured("events", "convert", input, Path.Combine(file, "o.csv")), "is a file, not a folder");
            Assert.Equal([file], Directory.GetFiles(dir));  // no temporary file left
        }
        finally { Directory.Delete(dir, true); }
    }

    [Theory]
    [InlineData("tonic-time-window:1", "34", "34")]
    [InlineData("sj-number:4", "3400000", "34000")]
    [InlineData("sj-number:4", "30000", "30000")]
    public void FramesThatWouldOverflowAreRefusedBeforeBinning(string rule, string width, string height)
    {
        string dir = Fixtures.TempDir();
        try
        {
            var m = EventSnnProcess.RunMeasured("events", "frames", Fixtures.File("tonic_sample_nmnist.bin"), Path.Combine(dir, "f.h5"),
                "--rule", rule, "--width", width, "--height", height);
            AssertOneErrorLine(m);
            Assert.Empty(Directory.GetFiles(dir));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Theory]
    [InlineData("--arch", "bogus")]
    [InlineData("--lr", "1e308")]
    [InlineData("--downsample", "1000")]
    [InlineData("--epochs", "0")]
    public void TrainRefusesBadSettingsBeforeAnyWorkAndLeavesNoFolder(string option, string value)
    {
        string dir = Fixtures.TempDir();
        try
        {
            EventSnn.Datasets.Synthetic.SyntheticGestureDataset.Generate(dir, new EventSnn.Datasets.Synthetic.SyntheticOptions { Trials = 5, WindowSeconds = 0.5, WriteArchive = false, Seed = 2 });
            string outDir = Path.Combine(dir, "run");
            var m = EventSnnProcess.RunMeasured("train", "--dataset", "dvsgesture", "--data", dir, "--out", outDir, "--cache", Path.Combine(dir, "cache"), option, value);
            AssertOneErrorLine(m, option == "--arch" ? "bogus" : option);
            Assert.True(m.Elapsed < TimeSpan.FromSeconds(30), m.ToString());
            Assert.False(Directory.Exists(outDir));
            Assert.False(Directory.Exists(Path.Combine(dir, "cache")));  // nothing binned
        }
        finally { Directory.Delete(dir, true); }
    }

    [Theory]
    [InlineData("--lr", "1e308")]
    [InlineData("--epochs", "0")]
    [InlineData("--levels", "100000")]
    public void Ann2SnnRefusesBadNumbersBeforeReadingData(string option, string value)
    {
        string dir = Fixtures.TempDir();
        try
        {
            var m = EventSnnProcess.RunMeasured("ann2snn", "--dataset", "dvsgesture", "--data", Path.Combine(dir, "nothing-here"), "--out", Path.Combine(dir, "a.ckpt"), option, value);
            AssertOneErrorLine(m, option);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void ReplayRefusesEmptyPackets()
    {
        AssertOneErrorLine(EventSnnProcess.RunMeasured("stream", "replay", Fixtures.File("synthetic_dvs128_aedat31.aedat"), "--tcp-listen", "0", "--packet-events", "0"),
            "--packet-events");
    }

    [Fact]
    public void ConvertStreamsInBoundedMemoryAndSaysWhatItCannotStream()
    {
        string dir = Fixtures.TempDir();
        try
        {
            // 4 million events (about 75 MB of CSV; 64 MB as one in-memory recording, more while it grows)
            string csv = Path.Combine(dir, "big.csv");
            using (var w = new StreamWriter(csv))
            {
                w.Write("# width=320 height=240\nt,x,y,p\n");
                for (int i = 0; i < 4_000_000; i++) w.Write($"{i},{i % 320},{i / 7 % 240},{i & 1}\n");
            }
            var m = EventSnnProcess.RunMeasured(TimeSpan.FromMinutes(2), null, null, "events", "convert", csv, Path.Combine(dir, "big.aedat4"), "--json", "--compression", "lz4");
            Assert.True(m.Code == 0, m.ToString());
            Assert.Contains("\"streamed\": true", m.Out);
            var whole = EventSnnProcess.RunMeasured(TimeSpan.FromMinutes(2), null, null, "events", "convert", csv, Path.Combine(dir, "big.h5"), "--json");
            Assert.True(whole.Code == 0, whole.ToString());
            Assert.Contains("\"streamed\": false", whole.Out);
            Assert.Contains("HDF5 output is written whole", whole.Out);
            // streaming holds batches, not the recording: well below what the whole-recording path needs
            Assert.True(m.PeakRssKiB < whole.PeakRssKiB - 50 * 1024, $"streamed {m.PeakRssKiB} KiB, whole {whole.PeakRssKiB} KiB");
            using var back = EventFile.Open(Path.Combine(dir, "big.aedat4"));
            Assert.Equal((320, 240), (back.Width, back.Height));
            Assert.Equal(4_000_000, back.ReadBatches().Sum(b => { using (b) return b.Count; }));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void ABinFileWithoutASizeStreamsInTwoPasses()
    {
        string dir = Fixtures.TempDir();
        try
        {
            string output = Path.Combine(dir, "n.aedat4");
            var m = EventSnnProcess.RunMeasured("events", "convert", Fixtures.File("tonic_sample_nmnist.bin"), output, "--json");
            Assert.True(m.Code == 0, m.ToString());
            Assert.Contains("\"streamed\": true", m.Out);
            using var back = EventFile.Open(output);
            Assert.Equal((34, 34), (back.Width, back.Height));
            Assert.Equal(4325, back.ReadBatches().Sum(b => { using (b) return b.Count; }));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Theory]
    [InlineData("INT")]
    [InlineData("TERM")]
    public void ConvertRemovesItsTemporaryFileOnSignals(string signal)
    {
        string dir = Fixtures.TempDir();
        try
        {
            string csv = Path.Combine(dir, "big.csv");
            using (var w = new StreamWriter(csv))
            {
                w.Write("# width=320 height=240\nt,x,y,p\n");
                for (int i = 0; i < 3_000_000; i++) w.Write($"{i},{i % 320},{i / 7 % 240},{i & 1}\n");
            }
            string output = Path.Combine(dir, "out.aedat4");
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
            foreach (string a in new[] { EventSnnProcess.DllPath, "events", "convert", csv, output, "--compression", "zstd-high" }) psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            _ = p.StandardError.ReadToEndAsync();
            _ = p.StandardOutput.ReadToEndAsync();
            var watch = Stopwatch.StartNew();
            while (!Directory.GetFiles(dir, "out.aedat4.tmp-*").Any() && watch.Elapsed < TimeSpan.FromSeconds(60) && !p.HasExited) Thread.Sleep(20);
            Assert.False(p.HasExited, "convert ended before it could be interrupted");
            Thread.Sleep(300);
            using (var kill = Process.Start("kill", $"-{signal} {p.Id}")) kill.WaitForExit();
            Assert.True(p.WaitForExit(TimeSpan.FromSeconds(30)));
            Assert.NotEqual(0, p.ExitCode);
            Assert.Empty(Directory.GetFiles(dir, "out.aedat4*"));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void ConventionOnANonDvs128InputAndAnAedat31SizeThatCannotMapBackAreWarned()
    {
        string dir = Fixtures.TempDir();
        try
        {
            string csv = Path.Combine(dir, "r.csv");
            File.WriteAllText(csv, "# width=320 height=240\nt,x,y,p\n1,300,200,1\n2,3,4,0\n");
            // AEDAT 3.1 has no size field: the source name carries the size, so a 320x240 recording reads back as 320x240
            // (not as the 640x480 of a camera name), and no start time is invented.
            var m = EventSnnProcess.RunMeasured("events", "convert", csv, Path.Combine(dir, "r.aedat"), "--aedat-version", "3.1", "--source", "DVXplorer");
            Assert.True(m.Code == 0, m.ToString());
            Assert.DoesNotContain("cannot state", m.Err);
            using (var back = EventFile.ReadAll(Path.Combine(dir, "r.aedat")))
            {
                Assert.Equal((320, 240), (back.Width, back.Height));
                Assert.Equal("DVXplorer [320x240]", back.Source);
                Assert.False(back.Metadata.ContainsKey("start_time"), "an unknown start time was written");
            }
            m = EventSnnProcess.RunMeasured("events", "convert", csv, Path.Combine(dir, "r.aedat4"), "--convention", "spikingjelly");
            Assert.True(m.Code == 0, m.ToString());
            Assert.Contains("warning: --convention applies to AEDAT 2.0 DVS128 files only", m.Err);
            m = EventSnnProcess.RunMeasured("events", "convert", csv, Path.Combine(dir, "r2.aedat4"));
            Assert.DoesNotContain("warning", m.Err);
            m = EventSnnProcess.RunMeasured("events", "inspect", Fixtures.File("synthetic_dvs128_aedat31.aedat"), "--convention", "events-tfds");
            Assert.True(m.Code == 0, m.ToString());
            Assert.Contains("warning: --convention applies to AEDAT 2.0 DVS128 files only; ignored for this aedat3.1 input", m.Err);
            m = EventSnnProcess.RunMeasured("events", "inspect", Fixtures.File("synthetic_dvs128_aedat2.aedat"), "--convention", "events-tfds");
            Assert.DoesNotContain("--convention applies", m.Err);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void NoticesAreRateLimitedPerStreamAndKind()
    {
        double now = 0;
        var limiter = new NoticeRateLimiter(3, () => now);
        int shown = 0;
        string? summary = null;
        for (int i = 0; i < 1000; i++) if (limiter.Allow("udp", "Malformed", out string? s)) { shown++; summary ??= s; }
        Assert.Equal(3, shown);
        Assert.Null(summary);
        Assert.True(limiter.Allow("udp", "Info", out _));  // another kind has its own budget
        now = 1.5;
        Assert.True(limiter.Allow("udp", "Malformed", out summary));
        Assert.Contains("997 more notice(s) suppressed", summary);
        for (int i = 0; i < 10; i++) limiter.Allow("udp", "Malformed", out _);
        Assert.Contains("8 more notice(s) suppressed", Assert.Single(limiter.Flush()));
    }

    [Fact]
    public void TheFrameCacheFollowsTheOptionTheEnvironmentAndXdg()
    {
        var env = new Dictionary<string, string?>();
        string? Get(string name) => env.GetValueOrDefault(name);
        Assert.Equal("/x", EventSnn.Datasets.CacheLocation.Resolve("/x", Get));
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        Assert.Equal(Path.Combine(home, ".cache", "eventsnn", "frames"), EventSnn.Datasets.CacheLocation.Resolve(null, Get));
        env["XDG_CACHE_HOME"] = "/xdg";
        Assert.Equal("/xdg/eventsnn/frames", EventSnn.Datasets.CacheLocation.Resolve(null, Get));
        env["EVENTSNN_CACHE"] = "/from-env";
        Assert.Equal("/from-env", EventSnn.Datasets.CacheLocation.Resolve(null, Get));
    }
}
