using EventSnn.Datasets;
using EventSnn.Ingest.Binning;

namespace EventSnn.Tests.Datasets;

[Collection("synthetic-gesture")]
public sealed class FrameCacheTests(SyntheticGestureFixture fx)
{
    [Fact]
    public void BuildsOnceReusesAndRebuildsWhenSettingsChange()
    {
        string cache = Fixtures.TempDir("eventsnn-cache");
        try
        {
            IEventDataset ds = DatasetCatalog.Open("dvsgesture", fx.Archive);
            var settings = FrameSettings.For(ds, t: 6, downsample: 4);
            Assert.Equal((32, 32), (settings.Height, settings.Width));
            var reports = new List<FrameCacheProgress>();
            using FrameSet set = FrameCache.GetOrBuild(ds, DatasetSplit.Test, settings, cache, new SyncProgress<FrameCacheProgress>(reports.Add));
            var samples = ds.Samples(DatasetSplit.Test);
            Assert.Equal(samples.Count, set.Count);
            Assert.Equal(samples.Select(s => s.Label), set.Labels);
            Assert.Equal(samples.Select(s => s.Id), set.SampleIds);
            Assert.Equal(ds.ClassNames, set.ClassNames);
            Assert.Equal((6, 32, 32), (set.T, set.Height, set.Width));
            Assert.Equal(samples.Count, reports.Max(r => r.Done));

            // Frames equal direct binning of the loaded events.
            var buf = new float[set.SampleSize];
            foreach (int i in new[] { 0, set.Count - 1 })
            {
                set.CopySample(i, buf);
                using var e = ds.LoadEvents(samples[i]);
                Assert.Equal(EventBinner.Bin(e, settings.BinningRule, 128, 128, 4).Data, buf);
            }

            string path = FrameCache.PathFor(ds, DatasetSplit.Test, settings, cache);
            DateTime written = File.GetLastWriteTimeUtc(path);
            reports.Clear();
            using (var again = FrameCache.GetOrBuild(ds, DatasetSplit.Test, settings, cache, new SyncProgress<FrameCacheProgress>(reports.Add)))
            {
                Assert.Empty(reports);
                Assert.Equal(written, File.GetLastWriteTimeUtc(path));
                again.CopySample(0, buf);
                Assert.Equal(set.GetSample(0), buf);
            }

            var other = settings with { T = 4, Rule = BinningRule.EqualTimeSlices(4).Spec };
            Assert.NotEqual(path, FrameCache.PathFor(ds, DatasetSplit.Test, other, cache));
            using (var rebuilt = FrameCache.GetOrBuild(ds, DatasetSplit.Test, other, cache))
                Assert.Equal(4, rebuilt.T);

            // On-demand reading (beyond the memory budget) gives the same frames.
            using (var onDisk = FrameCache.GetOrBuild(ds, DatasetSplit.Test, settings, cache, options: new FrameCacheOptions { MaxInMemoryBytes = 0 }))
            {
                Assert.False(onDisk.InMemory);
                onDisk.CopySample(1, buf);
                Assert.Equal(set.GetSample(1), buf);
            }
            Assert.Empty(Directory.GetFiles(cache, "*.tmp-*"));
        }
        finally { Directory.Delete(cache, true); }
    }

    [Fact]
    public void TwoConcurrentBuildersProduceOneCompleteFile()
    {
        string cache = Fixtures.TempDir("eventsnn-cache");
        try
        {
            IEventDataset ds = DatasetCatalog.Open("dvsgesture", fx.Folder);
            var settings = FrameSettings.For(ds, t: 3, downsample: 8);
            var results = new FrameSet[2];
            Parallel.For(0, 2, i => results[i] = FrameCache.GetOrBuild(ds, DatasetSplit.Test, settings, cache));
            using (results[0]) using (results[1])
            {
                Assert.Equal(results[0].Count, results[1].Count);
                for (int i = 0; i < results[0].Count; i++) Assert.Equal(results[0].GetSample(i), results[1].GetSample(i));
            }
            Assert.Single(Directory.GetFiles(cache, "*.h5"));
            Assert.Empty(Directory.GetFiles(cache, "*.tmp-*"));
        }
        finally { Directory.Delete(cache, true); }
    }

    [Fact]
    public void InMemoryFrameSetChecksItsInputs()
    {
        var data = new float[3 * 2 * 2 * 4 * 4];
        data[2 * 64 + 5] = 7;
        var set = new FrameSet(data, [0, 1, 1], 2, 4, 4, ["a", "b"]);
        Assert.Equal(3, set.Count);
        Assert.Equal(7, set.GetSample(2)[5]);
        Assert.Equal(7, set.Subset([2]).GetSample(0)[5]);
        Assert.Throws<ArgumentException>(() => new FrameSet(data, [0, 2, 1], 2, 4, 4, ["a", "b"]));
        Assert.Throws<ArgumentException>(() => new FrameSet(data, [0, 1], 2, 4, 4, ["a", "b"]));
        Assert.Throws<ArgumentException>(() => set.CopySample(0, new float[10]));
    }

    sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
