using BenchmarkDotNet.Attributes;
using EventSnn.Datasets.Synthetic;
using EventSnn.Ingest;
using EventSnn.Ingest.Binning;

namespace EventSnn.Benchmarks.Datasets;

/// <summary>
/// Binning speed: one synthetic gesture recording (about 170 k events, 128×128) into <c>[16, 2, 128, 128]</c>
/// (and <c>[16, 2, 32, 32]</c> downsampled) frames. Baseline: copying the same event columns (13 bytes per event).
/// Events per second = events / mean time.
/// </summary>
[MemoryDiagnoser]
public class DatasetsBinningBenchmarks
{
    EventBatch _events = null!;
    long[] _t = null!; ushort[] _x = null!, _y = null!; byte[] _p = null!;
    float[] _dst128 = null!, _dst32 = null!;
    readonly BinningRule _rule = BinningRule.EqualTimeSlices(16);

    [GlobalSetup]
    public void Setup()
    {
        (_events, _) = SyntheticGestureDataset.GenerateTrial(new SyntheticOptions { Trials = 2, Seed = 1 }, 0);
        int n = _events.Count;
        _t = new long[n]; _x = new ushort[n]; _y = new ushort[n]; _p = new byte[n];
        _dst128 = new float[16 * 2 * 128 * 128];
        _dst32 = new float[16 * 2 * 32 * 32];
        Console.WriteLine($"// events in the recording: {n}");
    }

    [GlobalCleanup]
    public void Cleanup() => _events.Dispose();

    /// <summary>Reading and writing the event columns once: the memory traffic any binning must at least do.</summary>
    [Benchmark(Baseline = true)]
    public int CopyEventColumns()
    {
        _events.T.CopyTo(_t); _events.X.CopyTo(_x); _events.Y.CopyTo(_y); _events.P.CopyTo(_p);
        return _t.Length;
    }

    [Benchmark]
    public int EqualTimeSlicesTo128() =>
        EventBinner.BinInto(_events.T, _events.X, _events.Y, _events.P, _rule, 128, 128, 1, 16, _dst128);

    [Benchmark]
    public int EqualTimeSlicesTo32() =>
        EventBinner.BinInto(_events.T, _events.X, _events.Y, _events.P, _rule, 128, 128, 4, 16, _dst32);

    [Benchmark]
    public int TonicTimeWindowTo128() => EventBinner.Bin(_events, BinningRule.TonicTimeWindow(100_000), 128, 128).T;
}
