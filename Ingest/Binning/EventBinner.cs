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
        Accumulate(t, x, y, p, slices, frames.Data, width, height, downsample);
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
        Accumulate(t, x, y, p, slices.AsSpan(0, used), destination, width, height, downsample);
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

    /// <summary>
    /// Adds events to one frame <c>[2, H, W]</c> (channel 0 OFF, 1 ON) through <paramref name="map"/>: the one place
    /// that turns events into frame counts, offline and online. It reads events from the start of the spans and
    /// stops before the first at or past <paramref name="endUs"/>, after the <paramref name="maxEvents"/>-th event
    /// counted, or at the end. Events before <paramref name="startUs"/> are skipped as late, events the map places
    /// nowhere as outside; neither counts towards <paramref name="maxEvents"/>.
    /// </summary>
    /// <param name="t">Timestamps in µs (at least as many as <paramref name="x"/>).</param>
    /// <param name="x">Columns.</param>
    /// <param name="y">Rows.</param>
    /// <param name="p">Polarities (1 = ON).</param>
    /// <param name="frame">The frame, at least <c>2·map.Height·map.Width</c> floats; counts are added to what it holds.</param>
    /// <param name="map">Where each pixel lands.</param>
    /// <param name="startUs">Events before this time are late.</param>
    /// <param name="endUs">The first event at or past this time ends the run (not consumed).</param>
    /// <param name="maxEvents">Events to count at most (positive).</param>
    public static FrameRun AccumulateFrame(ReadOnlySpan<long> t, ReadOnlySpan<ushort> x, ReadOnlySpan<ushort> y, ReadOnlySpan<byte> p,
        Span<float> frame, in PixelMap map, long startUs = long.MinValue, long endUs = long.MaxValue, int maxEvents = int.MaxValue)
    {
        int n = x.Length;
        if (y.Length != n || p.Length != n || t.Length < n)
            throw new ArgumentException("x, y and p must have the same length, and t at least as many");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxEvents);
        if (frame.Length < 2 * map.Plane)
            throw new ArgumentException($"frame holds {frame.Length} floats, expected at least 2x{map.Height}x{map.Width}", nameof(frame));
        // Without bounds the times need not be read at all (the offline rules' slices): the same loop, compiled without them.
        return startUs == long.MinValue && endUs == long.MaxValue && maxEvents >= n
            ? Run<Unbounded>(t, x, y, p, frame, map, startUs, endUs, maxEvents)
            : Run<Bounded>(t, x, y, p, frame, map, startUs, endUs, maxEvents);
    }

    struct Bounded;
    struct Unbounded;

    static FrameRun Run<TBounds>(ReadOnlySpan<long> t, ReadOnlySpan<ushort> x, ReadOnlySpan<ushort> y, ReadOnlySpan<byte> p,
        Span<float> frame, PixelMap map, long startUs, long endUs, int maxEvents) where TBounds : struct
    {
        int n = x.Length, plane = map.Plane, w = map.Width, h = map.Height, d = map.Divisor;
        int preX = map.PreX, preY = map.PreY, postX = map.PostX, postY = map.PostY;
        uint sourceW = (uint)map.SourceWidth, sourceH = (uint)map.SourceHeight;
        int i = 0, counted = 0, firstOutside = -1, last = -1;
        long late = 0, outside = 0;
        for (; i < n; i++)
        {
            if (typeof(TBounds) == typeof(Bounded))
            {
                long ti = t[i];
                if (ti >= endUs) break;
                if (ti < startUs) { late++; continue; }
            }
            // The pixel map (PixelMap): a negative x + PreX seen as unsigned is past any source width.
            int xr = x[i] + preX, yr = y[i] + preY;
            int cx = (d == 1 ? xr : xr / d) + postX, cy = (d == 1 ? yr : yr / d) + postY;
            if (((uint)xr >= sourceW) | ((uint)yr >= sourceH) | ((uint)cx >= (uint)w) | ((uint)cy >= (uint)h))
            {
                if (outside++ == 0) firstOutside = i;
                continue;
            }
            frame[(p[i] != 0 ? plane : 0) + cy * w + cx] += 1f;
            last = i;
            if (++counted == maxEvents && typeof(TBounds) == typeof(Bounded)) { i++; break; }
        }
        return new FrameRun(i, counted, late, outside, firstOutside, last >= 0 ? t[last] : long.MinValue);
    }

    static void Accumulate(ReadOnlySpan<long> t, ReadOnlySpan<ushort> x, ReadOnlySpan<ushort> y, ReadOnlySpan<byte> p,
        ReadOnlySpan<EventSlice> slices, Span<float> data, int width, int height, int downsample)
    {
        if (x.Length != y.Length || x.Length != p.Length)
            throw new ArgumentException("x, y and p must have the same length");
        var map = PixelMap.Downsampling(width, height, downsample);
        int frameSize = 2 * map.Plane;
        for (int k = 0; k < slices.Length; k++)
        {
            EventSlice s = slices[k];
            if (s.Start < 0 || s.End > x.Length || s.Start > s.End)
                throw new ArgumentOutOfRangeException(nameof(slices), $"slice {k} [{s.Start}, {s.End}) outside 0..{x.Length}");
            Range r = s.Start..s.End;
            AccumulateFrame(t[r], x[r], y[r], p[r], data.Slice(k * frameSize, frameSize), map);
        }
    }
}

/// <summary>What <see cref="EventBinner.AccumulateFrame"/> did with a run of events.</summary>
/// <param name="Consumed">Events read from the start of the spans (the next run starts there).</param>
/// <param name="Counted">Events added to the frame.</param>
/// <param name="Late">Events skipped because they came before the start time.</param>
/// <param name="Outside">Events skipped because the pixel map places them nowhere.</param>
/// <param name="FirstOutside">Index of the first of those, or -1.</param>
/// <param name="LastUs">Time of the last event added, <see cref="long.MinValue"/> when none was.</param>
public readonly record struct FrameRun(int Consumed, int Counted, long Late, long Outside, int FirstOutside, long LastUs);
