namespace EventSnn.Ingest.Binning;

/// <summary>
/// Event-count frames laid out <c>[T, 2, H, W]</c> in row-major order: channel 0 counts OFF events
/// (p == 0), channel 1 counts ON events (p != 0); a pixel's value is the number of events at (y, x)
/// in that time bin. Values are float32 counts, never normalised.
/// </summary>
public sealed class Frames
{
    /// <summary>Number of polarity channels (OFF, ON).</summary>
    public const int Channels = 2;

    /// <summary>Creates zeroed frames of the given shape.</summary>
    public Frames(int t, int height, int width)
        : this(new float[checked(t * Channels * height * width)], t, height, width) { }

    /// <summary>Wraps existing data; <paramref name="data"/> must hold exactly <c>t·2·height·width</c> floats.</summary>
    public Frames(float[] data, int t, int height, int width)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(t);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        if (data.Length != (long)t * Channels * height * width)
            throw new ArgumentException($"data holds {data.Length} floats, expected {t}x{Channels}x{height}x{width}", nameof(data));
        Data = data; T = t; Height = height; Width = width;
    }

    /// <summary>The counts, <c>[T, 2, H, W]</c> row-major.</summary>
    public float[] Data { get; }

    /// <summary>Number of time bins.</summary>
    public int T { get; }

    /// <summary>Frame height in pixels (rows).</summary>
    public int Height { get; }

    /// <summary>Frame width in pixels (columns).</summary>
    public int Width { get; }

    /// <summary>Floats in one time bin (2·H·W).</summary>
    public int FrameSize => Channels * Height * Width;

    /// <summary>The count at time bin <paramref name="t"/>, channel <paramref name="c"/> (0 OFF, 1 ON), row <paramref name="y"/>, column <paramref name="x"/>.</summary>
    public float this[int t, int c, int y, int x]
    {
        get => Data[((t * Channels + c) * Height + y) * Width + x];
        set => Data[((t * Channels + c) * Height + y) * Width + x] = value;
    }

    /// <summary>One time bin, <c>[2, H, W]</c>.</summary>
    public Span<float> Frame(int t) => Data.AsSpan(t * FrameSize, FrameSize);

    /// <summary>Sum of the counts in time bin <paramref name="t"/> and channel <paramref name="c"/>.</summary>
    public double ChannelSum(int t, int c)
    {
        double s = 0;
        foreach (float v in Data.AsSpan((t * Channels + c) * Height * Width, Height * Width)) s += v;
        return s;
    }
}
