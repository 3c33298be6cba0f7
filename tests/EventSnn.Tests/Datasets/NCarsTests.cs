using System.IO.Compression;
using System.Text.Json;
using EventSnn.Datasets;
using EventSnn.Ingest;
using EventSnn.Model;

namespace EventSnn.Tests.Datasets;

/// <summary>Synthetic N-CARS-shaped folders: DAT crops of varying size without size lines, in train|test/cars|background.</summary>
internal static class NCarsShaped
{
    /// <summary>Writes <paramref name="perClass"/> train and <paramref name="perClass"/>/2 test samples per class under root/n-cars_train|n-cars_test.</summary>
    public static void Generate(string root, int perClass, int seed = 1)
    {
        var rng = new Random(seed);
        foreach (var (split, count) in new[] { ("n-cars_train", perClass), ("n-cars_test", Math.Max(1, perClass / 2)) })
            foreach (string cls in new[] { "cars", "background" })
            {
                string dir = Path.Combine(root, split, cls);
                Directory.CreateDirectory(dir);
                for (int i = 0; i < count; i++)
                {
                    int w = rng.Next(60, 121), h = rng.Next(50, 101);
                    using var e = new EventBatch(1500, 0, 0);
                    long t = rng.Next(1000);
                    for (int k = 0; k < 1500; k++)
                    {
                        t += rng.Next(0, 130);
                        int x, y;
                        if (cls == "cars")
                        {
                            // Two horizontal edges (a car body) sweeping right.
                            x = (int)((t / 1000 + rng.Next(-3, 4)) % w);
                            y = rng.Next(2) == 0 ? h / 3 + rng.Next(-1, 2) : 2 * h / 3 + rng.Next(-1, 2);
                        }
                        else { x = rng.Next(w); y = rng.Next(h); }
                        e.Add(t, (ushort)Math.Clamp(x, 0, w - 1), (ushort)Math.Clamp(y, 0, h - 1), (byte)rng.Next(2));
                    }
                    using var fs = File.Create(Path.Combine(dir, $"obj_{seed * 1000 + i:D6}_td.dat"));
                    DatWriter.Write(fs, e, writeSize: false);
                }
            }
    }
}

