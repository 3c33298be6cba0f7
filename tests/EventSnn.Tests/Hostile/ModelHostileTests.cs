using System.IO.Compression;
using System.Text;
using EventSnn.Datasets.Synthetic;
using EventSnn.Model;
using static EventSnn.Tests.Hostile.ErrorContractTests;

namespace EventSnn.Tests.Hostile;

/// <summary>Checkpoints, calibrations and training settings built to exhaust memory or give silent wrong results.</summary>
public class ModelHostileTests
{
    static string TinyCheckpoint(string dir)
    {
        var info = new ModelInfo { Arch = "tiny", T = 4, Classes = 11, Height = 32, Width = 32, Dataset = "dvsgesture" };
        using var net = Architectures.Create(info);
        string path = Path.Combine(dir, "m.ckpt");
        Checkpoint.Save(path, net, info, new Dictionary<string, string> { ["epoch"] = "1" });
        return path;
    }

    /// <summary>Copies a checkpoint, replacing the named entries.</summary>
    static string Rewrite(string from, string to, Dictionary<string, Action<Stream, Stream>> replace)
    {
        using var src = ZipFile.OpenRead(from);
        using var dst = ZipFile.Open(to, ZipArchiveMode.Create);
        foreach (var e in src.Entries)
        {
            using var input = e.Open();
            using var output = dst.CreateEntry(e.FullName, CompressionLevel.Fastest).Open();
            if (replace.TryGetValue(e.FullName, out var edit)) edit(input, output);
            else input.CopyTo(output);
        }
        return to;
    }

    [Fact]
    public void CheckpointSizesAreCheckedBeforeAllocating()
    {
        string dir = Fixtures.TempDir();
        try
        {
            string ckpt = TinyCheckpoint(dir);
            // weights padded with 1.2 GiB of zeros
            string padded = Rewrite(ckpt, Path.Combine(dir, "padded.ckpt"), new()
            {
                ["weights.bin"] = (i, o) =>
                {
                    i.CopyTo(o);
                    var zeros = new byte[1 << 20];
                    for (int k = 0; k < 1200; k++) o.Write(zeros);
                },
            });
            AssertOneErrorLine(EventSnnProcess.RunMeasured("eval", "--model", padded, "--data", dir), "padded.ckpt#weights.bin");

            // an input of 40 000 x 40 000 pixels
            string wide = Rewrite(ckpt, Path.Combine(dir, "wide.ckpt"), new()
            {
                ["info.json"] = (i, o) =>
                {
                    string json = new StreamReader(i).ReadToEnd().Replace("\"height\": 32", "\"height\": 40000").Replace("\"width\": 32", "\"width\": 40000");
                    Assert.Contains("40000", json);
                    o.Write(Encoding.UTF8.GetBytes(json));
                },
            });
            AssertOneErrorLine(EventSnnProcess.RunMeasured("eval", "--model", wide, "--data", dir), "wide.ckpt#info.json", "40000x40000");

            // truncated weights
            string cut = Rewrite(ckpt, Path.Combine(dir, "cut.ckpt"), new()
            {
                ["weights.bin"] = (i, o) => { var b = new byte[200]; i.ReadExactly(b); o.Write(b); },
            });
            AssertOneErrorLine(EventSnnProcess.RunMeasured("eval", "--model", cut, "--data", dir), "cut.ckpt#weights.bin");
        }
        finally { Directory.Delete(dir, true); }
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("-1e9")]
    public void CutoffThresholdsMustBeNumbersAtLeastZero(string bad)
    {
        string dir = Fixtures.TempDir();
        try
        {
            string ckpt = TinyCheckpoint(dir);
            string cal = Path.Combine(dir, "cal.json");
            string value = bad == "NaN" ? "\"NaN\"" : bad;
            File.WriteAllText(cal, $$"""{ "t": 2, "epsilon": 0, "thresholds": [0.5, {{value}}], "top_k": [], "conformal": [] }""");
            AssertOneErrorLine(EventSnnProcess.RunMeasured("eval", "--model", ckpt, "--data", dir, "--calibration", cal), "cal.json", "thresholds[1]");
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void TrainingRefusesNoValidationSamplesAndDamagedResumeMetadata()
    {
        string dir = Fixtures.TempDir();
        try
        {
            SyntheticGestureDataset.Generate(dir, new SyntheticOptions { Trials = 5, WindowSeconds = 0.5, WriteArchive = false, Seed = 5 });
            string outDir = Path.Combine(dir, "run"), cache = Path.Combine(dir, "cache");
            string[] common = ["train", "--dataset", "dvsgesture", "--data", dir, "--arch", "tiny", "--T", "2", "--batch", "8",
                "--downsample", "8", "--out", outDir, "--cache", cache, "--threads", "1", "--epochs", "1"];
            var m = EventSnnProcess.RunMeasured(TimeSpan.FromMinutes(3), null, null, [.. common, "--max-train", "11"]);
            AssertErrorLine(m, false, "no validation samples");
            Assert.False(File.Exists(Path.Combine(outDir, "best.ckpt")));

            m = EventSnnProcess.RunMeasured(TimeSpan.FromMinutes(3), null, null, common);
            Assert.True(m.Code == 0, m.ToString());
            Assert.NotEmpty(Directory.GetFiles(cache, "*.h5"));
            Assert.Empty(Directory.GetFiles(cache, "*.lock"));  // the cache's lock files go with the process that built it
            string last = Path.Combine(outDir, "last.ckpt");
            string damaged = Rewrite(last, last + ".new", new()
            {
                ["metadata.json"] = (i, o) => o.Write(Encoding.UTF8.GetBytes("""{ "epoch": "one", "bestEpoch": "1", "bestAccuracy": "0.5" }""")),
            });
            File.Move(damaged, last, overwrite: true);
            m = EventSnnProcess.RunMeasured(TimeSpan.FromMinutes(3), null, null, [.. common[..^1], "2"]);
            AssertErrorLine(m, false, "last.ckpt#metadata.json", "'epoch'", "--no-resume");
        }
        finally { Directory.Delete(dir, true); }
    }
}
