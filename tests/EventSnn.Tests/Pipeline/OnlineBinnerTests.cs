using System.Diagnostics;
using EventSnn.Ingest;
using EventSnn.Pipeline;
using EventSnn.Pipeline.Binning;
using EventSnn.Pipeline.Flow;

namespace EventSnn.Tests.Pipeline;

public class OnlineBinnerTests
{
    static OnlineBinningOptions Time(long windowUs, int ds = 1, TimeSpan quiet = default, int maxEmpty = 16) =>
        new() { WindowUs = windowUs, Width = 8, Height = 8, Downsample = ds, QuietPeriod = quiet, MaxEmptyBins = maxEmpty };

    static (List<(long Seq, long Start, long End, int Count, BinCloseReason Reason, float[] Frame)> Bins, PipelineCounters Counters)
        Run(OnlineBinningOptions o, params (long t, ushort x, ushort y, byte p)[][] batches)
    {
        var counters = new PipelineCounters();
        var binner = new OnlineBinner(o, counters);
        var bins = new List<(long, long, long, int, BinCloseReason, float[])>();
        void Take(EventBin b) { bins.Add((b.Sequence, b.StartUs, b.EndUs, b.EventCount, b.Reason, b.Frame.ToArray())); b.Release(); }
        foreach (var events in batches)
        {
            using var batch = new EventBatch(events.Length, 8, 8);
            foreach (var e in events) batch.Add(e.t, e.x, e.y, e.p);
            binner.Add(new StreamBatch("s", batch, Stopwatch.GetTimestamp()), Take);
        }
        binner.EndAll(Take);
        return (bins, counters);
    }

    [Fact]
    public void TimeBinsCloseByEventTimeAcrossBatchesAndCountPixels()
    {
        var (bins, c) = Run(Time(100),
            [(1000, 1, 2, 1), (1050, 1, 2, 1), (1099, 3, 4, 0)],
            [(1100, 5, 5, 1), (1150, 5, 5, 1)],
            [(1230, 0, 0, 0)]);
        Assert.Equal(3, bins.Count);
        Assert.Equal((0L, 1000L, 1100L, 3, BinCloseReason.EventTime), (bins[0].Seq, bins[0].Start, bins[0].End, bins[0].Count, bins[0].Reason));
        Assert.Equal(2f, bins[0].Frame[64 + 2 * 8 + 1]); // ON plane, y=2, x=1
        Assert.Equal(1f, bins[0].Frame[4 * 8 + 3]);      // OFF plane, y=4, x=3
        Assert.Equal(3f, bins[0].Frame.Sum());
        Assert.Equal((1L, 1100L, 1200L, 2, BinCloseReason.EventTime), (bins[1].Seq, bins[1].Start, bins[1].End, bins[1].Count, bins[1].Reason));
        Assert.Equal((2L, 1200L, 1300L, 1, BinCloseReason.StreamEnd), (bins[2].Seq, bins[2].Start, bins[2].End, bins[2].Count, bins[2].Reason));
        Assert.Equal(2, c.Snapshot().BinsClosedByEventTime);
        Assert.Equal(1, c.Snapshot().BinsClosedByStreamEnd);
    }

    [Fact]
    public void ShortSilenceGivesEmptyBinsAndLongSilenceStartsAfresh()
    {
        var (bins, _) = Run(Time(100, maxEmpty: 2), [(0, 1, 1, 1), (350, 1, 1, 1), (2000, 2, 2, 0)]);
        // 0..100 (1 event), empty 100..200, empty 200..300, 300..400 (1 event); then 2000 starts a new bin at 2000.
        Assert.Equal(new long[] { 0, 100, 200, 300, 2000 }, bins.Select(b => b.Start));
        Assert.Equal(new[] { 1, 0, 0, 1, 1 }, bins.Select(b => b.Count));
        Assert.Equal(new long[] { 0, 1, 2, 3, 4 }, bins.Select(b => b.Seq));
    }

    [Fact]
    public void LateAndOutOfRangeEventsAreDroppedAndCounted()
    {
        var (bins, c) = Run(Time(100, ds: 2), [(500, 1, 1, 1), (650, 1, 1, 1), (560, 2, 2, 1), (660, 16, 0, 1), (670, 15, 15, 0)]);
        var s = c.Snapshot();
        Assert.Equal(1, s.EventsDroppedLate);        // 560 < start of the open bin 600
        Assert.Equal(1, s.EventsDroppedOutOfRange);  // x=16 → 8 after downsampling by 2
        Assert.Equal(3, bins.Sum(b => b.Count));
        Assert.Equal(1f, bins[^1].Frame[7 * 8 + 7]); // (15,15)/2 = (7,7), OFF
    }

    [Fact]
    public void CountBinsCloseAtTheirCount()
    {
        var o = new OnlineBinningOptions { EventsPerBin = 2, Width = 8, Height = 8 };
        var (bins, c) = Run(o, [(10, 0, 0, 1), (20, 0, 0, 1), (30, 0, 0, 1)], [(40, 0, 0, 1), (50, 0, 0, 1)]);
        Assert.Equal(new[] { BinCloseReason.EventCount, BinCloseReason.EventCount, BinCloseReason.StreamEnd }, bins.Select(b => b.Reason));
        Assert.Equal(new[] { 2, 2, 1 }, bins.Select(b => b.Count));
        Assert.Equal(new long[] { 10, 30, 50 }, bins.Select(b => b.Start));
        Assert.Equal(new long[] { 21, 41, 50 }, bins.Select(b => b.End));
        Assert.Equal(2, c.Snapshot().BinsClosedByEventCount);
    }

    [Fact]
    public void QuietPeriodClosesTheOpenBinByWallClock()
    {
        var counters = new PipelineCounters();
        var binner = new OnlineBinner(Time(1_000_000, quiet: TimeSpan.FromMilliseconds(50)), counters);
        var bins = new List<EventBin>();
        using var batch = new EventBatch(1, 8, 8);
        batch.Add(5, 1, 1, 1);
        long arrival = Stopwatch.GetTimestamp();
        binner.Add(new StreamBatch("s", batch, arrival), bins.Add);
        binner.CloseQuiet(arrival + Stopwatch.Frequency / 100, bins.Add); // 10 ms later: still open
        Assert.Empty(bins);
        binner.CloseQuiet(arrival + Stopwatch.Frequency / 10, bins.Add);  // 100 ms later: closed
        Assert.Single(bins);
        Assert.Equal(BinCloseReason.QuietPeriod, bins[0].Reason);
        Assert.Equal(1, counters.Snapshot().BinsClosedByQuietPeriod);
        Assert.Equal(0, binner.OpenBins);
    }

    [Fact]
    public void StreamsAreBinnedIndependently()
    {
        var counters = new PipelineCounters();
        var binner = new OnlineBinner(Time(100), counters);
        var bins = new List<EventBin>();
        using var a = new EventBatch(2, 8, 8);
        a.Add(0, 0, 0, 1); a.Add(150, 0, 0, 1);
        using var b = new EventBatch(1, 8, 8);
        b.Add(10_000, 0, 0, 1);
        binner.Add(new StreamBatch("a", a, 1), bins.Add);
        binner.Add(new StreamBatch("b", b, 1), bins.Add);
        binner.EndAll(bins.Add);
        Assert.Equal(new[] { ("a", 0L), ("a", 1L), ("b", 0L) }, bins.Select(x => (x.Stream, x.Sequence)).OrderBy(x => x.Item1).ThenBy(x => x.Item2));
        Assert.Equal(0, counters.Snapshot().EventsDroppedLate);
    }
}
