using EventSnn.Datasets.Synthetic;
using EventSnn.Ingest;

namespace EventSnn.Tests.Datasets;

public sealed class DvsEmulatorTests
{
    static DvsEmulator Make(long refractoryUs, double sigma = 0) => new(new DvsEmulatorOptions
    {
        Width = 4, Height = 2, ThresholdOn = 0.4, ThresholdOff = 0.5, ThresholdSigma = sigma, RefractoryUs = refractoryUs,
        HotPixels = 0, JitterUs = 0,
    }, new SplitMixRandom(1));

    [Fact]
    public void FiresOneEventPerThresholdCrossingAtInterpolatedTimes()
    {
        var emu = Make(refractoryUs: 0);
        emu.Reset(new float[8], 0);
        using var ev = new EventBatch(16, 4, 2);
        emu.UpdatePixel(5, 1.0f, 1000, ev);            // +1.0 log units: crossings at 0.4 and 0.8 → 2 ON events
        Assert.Equal(2, ev.Count);
        Assert.Equal((400L, (ushort)1, (ushort)1, (byte)1), ev[0]);
        Assert.Equal((800L, (ushort)1, (ushort)1, (byte)1), ev[1]);
        emu.UpdatePixel(5, -0.3f, 2000, ev);            // from reference 0.8 down to −0.3: levels 0.3 and −0.2 crossed → 2 OFF
        Assert.Equal(4, ev.Count);
        Assert.All(new[] { ev[2], ev[3] }, e => Assert.Equal(0, e.P));
        Assert.InRange(ev[2].T, 1000, 2000);
        emu.UpdatePixel(5, 0.05f, 3000, ev);            // small change: nothing
        Assert.Equal(4, ev.Count);
    }

    [Fact]
    public void RefractoryPeriodDropsCrossingsAndNoiseHasTheRequestedRate()
    {
        var emu = Make(refractoryUs: 1000);
        emu.Reset(new float[8], 0);
        using var ev = new EventBatch(16, 4, 2);
        emu.UpdatePixel(0, 2.0f, 1000, ev);             // five crossings within 1 ms: only the first survives
        Assert.Equal(1, ev.Count);

        var noisy = Make(refractoryUs: 0, sigma: 0.03);
        using var n = new EventBatch(16, 4, 2);
        noisy.AddNoise(0, 10_000_000, backgroundRateHz: 5, n);   // 8 pixels × 5 Hz × 10 s = 400 expected
        Assert.InRange(n.Count, 300, 500);
        Assert.All(Enumerable.Range(0, n.Count), i => Assert.InRange(n[i].T, 0, 9_999_999));
    }
}
