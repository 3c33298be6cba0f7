using System.Diagnostics;
using EventSnn.Ingest;
using EventSnn.Pipeline.Binning;
using EventSnn.Pipeline.Flow;
using EventSnn.Pipeline.Servers;

namespace EventSnn.Pipeline.Live;

/// <summary>
/// Plays a recording into an observer without a model: the events are cut into bins by the online binner and
/// each bin is handed to the observer when it is due at the chosen speed (step = the bin's index + 1, Y(t)
/// empty). For looking at a file on the live page.
/// </summary>
public sealed class RecordingPlayer
{
    readonly OnlineBinningOptions _binning;
    readonly double _speed;

    /// <summary>Creates a player.</summary>
    /// <param name="binning">How the events are cut into frames.</param>
    /// <param name="speed">1 = recorded speed, 2 = twice as fast, 0 = as fast as possible.</param>
    public RecordingPlayer(OnlineBinningOptions binning, double speed)
    {
        binning.Validate();
        _binning = binning;
        _speed = speed;
    }

    /// <summary>Counts of the play (events received, binned, bins closed).</summary>
    public PipelineCounters Counters { get; } = new();

    /// <summary>Plays every batch of <paramref name="batches"/> as stream <paramref name="stream"/>; returns when all bins were shown or on cancellation.</summary>
    public async Task PlayAsync(string stream, IEnumerable<EventBatch> batches, IPipelineObserver observer, CancellationToken cancellationToken)
    {
        var binner = new OnlineBinner(_binning, Counters);
        var pacer = new ReplayPacer(_speed);
        var closed = new List<EventBin>();
        try
        {
            foreach (var batch in batches)
            {
                using (batch)
                {
                    Counters.Add(ref Counters.EventsReceived, batch.Count);
                    binner.Add(new StreamBatch(stream, batch, Stopwatch.GetTimestamp()), closed.Add);
                }
                await ShowAsync(closed, pacer, observer, cancellationToken).ConfigureAwait(false);
            }
            binner.EndAll(closed.Add);
            await ShowAsync(closed, pacer, observer, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            foreach (var bin in closed) bin.Release();
            binner.DiscardOpen();
        }
    }

    async Task ShowAsync(List<EventBin> closed, ReplayPacer pacer, IPipelineObserver observer, CancellationToken ct)
    {
        int i = 0;
        try
        {
            for (; i < closed.Count; i++)
            {
                var bin = closed[i];
                await pacer.WaitUntilAsync(bin.EndUs, ct).ConfigureAwait(false);
                observer.Stepped(bin, (int)Math.Min(int.MaxValue, bin.Sequence + 1), ReadOnlySpan<float>.Empty);
                Counters.Add(ref Counters.BinsClassified, 1);
                Counters.Add(ref Counters.EventsClassified, bin.EventCount);
                bin.Release();
            }
        }
        finally { closed.RemoveRange(0, i); }
    }
}
