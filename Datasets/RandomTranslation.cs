namespace EventSnn.Datasets;

/// <summary>
/// The training augmentation of METHOD.md §8: a random integer translation (dx, dy), each uniform in
/// <c>[−MaxShift, MaxShift]</c>, applied identically to every frame and channel of a sample, vacated pixels
/// filled with zero. <see cref="MaxShift"/> is in frame pixels: the method's ±25 px is at 128×128, so frames
/// downsampled by 4 use ±6 (<see cref="ForDownsample"/>). Test and calibration data are never augmented.
/// </summary>
public sealed class RandomTranslation
{
    readonly Random _rng;

    /// <summary>Creates the augmentation with its own generator seeded by <paramref name="seed"/>.</summary>
    public RandomTranslation(int maxShift = 25, int seed = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxShift);
        MaxShift = maxShift;
        _rng = new Random(seed);
    }

    /// <summary>Largest shift in pixels along each axis.</summary>
    public int MaxShift { get; }

    /// <summary>The method's ±25 px (at full 128-px resolution) scaled to frames downsampled by <paramref name="factor"/>.</summary>
    public static RandomTranslation ForDownsample(int factor, int seed = 0) =>
        new((int)Math.Round(25.0 / Math.Max(1, factor), MidpointRounding.AwayFromZero), seed);

    /// <summary>Shifts one sample <c>[T, C, H, W]</c> in place by a shift drawn from this instance's generator; returns (dx, dy).</summary>
    public (int Dx, int Dy) Apply(Span<float> sample, int t, int c, int h, int w) => Apply(sample, t, c, h, w, _rng);

    /// <summary>Shifts one sample <c>[T, C, H, W]</c> in place by a shift drawn from <paramref name="rng"/>; returns (dx, dy).</summary>
    public (int Dx, int Dy) Apply(Span<float> sample, int t, int c, int h, int w, Random rng)
    {
        int dx = rng.Next(-MaxShift, MaxShift + 1);
        int dy = rng.Next(-MaxShift, MaxShift + 1);
        Shift(sample, t, c, h, w, dx, dy);
        return (dx, dy);
    }

    /// <summary>Moves every plane of a <c>[T, C, H, W]</c> sample by (dx, dy): pixel (y, x) goes to (y + dy, x + dx); zero fill.</summary>
    public static void Shift(Span<float> sample, int t, int c, int h, int w, int dx, int dy)
    {
        int plane = h * w;
        if (sample.Length != (long)t * c * plane) throw new ArgumentException($"sample holds {sample.Length} floats, expected {t}x{c}x{h}x{w}");
        if (dx == 0 && dy == 0) return;
        if (Math.Abs(dx) >= w || Math.Abs(dy) >= h) { sample.Clear(); return; }
        int rowLen = w - Math.Abs(dx);
        int srcX = dx >= 0 ? 0 : -dx, dstX = dx >= 0 ? dx : 0;
        for (int k = 0; k < t * c; k++)
        {
            Span<float> p = sample.Slice(k * plane, plane);
            // Walk rows in the direction that never overwrites a row before it is read.
            if (dy >= 0)
                for (int y = h - 1; y >= 0; y--) MoveRow(p, y, dy, h, w, srcX, dstX, rowLen);
            else
                for (int y = 0; y < h; y++) MoveRow(p, y, dy, h, w, srcX, dstX, rowLen);
        }
    }

    static void MoveRow(Span<float> p, int y, int dy, int h, int w, int srcX, int dstX, int rowLen)
    {
        Span<float> dst = p.Slice(y * w, w);
        int sy = y - dy;
        if (sy < 0 || sy >= h) { dst.Clear(); return; }
        // Span.CopyTo handles overlap within a row (same row when dy == 0).
        p.Slice(sy * w + srcX, rowLen).CopyTo(dst.Slice(dstX, rowLen));
        if (dstX > 0) dst[..dstX].Clear();
        if (dstX + rowLen < w) dst[(dstX + rowLen)..].Clear();
    }
}
