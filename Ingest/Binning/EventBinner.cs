namespace EventSnn.Ingest.Binning;

/// <summary>
/// Turns time-ordered events into event-count frames <c>[T, 2, H, W]</c> (channel 0 OFF, 1 ON) by a
/// <see cref="BinningRule"/>. Pure functions: no state, no I/O.
/// </summary>
/// <remarks>
/// Coordinates are divided by the integer <c>downsample</c> factor (so a factor-4 frame cell sums a 4×4 pixel
/// block); the output is <c>⌈height/downsample⌉ × ⌈width/downsample⌉</c>. Events whose (x, y) lie outside
/// <c>width × height</c> are not counted: that is how a frame is cropped to a smaller sensor size.
/// </remarks>
public static class EventBinner
{
    /// <summary>Bins a batch into frames of the batch's slicing by <paramref name="rule"/>.</summary>
    /// <param name="events">Time-ordered events.</param>
    /// <param name="rule">The slicing rule.</param>
    /// <param name="width">Sensor width in pixels before downsampling.</param>
    /// <param name="height">Sensor height in pixels before downsampling.</param>
    /// <param name="downsample">Integer spatial downsampling factor (1 = none).</param>
    public static Frames Bin(EventBatch events, BinningRule rule, int width, int height, int downsample = 1) =>
        Bin(events.T, events.X, events.Y, events.P, rule, width, height, downsample);

    /// <summary>Bins columns (t µs non-decreasing, x, y, p with 1 = ON) into frames.</summary>
    public static Frames Bin(ReadOnlySpan<long> t, ReadOnlySpan<ushort> x, ReadOnlySpan<ushort> y, ReadOnlySpan<byte> p,
        BinningRule rule, int width, int height, int downsample = 1)
    {
        ArgumentNullException.ThrowIfNull(rule);
        EventSlice[] slices = Slices(t, rule);
        int h = OutputSize(height, downsample), w = OutputSize(width, downsample);
        var frames = new Frames(slices.Length, h, w);
        Accumulate(x, y, p, slices, frames.Data, width, height, downsample);
        return frames;
    }

    /// <summary>
    /// Bins into a caller's buffer of exactly <paramref name="frameCount"/> frames (<c>frameCount·2·H'·W'</c>
    /// floats, zeroed here first). When the rule yields more bins than <paramref name="frameCount"/>, the extra bins
    /// are left out; when it yields fewer, the remaining frames stay zero. Returns the rule's bin count.
    /// </summary>
    public static int BinInto(ReadOnlySpan<long> t, ReadOnlySpan<ushort> x, ReadOnlySpan<ushort> y, ReadOnlySpan<byte> p,
        BinningRule rule, int width, int height, int downsample, int frameCount, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(rule);
        int h = OutputSize(height, downsample), w = OutputSize(width, downsample);
        long need = (long)frameCount * Frames.Channels * h * w;
        if (destination.Length != need)
            throw new ArgumentException($"destination holds {destination.Length} floats, expected {frameCount}x2x{h}x{w} = {need}", nameof(destination));
        destination.Clear();
        EventSlice[] slices = Slices(t, rule);
        int used = Math.Min(slices.Length, frameCount);
        Accumulate(x, y, p, slices.AsSpan(0, used), destination, width, height, downsample);
        return slices.Length;
    }

    /// <summary>The rule's index ranges, after checking that timestamps do not go backwards.</summary>
    /// <exception cref="ArgumentException">A timestamp is smaller than its predecessor.</exception>
    public static EventSlice[] Slices(ReadOnlySpan<long> t, BinningRule rule)
    {
        for (int i = 1; i < t.Length; i++)
            if (t[i] < t[i - 1])
                throw new ArgumentException($"events must be time-ordered: event {i} at {t[i]} µs follows {t[i - 1]} µs", nameof(t));
        return rule.Slice(t);
    }

    /// <summary>Frame side after downsampling: <c>⌈size / factor⌉</c>.</summary>
    public static int OutputSize(int size, int downsample)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(downsample);
        return (size + downsample - 1) / downsample;
    }

    static void Accumulate(ReadOnlySpan<ushort> x, ReadOnlySpan<ushort> y, ReadOnlySpan<byte> p,
        ReadOnlySpan<EventSlice> slices, Span<float> data, int width, int height, int downsample)
    {
        if (x.Length != y.Length || x.Length != p.Length)
            throw new ArgumentException("x, y and p must have the same length");
        int h = OutputSize(height, downsample), w = OutputSize(width, downsample);
        int plane = h * w, frameSize = 2 * plane;
        for (int k = 0; k < slices.Length; k++)
        {
            EventSlice s = slices[k];
            if (s.Start < 0 || s.End > x.Length || s.Start > s.End)
                throw new ArgumentOutOfRangeException(nameof(slices), $"slice {k} [{s.Start}, {s.End}) outside 0..{x.Length}");
            Span<float> frame = data.Slice(k * frameSize, frameSize);
            if (downsample == 1)
            {
                for (int i = s.Start; i < s.End; i++)
                {
                    int xi = x[i], yi = y[i];
                    if (xi >= width || yi >= height) continue;
                    frame[(p[i] != 0 ? plane : 0) + yi * w + xi] += 1f;
                }
            }
            else
            {
                for (int i = s.Start; i < s.End; i++)
                {
                    int xi = x[i], yi = y[i];
                    if (xi >= width || yi >= height) continue;
                    frame[(p[i] != 0 ? plane : 0) + yi / downsample * w + xi / downsample] += 1f;
                }
            }
        }
    }
}
