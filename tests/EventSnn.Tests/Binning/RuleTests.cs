using EventSnn.Ingest;
using EventSnn.Ingest.Binning;

namespace EventSnn.Tests.Binning;

/// <summary>Rules and options the fixture does not cover, checked against the formulas of FORMATS.md §7 and METHOD.md §8 by hand.</summary>
public sealed class RuleTests
{
    static long[] Times(params long[] t) => t;

    [Fact]
    public void TonicEventCountWithOverlapAndIncomplete()
    {
        long[] t = Enumerable.Range(0, 10).Select(i => (long)i).ToArray();
        // stride = 4 − 1 = 3; n = floor((10 − 4)/3) + 1 = 3: [0,4) [3,7) [6,10)
        Assert.Equal([new(0, 4), new(3, 7), new(6, 10)], BinningRule.TonicEventCount(4, 1).Slice(t));
        // stride 4: floor(6/4)+1 = 2; with incomplete ceil(6/4)+1 = 3 and the last one is cut at N.
        Assert.Equal([new(0, 4), new(4, 8)], BinningRule.TonicEventCount(4).Slice(t));
        Assert.Equal([new(0, 4), new(4, 8), new(8, 10)], BinningRule.TonicEventCount(4, 0, true).Slice(t));
    }

    [Fact]
    public void TonicBinsWithOverlap()
    {
        long[] t = Enumerable.Range(0, 100).Select(i => (long)i * 10).ToArray();   // 0..990 µs, N = 100
        // event bins: count = int(100 // 4 · 1.5) = 37, stride = int(37 · 0.5) = 18
        Assert.Equal([new(0, 37), new(18, 55), new(36, 73), new(54, 91)], BinningRule.TonicEventBins(4, 0.5).Slice(t));
        // time bins: window = 990 // 4 · 1.5 = 370.5, stride = 185.25: [0, 370.5) → indices [0, 38)
        var s = BinningRule.TonicTimeBins(4, 0.5).Slice(t);
        Assert.Equal(new EventSlice(0, 38), s[0]);
        Assert.Equal(new EventSlice(19, 56), s[1]);   // [185.25, 555.75)
    }

    [Fact]
    public void EqualTimeSlicesFollowTheMethod()
    {
        // d = t − 100; kept: 0 < d < ∞ drops the first event; re-based to the event at 110, slot = 90.
        long[] t = Times(100, 110, 120, 150, 155, 170, 199, 200);
        var s = BinningRule.EqualTimeSlices(3).Slice(t);
        // frames: d' in [0,30) → 110,120; [30,60) → 150,155; [60,90) → 170,199; the last event (d' = 90) falls in no frame.
        Assert.Equal([new(1, 3), new(3, 5), new(5, 7)], s);
        // Window (10, 60): keeps 120, 150, 155 (d = 20, 50, 55); slot = 35 → [0,11.67) [11.67,23.3) [23.3,35)
        var w = BinningRule.EqualTimeSlices(3, 10, 60).Slice(t);
        Assert.Equal([new(2, 3), new(3, 3), new(3, 4)], w);
        Assert.Equal("equal-time:3,start=10,end=60", BinningRule.EqualTimeSlices(3, 10, 60).Spec);
        Assert.Equal(BinningRule.EqualTimeSlices(3, 10, 60), BinningRule.Parse("equal-time:3,end=60,start=10"));
        Assert.All(BinningRule.EqualTimeSlices(4).Slice(Times()), x => Assert.Equal(0, x.Count));
    }

    [Fact]
    public void ParseRejectsBadText()
    {
        Assert.Throws<FormatException>(() => BinningRule.Parse("equal-time"));
        Assert.Throws<FormatException>(() => BinningRule.Parse("equal-time:0"));
        Assert.Throws<FormatException>(() => BinningRule.Parse("sj-number:4,foo"));
        Assert.Throws<FormatException>(() => BinningRule.Parse("tonic-event-count:4,overlap=4"));
        foreach (string spec in new[] { "sj-number:4", "sj-time:8", "sj-duration:5000,legacy", "tonic-event-bins:3,overlap=0.25",
                     "tonic-time-bins:5", "tonic-event-count:100,overlap=10,incomplete", "tonic-time-window:1000,overlap=200" })
            Assert.Equal(spec, BinningRule.Parse(spec).Spec);
    }

    [Fact]
    public void DownsampleCropAndOrderCheck()
    {
        using var e = new EventBatch(8, 6, 5);
        e.Add(0, 0, 0, 1); e.Add(1, 1, 1, 1); e.Add(2, 5, 4, 0); e.Add(3, 3, 2, 0); e.Add(4, 9, 0, 1);   // x = 9 is off the 6-wide sensor
        var f = EventBinner.Bin(e, BinningRule.SpikingJellyNumber(1), 6, 5, downsample: 2);
        Assert.Equal((3, 3), (f.Height, f.Width));
        Assert.Equal(2, f[0, 1, 0, 0]);
        Assert.Equal(1, f[0, 0, 2, 2]);
        Assert.Equal(1, f[0, 0, 1, 1]);
        Assert.Equal(4, f.Data.Sum());
        var full = EventBinner.Bin(e, BinningRule.SpikingJellyNumber(1), 6, 5);
        Assert.Equal(f.Data, FrameOps.Downsample(full, 2).Data);
        var c = FrameOps.CropOrPad(full, 7, 4, offsetY: 1, offsetX: 1);
        Assert.Equal((7, 4), (c.Height, c.Width));
        Assert.Equal(1, c[0, 1, 0, 0]);   // (y=1, x=1) moved to (0, 0)
        Assert.Equal(0, c[0, 1, 6, 3]);   // padding
        using var bad = new EventBatch(2, 4, 4);
        bad.Add(5, 0, 0, 1); bad.Add(4, 0, 0, 1);
        Assert.Throws<ArgumentException>(() => EventBinner.Bin(bad, BinningRule.SpikingJellyNumber(1), 4, 4));
    }
}
