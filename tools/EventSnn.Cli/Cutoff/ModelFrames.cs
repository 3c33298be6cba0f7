using EventSnn.Datasets;
using EventSnn.Ingest.Binning;
using EventSnn.Model;
using EventSnn.Cli.Conversion;

namespace EventSnn.Cli.Cutoff;

/// <summary>Finds the frames a checkpoint consumes: its dataset at a root folder, binned the way it was trained.</summary>
internal static class ModelFrames
{

    /// <summary>
    /// The <paramref name="split"/> of <paramref name="dataset"/> (default: the checkpoint's dataset, else detected from
    /// the files) at <paramref name="root"/> as the network consumes it: event frames binned with the checkpoint's frame
    /// settings, or for converted checkpoints the input they record (<see cref="ConvertedFrames"/>: images or collapsed
    /// event frames repeated at every step).
    /// </summary>
    public static FrameSet Load(ModelInfo info, string root, string? dataset, string? cacheDir, DatasetSplit split) =>
        info.Input is { } input
            ? ConvertedFrames.Load(info, input, root, dataset, cacheDir, split)
            : LoadEvents(info, root, dataset, cacheDir, split);

    /// <summary>The <paramref name="split"/> binned into the checkpoint's T event slices.</summary>
    public static FrameSet LoadEvents(ModelInfo info, string root, string? dataset, string? cacheDir, DatasetSplit split)
    {
        string name = dataset ?? (string.IsNullOrWhiteSpace(info.Dataset) ? null : info.Dataset) ?? DatasetCatalog.Detect(root)
            ?? throw new ArgumentException($"{root}: cannot tell which dataset this is; pass --dataset");
        var ds = DatasetCatalog.Open(name, root);
        var settings = SettingsFor(info, ds);
        var frames = FrameCache.GetOrBuild(ds, split, settings, EventSnn.Cli.Datasets.CacheLocation.Resolve(cacheDir));
        if (frames.T != info.T || frames.Height != info.Height || frames.Width != info.Width)
            throw new ArgumentException($"frames of {name} are {frames.T}x{frames.Height}x{frames.Width}, the model expects {info.T}x{info.Height}x{info.Width}");
        return frames;
    }

    /// <summary>The frame settings recorded in the checkpoint (rule spec or "equal-time-slices" with its window).</summary>
    public static FrameSettings SettingsFor(ModelInfo info, IEventDataset ds)
    {
        var f = info.Frames;
        int downsample = f?.Downsample ?? Math.Max(1, ds.SensorWidth / info.Width);
        BinningRule rule;
        try { rule = BinningRule.Parse(f?.Rule ?? ""); }
        catch (FormatException)
        {
            long end = f is null || f.WindowEndUs <= 0 ? long.MaxValue : f.WindowEndUs;
            rule = BinningRule.EqualTimeSlices(info.T, f?.WindowStartUs ?? 0, end);
        }
        return FrameSettings.For(ds.SensorWidth, ds.SensorHeight, info.T, downsample, rule);
    }
}
