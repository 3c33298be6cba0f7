using EventSnn.Ingest.Binning;

namespace EventSnn.Datasets;

/// <summary>
/// How samples become frames: <see cref="T"/> time bins cut by <see cref="Rule"/> (a <see cref="BinningRule"/> text
/// form), events on a sensor canvas of <c>(Height·Downsample) × (Width·Downsample)</c> pixels summed over
/// <c>Downsample × Downsample</c> blocks, giving frames <c>[T, 2, Height, Width]</c> of event counts.
/// </summary>
/// <param name="T">Number of time bins (timesteps). Rules that yield a different number are cut or zero-padded to it.</param>
/// <param name="Height">Frame height after downsampling, in cells.</param>
/// <param name="Width">Frame width after downsampling, in cells.</param>
/// <param name="Downsample">Integer spatial downsampling factor (1 = none).</param>
/// <param name="Rule">Binning rule in text form, e.g. <c>equal-time:16</c> (see <see cref="BinningRule.Parse"/>).</param>
public sealed record FrameSettings(int T, int Height, int Width, int Downsample, string Rule)
{
    /// <summary>The parsed rule.</summary>
    public BinningRule BinningRule => BinningRule.Parse(Rule);

    /// <summary>Sensor canvas width the events are binned on (<c>Width·Downsample</c>); events beyond it are cropped.</summary>
    public int SensorWidth => Width * Downsample;

    /// <summary>Sensor canvas height (<c>Height·Downsample</c>).</summary>
    public int SensorHeight => Height * Downsample;

    /// <summary>Floats in one sample: <c>T·2·Height·Width</c>.</summary>
    public int SampleSize => T * Frames.Channels * Height * Width;

    /// <summary>The canonical text the frame cache keys on.</summary>
    public string Key => $"T={T};H={Height};W={Width};ds={Downsample};rule={BinningRule.Spec}";

    /// <summary>
    /// Settings for <paramref name="dataset"/>'s full sensor: the method's equal-time-slices rule with
    /// <paramref name="t"/> bins (optionally windowed to <c>(tStartUs, tEndUs)</c>) and a downsampling factor.
    /// </summary>
    public static FrameSettings For(IEventDataset dataset, int t, int downsample = 1, long tStartUs = 0, long tEndUs = long.MaxValue) =>
        For(dataset.SensorWidth, dataset.SensorHeight, t, downsample, BinningRule.EqualTimeSlices(t, tStartUs, tEndUs));

    /// <summary>Settings for a sensor of <paramref name="sensorWidth"/> × <paramref name="sensorHeight"/> with any rule.</summary>
    public static FrameSettings For(int sensorWidth, int sensorHeight, int t, int downsample, BinningRule rule) =>
        new(t, EventBinner.OutputSize(sensorHeight, downsample), EventBinner.OutputSize(sensorWidth, downsample), downsample, rule.Spec);

    /// <summary>Checks the numbers and the rule text; throws <see cref="ArgumentException"/> naming the bad field.</summary>
    public void Validate()
    {
        if (T <= 0) throw new ArgumentException($"FrameSettings.T must be positive, got {T}");
        if (Height <= 0 || Width <= 0) throw new ArgumentException($"FrameSettings size must be positive, got {Height}x{Width}");
        if (Downsample <= 0) throw new ArgumentException($"FrameSettings.Downsample must be positive, got {Downsample}");
        try { _ = BinningRule; }
        catch (FormatException e) { throw new ArgumentException("FrameSettings.Rule: " + e.Message, e); }
    }
}
