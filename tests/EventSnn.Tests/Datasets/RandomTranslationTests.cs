using EventSnn.Datasets;

namespace EventSnn.Tests.Datasets;

public sealed class RandomTranslationTests
{
    [Fact]
    public void ShiftsEveryFrameAlikeWithZeroFill()
    {
        int t = 3, c = 2, h = 5, w = 6;
        var s = new float[t * c * h * w];
        for (int k = 0; k < t * c; k++) s[k * h * w + 1 * w + 2] = k + 1;   // pixel (y=1, x=2) in every plane
        s[0 * h * w + 4 * w + 5] = 99;                                        // bottom-right corner, plane 0
        RandomTranslation.Shift(s, t, c, h, w, dx: 2, dy: -1);
        for (int k = 0; k < t * c; k++)
        {
            Assert.Equal(k + 1, s[k * h * w + 0 * w + 4]);
            Assert.Equal(k + 1, s.Skip(k * h * w).Take(h * w).Sum());
        }
        Assert.Equal(21, s.Sum());   // the corner pixel left the frame, nothing wrapped
    }

    [Fact]
    public void IsSeededAndBounded()
    {
        var a = new RandomTranslation(25, seed: 11);
        var b = new RandomTranslation(25, seed: 11);
        var shifts = new List<(int, int)>();
        for (int i = 0; i < 200; i++)
        {
            var buf = new float[2 * 2 * 8 * 8];
            var sa = a.Apply(buf, 2, 2, 8, 8);
            Assert.Equal(sa, b.Apply(new float[buf.Length], 2, 2, 8, 8));
            Assert.InRange(sa.Dx, -25, 25);
            Assert.InRange(sa.Dy, -25, 25);
            shifts.Add(sa);
        }
        Assert.Contains(shifts, s => s.Item1 < -20);
        Assert.Contains(shifts, s => s.Item1 > 20);
        Assert.Equal(6, RandomTranslation.ForDownsample(4).MaxShift);
    }
}
