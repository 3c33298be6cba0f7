using BenchmarkDotNet.Attributes;
using EventSnn.Datasets.Synthetic;
using EventSnn.Ingest;
using EventSnn.Pipeline;
using EventSnn.Pipeline.Binning;
using EventSnn.Pipeline.Flow;

namespace EventSnn.Benchmarks.Pipeline;

/// <summary>
/// Online binning speed without transport or network: one synthetic gesture recording (about 170 k events, 128×128)
/// handed to <see cref="OnlineBinner"/> in batches of 4,096 events, cut into 10 ms bins at 128×128, 10 ms bins
/// downsampled to 32×32, or bins of 2,000 events. Closed bins are released at once. Times are per event
/// (OperationsPerInvoke is the recording's event count): events/s = 1 / Mean.
/// </summary>
[MemoryDiagnoser]
public class OnlineBinningBenchmarks
{
    const int BatchSize = 4096;
    EventBatch[] _batches = [];

    /// <summary>Events in the recording; the benchmarks' OperationsPerInvoke.</summary>
    public const int Events = 174_162;

    [GlobalSetup]
    public void Setup()
    {
        var (events, _) = SyntheticGestureDataset.GenerateTrial(new SyntheticOptions { Trials = 2, Seed = 1 }, 0);
        using (events)
        {
            var list = new List<EventBatch>();
            for (int i = 0; i < events.Count; i += BatchSize) list.Add(events.Slice(i, Math.Min(BatchSize, events.Count - i)));
            _batches = [.. list];
            Console.WriteLine($"// events in the recording: {events.Count}");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var b in _batches) b.Dispose();
    }

    long Run(OnlineBinningOptions options)
    {
        var binner = new OnlineBinner(options, new PipelineCounters());
        long bins = 0;
        Action<EventBin> closed = b => { bins++; b.Release(); };
        foreach (var b in _batches) binner.Add(new StreamBatch("s", b, 0), closed);
        binner.EndAll(closed);
        return bins;
    }

    [Benchmark(OperationsPerInvoke = Events)]
    public long TimeBins128() => Run(new OnlineBinningOptions { WindowUs = 10_000, Width = 128, Height = 128 });

    [Benchmark(OperationsPerInvoke = Events)]
    public long TimeBinsDownsampledTo32() => Run(new OnlineBinningOptions { WindowUs = 10_000, Width = 32, Height = 32, Downsample = 4 });

    [Benchmark(OperationsPerInvoke = Events)]
    public long CountBins128() => Run(new OnlineBinningOptions { EventsPerBin = 2_000, Width = 128, Height = 128 });
}
