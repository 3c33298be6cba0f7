using EventSnn.Datasets;
using EventSnn.Datasets.Synthetic;
using EventSnn.Ingest;

namespace EventSnn.Tests.Datasets;

[Collection("synthetic-gesture")]
public sealed class DvsGestureLoaderTests(SyntheticGestureFixture fx)
{
    [Fact]
    public void WritesDvsGestureLayout()
    {
        Assert.True(File.Exists(fx.Archive));
        var names = EventSnn.Ingest.Archives.EventArchive.List(fx.Archive);
        Assert.Contains("DvsGesture/trials_to_train.txt", names);
        Assert.Contains("DvsGesture/trials_to_test.txt", names);
        Assert.Contains("DvsGesture/user01_fluorescent.aedat", names);
        Assert.Contains("DvsGesture/user01_fluorescent_labels.csv", names);
        using var rec = EventFile.ReadAll(Path.Combine(fx.Folder, "user01_fluorescent.aedat"));
        Assert.Equal("aedat3.1", rec.Format);
        Assert.Equal((128, 128), (rec.Width, rec.Height));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void SampleCountsAndLabelsFollowTheTrialFiles(bool archive)
    {
        IEventDataset ds = DatasetCatalog.Open("dvsgesture", archive ? fx.Archive : fx.Root);
        Assert.Equal(11, ds.ClassNames.Count);
        foreach (var (split, file) in new[] { (DatasetSplit.Train, "trials_to_train.txt"), (DatasetSplit.Test, "trials_to_test.txt") })
        {
            var expected = new List<(string Id, int Label, long Start, long End)>();
            foreach (string line in File.ReadAllLines(Path.Combine(fx.Folder, file)).Where(l => l.Length > 0))
            {
                string trial = line[..^6];
                var rows = GestureLabels.Parse(Path.Combine(fx.Folder, trial + "_labels.csv"));
                for (int k = 0; k < rows.Count; k++) expected.Add(($"{trial}#{k}", rows[k].Class - 1, rows[k].StartUs, rows[k].EndUs));
            }
            var samples = ds.Samples(split);
            Assert.Equal(expected, samples.Select(s => (s.Id, s.Label, s.StartUs, s.EndUs)).ToList());
        }
        Assert.Equal(fx.Info.TrainSamples, ds.Samples(DatasetSplit.Train).Count);
        Assert.Equal(fx.Info.TestSamples, ds.Samples(DatasetSplit.Test).Count);
        // Users 01-02 train, user 03 tests; a repeated class in a trial stays two samples.
        Assert.Equal(10, ((DvsGestureDataset)ds).Trials(DatasetSplit.Train).Count);
        Assert.Equal(2, ((DvsGestureDataset)ds).Trials(DatasetSplit.Test).Count);
        Assert.Contains(ds.Samples(DatasetSplit.Train).GroupBy(s => s.Id.Split('#')[0]), g => g.Count() == 12);
    }

    [Fact]
    public void ArchiveAndFolderGiveTheSameEvents()
    {
        IEventDataset folder = DatasetCatalog.Open("dvsgesture", fx.Folder);
        IEventDataset archive = DatasetCatalog.Open("dvsgesture", fx.Archive);
        var fromFolder = new Dictionary<string, (int, long, long)>();
        foreach (var (s, e) in folder.ReadAll(DatasetSplit.Test))
            using (e) fromFolder[s.Id] = (e.Count, e.Count > 0 ? e.T[0] : -1, e.Count > 0 ? e.T[^1] : -1);
        int n = 0;
        foreach (var (s, e) in archive.ReadAll(DatasetSplit.Test))
        {
            using (e)
            {
                Assert.Equal(fromFolder[s.Id], (e.Count, e.Count > 0 ? e.T[0] : -1, e.Count > 0 ? e.T[^1] : -1));
                Assert.True(e.Count > 100, $"{s.Id}: only {e.Count} events");
                foreach (long t in e.T) Assert.InRange(t, s.StartUs, s.EndUs - 1);
                n++;
            }
        }
        Assert.Equal(fromFolder.Count, n);
        var first = archive.Samples(DatasetSplit.Test)[0];
        using var single = archive.LoadEvents(first);
        Assert.Equal(fromFolder[first.Id].Item1, single.Count);
    }

    [Fact]
    public void MissingFilesAreNamed()
    {
        string dir = Fixtures.TempDir();
        try
        {
            string ds = Path.Combine(dir, "DvsGesture");
            Directory.CreateDirectory(ds);
            File.WriteAllText(Path.Combine(ds, "trials_to_train.txt"), "user01_led.aedat\n");
            File.WriteAllText(Path.Combine(ds, "trials_to_test.txt"), "user02_lab.aedat\n");
            File.WriteAllText(Path.Combine(ds, "user01_led_labels.csv"), "class,startTime_usec,endTime_usec\n1,0,10\n");
            var e = Assert.Throws<DatasetNotFoundException>(() => DatasetCatalog.Open("dvsgesture", dir));
            Assert.Contains("user01_led.aedat", e.Missing);
            Assert.Contains("user02_lab.aedat", e.Missing);
            Assert.Contains("user02_lab_labels.csv", e.Missing);
            Assert.Contains("user02_lab_labels.csv", e.Message);
            Assert.Throws<DatasetNotFoundException>(() => DatasetCatalog.Open("dvsgesture", Path.Combine(dir, "nothing-here")));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void GenerationIsDeterministic()
    {
        var o = new SyntheticOptions { Trials = 4, WindowSeconds = 0.5, Seed = 3 };
        var (a, la) = SyntheticGestureDataset.GenerateTrial(o, 1);
        var (b, lb) = SyntheticGestureDataset.GenerateTrial(o, 1);
        var (c, _) = SyntheticGestureDataset.GenerateTrial(o with { Seed = 4 }, 1);
        using (a) using (b) using (c)
        {
            Assert.Equal(la, lb);
            Assert.Equal(a.T.ToArray(), b.T.ToArray());
            Assert.Equal(a.X.ToArray(), b.X.ToArray());
            Assert.Equal(a.P.ToArray(), b.P.ToArray());
            Assert.NotEqual(a.Count, c.Count);
            for (int i = 1; i < a.Count; i++) Assert.True(a.T[i] >= a.T[i - 1]);
            Assert.Equal(11, la.Select(l => l.Class).Distinct().Count());
            Assert.True(a.P.ToArray().Count(p => p == 1) > a.Count / 4 && a.P.ToArray().Count(p => p == 0) > a.Count / 4);
        }
    }
}
