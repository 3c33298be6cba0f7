using EventSnn.Datasets.Synthetic;

namespace EventSnn.Tests.Datasets;

/// <summary>One small synthetic DVS128 Gesture dataset shared by the dataset tests (generated once per test run).</summary>
public sealed class SyntheticGestureFixture : IDisposable
{
    public SyntheticGestureFixture()
    {
        Root = Fixtures.TempDir("eventsnn-synth");
        Options = new SyntheticOptions { Trials = 12, WindowSeconds = 1.0, Seed = 7, RepeatProbability = 0.5 };
        Info = SyntheticGestureDataset.Generate(Root, Options);
    }

    public string Root { get; }
    public SyntheticOptions Options { get; }
    public SyntheticDatasetInfo Info { get; }
    public string Folder => Path.Combine(Root, "DvsGesture");
    public string Archive => Path.Combine(Root, "DvsGesture.tar.gz");

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }
}

[CollectionDefinition("synthetic-gesture")]
public sealed class SyntheticGestureCollection : ICollectionFixture<SyntheticGestureFixture>;
