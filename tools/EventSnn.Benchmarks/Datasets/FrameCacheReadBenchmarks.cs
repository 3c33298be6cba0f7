using BenchmarkDotNet.Attributes;
using EventSnn.Datasets;

namespace EventSnn.Benchmarks.Datasets;

/// <summary>
/// Frame-cache read path: copying every sample (<c>[16, 2, 32, 32]</c> floats) of a 64-sample cache file out of a
/// <see cref="FrameSet"/>, loaded into memory or read per sample from HDF5. Baseline: copying the same floats from a
/// plain array. Samples per second = 64 / mean time.
/// </summary>
public class DatasetsFrameCacheReadBenchmarks
{
    const int N = 64, T = 16, H = 32, W = 32;
    string _dir = null!;
    FrameSet _memory = null!, _disk = null!;
    float[] _plain = null!, _dst = null!;

    [GlobalSetup]
    public void Setup()
    {
        _dir = Path.Combine(Path.GetTempPath(), $"eventsnn-bench-{Guid.NewGuid():N}");
        var rng = new Random(1);
        _plain = new float[N * T * 2 * H * W];
        for (int i = 0; i < _plain.Length; i++) _plain[i] = rng.Next(4);
        var ds = new InMemoryDataset(N);
        var settings = new FrameSettings(T, H, W, 4, "equal-time:16");
        _memory = FrameCache.GetOrBuild(ds, DatasetSplit.Train, settings, _dir);
        _disk = FrameCache.GetOrBuild(ds, DatasetSplit.Train, settings, _dir, options: new FrameCacheOptions { MaxInMemoryBytes = 0 });
        _dst = new float[T * 2 * H * W];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _memory.Dispose(); _disk.Dispose();
        Directory.Delete(_dir, true);
    }

    [Benchmark(Baseline = true)]
    public float CopyFromPlainArray()
    {
        for (int i = 0; i < N; i++) _plain.AsSpan(i * _dst.Length, _dst.Length).CopyTo(_dst);
        return _dst[0];
    }

    [Benchmark]
    public float FrameSetInMemory()
    {
        for (int i = 0; i < N; i++) _memory.CopySample(i, _dst);
        return _dst[0];
    }

    [Benchmark]
    public float FrameSetFromHdf5()
    {
        for (int i = 0; i < N; i++) _disk.CopySample(i, _dst);
        return _dst[0];
    }

    /// <summary>A dataset of random events, so the benchmark needs no files.</summary>
    sealed class InMemoryDataset(int n) : IEventDataset
    {
        public string Name => "bench";
        public IReadOnlyList<string> ClassNames { get; } = ["a", "b"];
        public int SensorWidth => 128;
        public int SensorHeight => 128;
        public IReadOnlyList<DatasetSample> Samples(DatasetSplit split) =>
            Enumerable.Range(0, n).Select(i => new DatasetSample($"s{i}", i % 2, "memory")).ToList();
        public EventSnn.Ingest.EventBatch LoadEvents(DatasetSample sample)
        {
            var rng = new Random(sample.Id.GetHashCode(StringComparison.Ordinal));
            var b = new EventSnn.Ingest.EventBatch(20000, 128, 128);
            long t = 0;
            for (int i = 0; i < 20000; i++) { t += rng.Next(0, 100); b.Add(t, (ushort)rng.Next(128), (ushort)rng.Next(128), (byte)rng.Next(2)); }
            return b;
        }
    }
}
