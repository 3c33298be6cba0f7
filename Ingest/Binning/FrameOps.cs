namespace EventSnn.Ingest.Binning;

/// <summary>Spatial operations on event-count frames: integer downsampling and crop/pad to a fixed size.</summary>
public static class FrameOps
{
    /// <summary>
    /// Sums each <c>factor × factor</c> pixel block into one cell (counts are preserved); the result is
    /// <c>⌈H/factor⌉ × ⌈W/factor⌉</c>, partial blocks at the right and bottom edges summing what they cover.
    /// </summary>
    public static Frames Downsample(Frames frames, int factor)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(factor);
        if (factor == 1) return new Frames((float[])frames.Data.Clone(), frames.T, frames.Height, frames.Width);
        int h = (frames.Height + factor - 1) / factor, w = (frames.Width + factor - 1) / factor;
        var result = new Frames(frames.T, h, w);
        for (int t = 0; t < frames.T; t++)
            for (int c = 0; c < Frames.Channels; c++)
                for (int y = 0; y < frames.Height; y++)
                    for (int x = 0; x < frames.Width; x++)
                        result[t, c, y / factor, x / factor] += frames[t, c, y, x];
        return result;
    }

    /// <summary>
    /// Places the frames into a <paramref name="height"/> × <paramref name="width"/> canvas: source pixel (y, x)
    /// lands at (y − offsetY, x − offsetX); what falls outside is cropped, what is not covered is zero (padding).
    /// With zero offsets this keeps the top-left corner.
    /// </summary>
    public static Frames CropOrPad(Frames frames, int height, int width, int offsetY = 0, int offsetX = 0)
    {
        var result = new Frames(frames.T, height, width);
        for (int t = 0; t < frames.T; t++)
            for (int c = 0; c < Frames.Channels; c++)
                for (int y = 0; y < height; y++)
                {
                    int sy = y + offsetY;
                    if (sy < 0 || sy >= frames.Height) continue;
                    for (int x = 0; x < width; x++)
                    {
                        int sx = x + offsetX;
                        if (sx < 0 || sx >= frames.Width) continue;
                        result[t, c, y, x] = frames[t, c, sy, sx];
                    }
                }
        return result;
    }
}
