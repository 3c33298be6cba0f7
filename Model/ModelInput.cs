using EventSnn.Datasets;
using EventSnn.Ingest.Binning;

namespace EventSnn.Model;

/// <summary>
/// What a network consumes, read from a checkpoint's <see cref="ModelInfo"/> and its <see cref="FrameInfo"/>: the one
/// place that turns the stored description into typed settings (a parsed <see cref="BinningRule"/>, the sample window,
/// the downsampling factor and the sensor size), and the one place that writes that description when a model is made
/// from a dataset's frames. Training, evaluation, calibration, conversion and streaming all derive their input here;
/// offline they use <see cref="FrameSettingsFor"/> (and <see cref="ModelFrames"/>), online the streaming pipeline builds
/// its bin options from <see cref="Downsample"/>, <see cref="SensorWidth"/>, <see cref="SensorHeight"/> and
/// <see cref="BinWidthUs"/>.
/// </summary>
public sealed record ModelInput
{
    ModelInput(ModelInfo info, BinningRule rule)
    {
        Info = info;
        Rule = rule;
    }

    /// <summary>The description this input was read from.</summary>
    public ModelInfo Info { get; }

    /// <summary>Timesteps T: frames per sample.</summary>
    public int T => Info.T;

    /// <summary>Input channels (2 for event frames).</summary>
    public int Channels => Info.InputChannels;

    /// <summary>Input height in pixels, after downsampling.</summary>
    public int Height => Info.Height;

    /// <summary>Input width in pixels, after downsampling.</summary>
    public int Width => Info.Width;

    /// <summary>The dataset the model was made on, or null when the checkpoint names none.</summary>
    public string? Dataset => string.IsNullOrWhiteSpace(Info.Dataset) ? null : Info.Dataset;

    /// <summary>Converted networks: how their input is built from a sample; null for directly trained ones.</summary>
    public ConversionInput? Conversion => Info.Input;

    /// <summary>
    /// The binning rule of the frames: the recorded rule, or for <see cref="FrameInfo.EqualTimeSlices"/> (and for
    /// checkpoints without frame settings) the method's T equal time slices over the recorded window.
    /// </summary>
    public BinningRule Rule { get; }

    /// <summary>Start of the sample window in µs after the first event (0 = from the start).</summary>
    public long WindowStartUs => Info.Frames?.WindowStartUs ?? 0;

    /// <summary>End of the sample window in µs after the first event, or null when the whole sample is used.</summary>
    public long? WindowEndUs => Info.Frames is { WindowEndUs: > 0 } f ? f.WindowEndUs : null;

    /// <summary>The recorded spatial downsampling factor, or null when the checkpoint records no frame settings.</summary>
    public int? RecordedDownsample => Info.Frames?.Downsample;

    /// <summary>Downsampling factor applied to a live sensor: the recorded one, else 1.</summary>
    public int Downsample => RecordedDownsample ?? 1;

    /// <summary>Width of the sensor the model was made for: recorded, else <see cref="Width"/> × <see cref="Downsample"/>.</summary>
    public int SensorWidth => Info.Frames is { SensorWidth: > 0, SensorHeight: > 0 } f ? f.SensorWidth : Width * Downsample;

    /// <summary>Height of the sensor the model was made for: recorded, else <see cref="Height"/> × <see cref="Downsample"/>.</summary>
    public int SensorHeight => Info.Frames is { SensorWidth: > 0, SensorHeight: > 0 } f ? f.SensorHeight : Height * Downsample;

    /// <summary>
    /// Length in µs of one time bin when a stream is cut live: the recorded window divided into T bins; null when the
    /// checkpoint records no window (the caller must then give a bin length or an event count).
    /// </summary>
    public long? BinWidthUs => WindowEndUs is long end && end > WindowStartUs ? (end - WindowStartUs) / T : null;

    /// <summary>Reads the input of <paramref name="info"/>.</summary>
    /// <exception cref="InvalidDataException">The recorded rule is no binning rule.</exception>
    /// <exception cref="ArgumentException">The recorded window is empty.</exception>
    public static ModelInput Of(ModelInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        return new ModelInput(info, ParseRule(info));
    }

    static BinningRule ParseRule(ModelInfo info)
    {
        var f = info.Frames;
        if (f is null || f.Rule == FrameInfo.EqualTimeSlices)
        {
            long start = f?.WindowStartUs ?? 0;
            long end = f is { WindowEndUs: > 0 } ? f.WindowEndUs : long.MaxValue;
            if (end <= start) throw new ArgumentException($"the checkpoint's sample window {start}:{end} µs is empty");
            return BinningRule.EqualTimeSlices(info.T, start, end);
        }
        try { return BinningRule.Parse(f.Rule); }
        catch (FormatException e) { throw new InvalidDataException($"the checkpoint's frames were made with an unknown binning rule: {e.Message}", e); }
    }

    /// <summary>
    /// The frame settings for <paramref name="dataset"/> (its sensor size): <see cref="Rule"/>, T bins and the recorded
    /// downsampling, or when none is recorded the factor that brings the sensor width to the model's input width.
    /// </summary>
    public FrameSettings FrameSettingsFor(IEventDataset dataset)
    {
        int downsample = RecordedDownsample ?? Math.Max(1, dataset.SensorWidth / Width);
        return FrameSettings.For(dataset.SensorWidth, dataset.SensorHeight, T, downsample, Rule);
    }

    /// <summary>Throws <see cref="ArgumentException"/> when <paramref name="frames"/> are not the size this input needs.</summary>
    public void CheckFrames(FrameSet frames, string dataset)
    {
        if (frames.T != T || frames.Height != Height || frames.Width != Width)
            throw new ArgumentException($"frames of {dataset} are {frames.T}x{frames.Height}x{frames.Width}, the model expects {T}x{Height}x{Width}");
    }

    /// <summary>
    /// The frame description recorded for frames of <paramref name="dataset"/> made with <paramref name="settings"/>: rule,
    /// downsampling, sensor size, the window of an equal-time-slices rule, and the frame-cache key.
    /// </summary>
    public static FrameInfo FramesFor(IEventDataset dataset, FrameSettings settings)
    {
        var (start, end) = settings.BinningRule is EqualTimeSlicesRule e ? (e.TStartUs, e.TEndUs == long.MaxValue ? 0 : e.TEndUs) : (0L, 0L);
        return new FrameInfo
        {
            Rule = settings.Rule, Downsample = settings.Downsample, SensorWidth = dataset.SensorWidth, SensorHeight = dataset.SensorHeight,
            WindowStartUs = start, WindowEndUs = end,
            Options = new Dictionary<string, string> { ["cacheKey"] = settings.Key },
        };
    }

    /// <summary>
    /// The description of a directly trained network of architecture <paramref name="arch"/> fed frames of
    /// <paramref name="dataset"/> made with <paramref name="settings"/>: T, classes and their names, input geometry,
    /// dataset, <see cref="FramesFor"/>, kind "snn" and LIF neurons (callers adjust neurons and TEBN with <c>with</c>).
    /// </summary>
    public static ModelInfo Describe(string arch, IEventDataset dataset, FrameSettings settings) => new()
    {
        Arch = arch, T = settings.T, Classes = dataset.ClassNames.Count, ClassNames = dataset.ClassNames.ToArray(), InputChannels = EventSnn.Ingest.Binning.Frames.Channels,
        Height = settings.Height, Width = settings.Width, Dataset = dataset.Name, Kind = "snn", Neuron = NeuronSettings.Lif(),
        Frames = FramesFor(dataset, settings),
    };
}
