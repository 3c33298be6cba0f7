using EventSnn.Datasets;

namespace EventSnn.Model;

/// <summary>
/// The frames a checkpoint consumes, built from its <see cref="ModelInput"/>: its dataset at a root folder, binned the
/// way it was trained (through the frame cache), or for converted checkpoints the input they record (CIFAR images
/// normalised as in training and repeated at every step; event samples collapsed into one count frame repeated at every
/// step, mode "repeat", or as their T slices, mode "causal").
/// </summary>
public static class ModelFrames
{
    /// <summary>
    /// The <paramref name="split"/> of <paramref name="dataset"/> (default: the checkpoint's dataset, else detected from
    /// the files) at <paramref name="root"/> as the network consumes it, [T, C, H, W] per sample.
    /// </summary>
    /// <param name="info">The checkpoint's description.</param>
    /// <param name="root">Dataset root folder (or archive).</param>
    /// <param name="dataset">Dataset name, or null.</param>
    /// <param name="cacheDir">Frame-cache folder, or null for <see cref="CacheLocation.Resolve"/>'s default.</param>
    /// <param name="split">Which split.</param>
    /// <param name="progress">Progress of a frame-cache build, or null.</param>
    public static FrameSet Load(ModelInfo info, string root, string? dataset, string? cacheDir, DatasetSplit split,
        IProgress<FrameCacheProgress>? progress = null)
    {
        var input = ModelInput.Of(info);
        if (input.Conversion is not { } conversion) return LoadEvents(input, root, dataset, cacheDir, split, progress);
        if (conversion.Source == ConversionInput.Images) return LoadImages(input, conversion, root, dataset, split);
        var frames = LoadEvents(input, root, dataset, cacheDir, split, progress);
        if (conversion.Mode == ConversionInput.Causal) return frames;
        try
        {
            var collapsed = new CollapsedEventFrames(info.Dataset, frames);
            return FrameSet.Repeated(collapsed, info.T, owned: frames);
        }
        catch
        {
            frames.Dispose();
            throw;
        }
    }

    /// <summary>The <paramref name="split"/> binned into the checkpoint's T event slices.</summary>
    static FrameSet LoadEvents(ModelInput input, string root, string? dataset, string? cacheDir, DatasetSplit split, IProgress<FrameCacheProgress>? progress)
    {
        string name = dataset ?? input.Dataset ?? DatasetCatalog.Detect(root)
            ?? throw new ArgumentException($"{root}: cannot tell which dataset this is; pass --dataset");
        var ds = DatasetCatalog.Open(name, root);
        var frames = FrameCache.GetOrBuild(ds, split, input.FrameSettingsFor(ds), CacheLocation.Resolve(cacheDir), progress);
        try { input.CheckFrames(frames, name); }
        catch
        {
            frames.Dispose();
            throw;
        }
        return frames;
    }

    static FrameSet LoadImages(ModelInput input, ConversionInput conversion, string root, string? dataset, DatasetSplit split)
    {
        string name = dataset ?? input.Info.Dataset;
        var variant = CifarArchive.ParseName(name)
            ?? throw new ArgumentException($"the checkpoint was converted on images of '{name}'; only cifar10 and cifar100 archives can be read");
        if (conversion.Mean is null || conversion.Std is null)
            throw new ArgumentException("the checkpoint does not record the image normalisation its ANN was trained with");
        var images = CifarArchive.Read(root, variant, split);
        if (images.Channels != input.Channels || images.Height != input.Height || images.Width != input.Width)
            throw new ArgumentException($"{root}: images are {images.Channels}x{images.Height}x{images.Width}, the model expects {input.Channels}x{input.Height}x{input.Width}");
        var source = new ImageFrameSource(images, new ImageNormalization(conversion.Mean, conversion.Std));
        return FrameSet.Repeated(source, input.T);
    }
}
