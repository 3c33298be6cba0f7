using EventSnn.Datasets;

namespace EventSnn.Tests.Datasets;

public sealed class OtherLoaderTests
{
    [Fact]
    public void Cifar10DvsClassZipsGiveTheMethodAndSpikingJellySplits()
    {
        string root = Fixtures.TempDir();
        try
        {
            SmallArchives.WriteCifar10Dvs(root, perClass: 12);
            Assert.Equal("cifar10dvs", DatasetCatalog.Detect(root));
            IEventDataset ds = DatasetCatalog.Open("cifar10dvs", root);
            Assert.Equal("airplane", ds.ClassNames[0]);
            Assert.Equal("truck", ds.ClassNames[9]);
            // Method split: per class the first int(0.9·12) = 10 files by index train, the other 2 test.
            Assert.Equal(100, ds.Samples(DatasetSplit.Train).Count);
            Assert.Equal(20, ds.Samples(DatasetSplit.Test).Count);
            Assert.All(ds.Samples(DatasetSplit.Test), s => Assert.Matches(@"_(10|11)$", s.Id));
            var cat = ds.Samples(DatasetSplit.Train).Where(s => s.Label == 3).ToList();
            Assert.Equal(10, cat.Count);
            Assert.All(cat, s => Assert.StartsWith("cat/", s.Id));
            var sample = ds.Samples(DatasetSplit.Test).First(s => s.Id == "dog/cifar10_dog_11");
            using (var e = ds.LoadEvents(sample)) Assert.Equal(50 + 11, e.Count);

            var sj = DatasetCatalog.Open("cifar10dvs", root, new DatasetOptions { Cifar10DvsSplit = "spikingjelly" });
            Assert.Equal(120, sj.Samples(DatasetSplit.Test).Count);   // indices 0–99 test: all 12 of each class here
            Assert.Empty(sj.Samples(DatasetSplit.Train));

            File.Delete(Path.Combine(root, "frog.zip"));
            var e2 = Assert.Throws<DatasetNotFoundException>(() => DatasetCatalog.Open("cifar10dvs", root));
            Assert.Contains("frog", e2.Message);
        }
        finally { Directory.Delete(root, true); }
    }

    [Fact]
    public void Cifar10DvsAedat4ClassFoldersAsTonicShipsThem()
    {
        string root = Fixtures.TempDir();
        try
        {
            foreach (string cls in Cifar10DvsDataset.CifarClassNames)
            {
                Directory.CreateDirectory(Path.Combine(root, cls));
                for (int i = 0; i < 10; i++)
                    using (var e = SmallArchives.Events(i, 128, 128, 30 + i))
                        EventSnn.Ingest.EventFile.Write(Path.Combine(root, cls, $"cifar10_{cls}_{i}.aedat4"), e);
            }
            IEventDataset ds = DatasetCatalog.Open("cifar10dvs", root);
            Assert.Equal(90, ds.Samples(DatasetSplit.Train).Count);
            Assert.Equal(10, ds.Samples(DatasetSplit.Test).Count);
            var s = ds.Samples(DatasetSplit.Test).Single(x => x.Label == 9);
            Assert.Equal("truck/cifar10_truck_9", s.Id);
            using var ev = ds.LoadEvents(s);
            Assert.Equal(39, ev.Count);
        }
        finally { Directory.Delete(root, true); }
    }

    [Fact]
    public void NCaltech101ZipSortsClassesSkipsBackgroundAndSplitsPerClass()
    {
        string root = Fixtures.TempDir();
        try
        {
            string zip = Path.Combine(root, "Caltech101.zip");
            SmallArchives.WriteNCaltech101(zip, ["airplanes", "BACKGROUND_Google", "Faces_easy", "ant"], perClass: 10);
            Assert.Equal("ncaltech101", DatasetCatalog.Detect(root));
            IEventDataset ds = DatasetCatalog.Open("ncaltech101", root);
            Assert.Equal(["Faces_easy", "airplanes", "ant"], ds.ClassNames);
            Assert.Equal(27, ds.Samples(DatasetSplit.Train).Count);
            Assert.Equal(3, ds.Samples(DatasetSplit.Test).Count);
            Assert.Equal([0, 1, 2], ds.Samples(DatasetSplit.Test).Select(s => s.Label));
            // Same seed, same split; another seed, another split.
            var again = DatasetCatalog.Open("ncaltech101", zip);
            Assert.Equal(ds.Samples(DatasetSplit.Test).Select(s => s.Id), again.Samples(DatasetSplit.Test).Select(s => s.Id));
            var other = DatasetCatalog.Open("ncaltech101", zip, new DatasetOptions { SplitSeed = 5 });
            Assert.NotEqual(ds.Samples(DatasetSplit.Test).Select(s => s.Id), other.Samples(DatasetSplit.Test).Select(s => s.Id));
            var withBg = DatasetCatalog.Open("ncaltech101", zip, new DatasetOptions { IncludeBackground = true });
            Assert.Equal(["BACKGROUND_Google", "Faces_easy", "airplanes", "ant"], withBg.ClassNames);
            var s0 = ds.Samples(DatasetSplit.Test)[0];
            using var e = ds.LoadEvents(s0);
            Assert.Equal((240, 180), (e.Width, e.Height));
            Assert.InRange(e.Count, 41, 50);
        }
        finally { Directory.Delete(root, true); }
    }
}
