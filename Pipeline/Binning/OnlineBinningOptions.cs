using EventSnn.Model;

namespace EventSnn.Pipeline.Binning;

/// <summary>
/// How the online binner cuts a stream into frames. Exactly one of <see cref="WindowUs"/> (time bins) and
/// <see cref="EventsPerBin"/> (count bins) is positive. Pixels are divided by <see cref="Downsample"/>
/// (integer division, as the offline frame cache does) and must then fall inside
/// <see cref="Width"/> × <see cref="Height"/>.
/// </summary>
public sealed record OnlineBinningOptions
{
    /// <summary>Bin length in µs of event time; 0 for count bins.</summary>
    public long WindowUs { get; init; }

    /// <summary>Events per bin; 0 for time bins.</summary>
    public int EventsPerBin { get; init; }

    /// <summary>Frame width in pixels after downsampling (the network's input width).</summary>
    public int Width { get; init; }

    /// <summary>Frame height in pixels after downsampling (the network's input height).</summary>
    public int Height { get; init; }

    /// <summary>Integer factor dividing x and y before binning (1 = none).</summary>
    public int Downsample { get; init; } = 1;

    /// <summary>Width in pixels of the sensor the model was made for (0: <see cref="Width"/> × <see cref="Downsample"/>).</summary>
    public int SensorWidth { get; init; }

    /// <summary>Height in pixels of the sensor the model was made for (0: <see cref="Height"/> × <see cref="Downsample"/>).</summary>
    public int SensorHeight { get; init; }

    /// <summary>How a stream from a sensor of another size than the model's is mapped onto the model's input.</summary>
    public SensorMap SensorMap { get; init; } = SensorMap.Drop;

    /// <summary>The model's sensor width (<see cref="SensorWidth"/> or its default).</summary>
    public int ExpectedSensorWidth => SensorWidth > 0 ? SensorWidth : Width * Downsample;

    /// <summary>The model's sensor height (<see cref="SensorHeight"/> or its default).</summary>
    public int ExpectedSensorHeight => SensorHeight > 0 ? SensorHeight : Height * Downsample;

    /// <summary>
    /// Wall-clock time without events after which a stream's open bin is closed as it is
    /// (<see cref="BinCloseReason.QuietPeriod"/>); the next event starts a new bin at its own time.
    /// <see cref="TimeSpan.Zero"/> disables it.
    /// </summary>
    public TimeSpan QuietPeriod { get; init; }

    /// <summary>
    /// Most empty bins emitted for a silent stretch of event time between two events; a longer silence
    /// starts a new bin at the next event's time instead (so a stalled clock cannot flood the network).
    /// </summary>
    public int MaxEmptyBins { get; init; } = 16;

    /// <summary>
    /// The options that cut a live stream the way <paramref name="input"/> was binned offline: the model's input size,
    /// downsampling and sensor, and time bins of <paramref name="windowUs"/> µs, or <paramref name="eventsPerBin"/> events,
    /// or when neither is given the recorded window divided into T bins (<see cref="ModelInput.BinWidthUs"/>).
    /// </summary>
    /// <exception cref="ArgumentException">A converted model that needs its whole sample before the first step, or no bin length known.</exception>
    public static OnlineBinningOptions ForModel(ModelInput input, long windowUs = 0, int eventsPerBin = 0)
    {
        if (input.Conversion is { } conversion && conversion.Mode != ConversionInput.Causal)
            throw new ArgumentException($"this converted checkpoint takes its whole sample as one frame at every step (input mode '{conversion.Mode.Name()}'); a stream delivers one slice per step: convert with `eventsnn ann2snn --input-mode causal`");
        if (windowUs == 0 && eventsPerBin == 0)
            windowUs = input.BinWidthUs ?? throw new ArgumentException("the checkpoint does not record its sample window: give --bin-us (bin length in µs) or --events-per-bin");
        return new OnlineBinningOptions
        {
            WindowUs = windowUs,
            EventsPerBin = eventsPerBin,
            Width = input.Width,
            Height = input.Height,
            Downsample = input.Downsample,
            SensorWidth = input.SensorWidth,
            SensorHeight = input.SensorHeight,
        };
    }

    /// <summary>Checks the options; throws <see cref="ArgumentException"/> naming the bad one.</summary>
    public void Validate()
    {
        if ((WindowUs > 0) == (EventsPerBin > 0))
            throw new ArgumentException("exactly one of WindowUs (time bins) and EventsPerBin (count bins) must be positive");
        if (Width <= 0 || Height <= 0) throw new ArgumentException($"frame size {Width}x{Height} must be positive");
        if (Downsample < 1) throw new ArgumentException($"downsample {Downsample} must be at least 1");
        if (SensorWidth < 0 || SensorHeight < 0) throw new ArgumentException($"sensor size {SensorWidth}x{SensorHeight} must not be negative");
        if (MaxEmptyBins < 0) throw new ArgumentException("MaxEmptyBins must not be negative");
    }
}

/// <summary>How events of a sensor larger or smaller than the model's reach the model's input.</summary>
public enum SensorMap
{
    /// <summary>Pixels are downsampled as for the model's own sensor; those that then fall outside the input are dropped (counted as out of range).</summary>
    Drop,
    /// <summary>The centred window of the model's sensor size is used (a smaller sensor sits centred, zero-padded); pixels outside it are dropped.</summary>
    CropCenter,
    /// <summary>
    /// Sum pooling by the integer factor <c>f = ceil(max(sensor width / input width, sensor height / input height))</c>, so the
    /// whole sensor fits the input, centred and zero-padded.
    /// </summary>
    Scale,
}

/// <summary>Parsing of <see cref="SensorMap"/> names as the command line spells them.</summary>
public static class SensorMaps
{
    /// <summary>"crop-center", "scale" or "drop".</summary>
    public static SensorMap Parse(string text) => text.ToLowerInvariant() switch
    {
        "drop" => SensorMap.Drop,
        "crop-center" or "crop-centre" => SensorMap.CropCenter,
        "scale" => SensorMap.Scale,
        _ => throw new ArgumentException($"--sensor-map '{text}' is not one of crop-center, scale, drop"),
    };

    /// <summary>The command-line name.</summary>
    public static string Name(this SensorMap map) => map switch { SensorMap.CropCenter => "crop-center", SensorMap.Scale => "scale", _ => "drop" };
}