public class NCarsDatasetTests
{
    [Fact]
    public void FolderAndZipGiveTheOfficialSplitOnA120By100Canvas()
    {
        string dir = Fixtures.TempDir("ncars");
        try
        {
            string root = Path.Combine(dir, "ncars");
            NCarsShaped.Generate(root, 4);
            Assert.Equal("ncars", DatasetCatalog.Detect(root));
            var ds = DatasetCatalog.Open("ncars", root);
            Assert.Equal(["background", "cars"], ds.ClassNames);
            Assert.Equal((120, 100), (ds.SensorWidth, ds.SensorHeight));
            Assert.Equal(8, ds.Samples(DatasetSplit.Train).Count);
            Assert.Equal(4, ds.Samples(DatasetSplit.Test).Count);
            Assert.Equal([0, 0, 1, 1], ds.Samples(DatasetSplit.Test).Select(s => s.Label));
            Assert.StartsWith("test/cars/obj_", ds.Samples(DatasetSplit.Test)[2].Id);
            using (var e = ds.LoadEvents(ds.Samples(DatasetSplit.Train)[0]))
            {
                Assert.Equal(1500, e.Count);
                Assert.Equal((120, 100), (e.Width, e.Height));
            }

            string zip = Path.Combine(dir, "ncars.zip");
            ZipFile.CreateFromDirectory(root, zip);
            var fromZip = DatasetCatalog.Open("ncars", zip);
            Assert.Equal(ds.Samples(DatasetSplit.Train).Select(s => (s.Id, s.Label)), fromZip.Samples(DatasetSplit.Train).Select(s => (s.Id, s.Label)));
            int n = 0;
            foreach (var (s, events) in fromZip.ReadAll(DatasetSplit.Test))
                using (events)
                {
                    using var direct = ds.LoadEvents(ds.Samples(DatasetSplit.Test).Single(x => x.Id == s.Id));
                    Assert.True(direct.T.SequenceEqual(events.T) && direct.X.SequenceEqual(events.X));
                    n++;
                }
            Assert.Equal(4, n);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void MissingClassFoldersAreADatasetNotFoundError()
    {
        string dir = Fixtures.TempDir("ncars");
        try
        {
            Directory.CreateDirectory(Path.Combine(dir, "train", "trucks"));
            File.WriteAllBytes(Path.Combine(dir, "train", "trucks", "a.dat"), [0, 0, 0, 0, 0, 0, 0, 0]);
            Assert.Throws<DatasetNotFoundException>(() => DatasetCatalog.Open("ncars", dir));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void DataInfoReportsTheSplitThroughTheCli()
    {
        string dir = Fixtures.TempDir("ncars");
        try
        {
            NCarsShaped.Generate(dir, 4);
            var (code, stdout, stderr) = EventSnnProcess.Run("data", "info", dir, "--json");
            Assert.True(code == 0, stderr);
            var j = JsonDocument.Parse(stdout).RootElement;
            Assert.Equal("ncars", j.GetProperty("dataset").GetString());
            Assert.Equal(120, j.GetProperty("sensor").GetProperty("width").GetInt32());
            Assert.Equal(100, j.GetProperty("sensor").GetProperty("height").GetInt32());
            Assert.Equal([4, 4], j.GetProperty("train").GetProperty("per_class").EnumerateArray().Select(v => v.GetInt32()));
            Assert.Equal([2, 2], j.GetProperty("test").GetProperty("per_class").EnumerateArray().Select(v => v.GetInt32()));
        }
        finally { Directory.Delete(dir, true); }
    }
}

/// <summary>`train`, `calibrate`, `eval` and its report on an N-CARS-shaped folder through the real program.</summary>
[Collection(Tests.Model.TorchCollection.Name)]
public class NCarsEndToEndTests
{
    [Fact]
    public void TrainsCalibratesAndEvaluatesThroughTheCli()
    {
        string dir = Fixtures.TempDir("ncars-e2e");
        try
        {
            string data = Path.Combine(dir, "data"), run = Path.Combine(dir, "run"), cache = Path.Combine(dir, "cache");
            NCarsShaped.Generate(data, 8, seed: 5);
            var (code, stdout, stderr) = EventSnnProcess.Run(TimeSpan.FromMinutes(3), null, "train", "--dataset", "ncars", "--root", data, "--arch", "tiny",
                "--epochs", "1", "--batch", "8", "--out", run, "--cache", cache, "--threads", "2", "--json");
            Assert.True(code == 0, $"exit {code}: {stderr}");
            Assert.Contains("frames 10x2x100x120", stderr);
            string ckpt = Path.Combine(run, "best.ckpt");
            var info = Checkpoint.ReadInfo(ckpt);
            Assert.Equal(("tiny", 10, "ncars", 2, 100, 120), (info.Arch, info.T, info.Dataset, info.ClassNames.Length, info.Height, info.Width));

            var cal = EventSnnProcess.Run(TimeSpan.FromMinutes(2), null, "calibrate", "--model", ckpt, "--data", data, "--cache", cache);
            Assert.True(cal.Code == 0, cal.Err + cal.Out);
            var eval = EventSnnProcess.Run(TimeSpan.FromMinutes(2), null, "eval", "--model", ckpt, "--data", data, "--cache", cache, "--json",
                "--report", Path.Combine(dir, "report"));
            Assert.True(eval.Code == 0, eval.Err + eval.Out);
            var j = JsonDocument.Parse(eval.Out).RootElement;
            Assert.Equal(8, j.GetProperty("samples").GetInt32());
            Assert.Equal(10, j.GetProperty("timesteps").GetInt32());
            Assert.True(File.Exists(Path.Combine(dir, "report", "index.html")), "the report was not written");
        }
        finally { Directory.Delete(dir, true); }
    }
}
