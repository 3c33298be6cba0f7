namespace EventSnn.Ingest.Binning;

/// <summary>
/// Where a sensor pixel lands in a frame of <paramref name="Width"/> × <paramref name="Height"/> cells: column
/// <c>(x + PreX) / Divisor + PostX</c>, row <c>(y + PreY) / Divisor + PostY</c>. A pixel lands nowhere when
/// <c>x + PreX</c> is negative or not below <paramref name="SourceWidth"/> (likewise y), or when its cell lies outside
/// the frame. So a negative PreX/PreY crops a window out of a larger sensor, the divisor sums
/// <c>Divisor × Divisor</c> pixel blocks into one cell, and PostX/PostY centre a smaller image in the frame.
/// </summary>
/// <param name="Width">Frame width in cells.</param>
/// <param name="Height">Frame height in cells.</param>
/// <param name="Divisor">Integer downsampling factor (1 = none).</param>
/// <param name="PreX">Added to x before dividing.</param>
/// <param name="PreY">Added to y before dividing.</param>
/// <param name="PostX">Added to the column after dividing.</param>
/// <param name="PostY">Added to the row after dividing.</param>
/// <param name="SourceWidth">Pixels with <c>x + PreX</c> at or past this are dropped (a crop before dividing).</param>
/// <param name="SourceHeight">Pixels with <c>y + PreY</c> at or past this are dropped.</param>
public readonly record struct PixelMap(int Width, int Height, int Divisor = 1, int PreX = 0, int PreY = 0, int PostX = 0, int PostY = 0,
    int SourceWidth = int.MaxValue, int SourceHeight = int.MaxValue)
{
    /// <inheritdoc cref="PixelMap" path="/param[@name='Width']"/>
    public int Width { get; init; } = Width > 0 ? Width : throw new ArgumentOutOfRangeException(nameof(Width), Width, "must be positive");

    /// <inheritdoc cref="PixelMap" path="/param[@name='Height']"/>
    public int Height { get; init; } = Height > 0 ? Height : throw new ArgumentOutOfRangeException(nameof(Height), Height, "must be positive");

    /// <inheritdoc cref="PixelMap" path="/param[@name='Divisor']"/>
    public int Divisor { get; init; } = Divisor > 0 ? Divisor : throw new ArgumentOutOfRangeException(nameof(Divisor), Divisor, "must be positive");

    /// <summary>
    /// The map of <see cref="EventBinner"/>: pixels of a <paramref name="width"/> × <paramref name="height"/> sensor
    /// (others dropped) summed over <paramref name="downsample"/> blocks into a <c>⌈height/downsample⌉ × ⌈width/downsample⌉</c> frame.
    /// </summary>
    public static PixelMap Downsampling(int width, int height, int downsample) =>
        new(EventBinner.OutputSize(width, downsample), EventBinner.OutputSize(height, downsample), downsample,
            SourceWidth: width, SourceHeight: height);

    /// <summary>Floats in one polarity channel of the frame (<c>Height·Width</c>).</summary>
    public int Plane => Width * Height;
}
