using EventSnn.Cli.Cutoff;
using EventSnn.Datasets;
using EventSnn.Model;

namespace EventSnn.Cli.Conversion;

/// <summary>
/// The per-timestep input of a converted checkpoint, rebuilt from what it records (<see cref="ModelInfo.Input"/>):
/// CIFAR images normalised as in training and repeated at every step; event samples either collapsed into one count
/// frame repeated at every step (mode "repeat") or as their T slices (mode "causal", the network averages them).
/// </summary>
internal static class ConvertedFrames
{
    /// <summary>The <paramref name="split"/> of the checkpoint's dataset at <paramref name="root"/>, as [T, C, H, W] samples.</summary>
    public static FrameSet Load(ModelInfo info, ConversionInput input, string root, string? dataset, string? cacheDir, DatasetSplit split)
    {
        if (input.Source == ConversionInput.Images) return LoadImages(info, input, root, dataset, split);
        var frames = ModelFrames.LoadEvents(info, root, dataset, cacheDir, split);
        if (input.Mode == ConversionInput.Causal) return frames;
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

    private static FrameSet LoadImages(ModelInfo info, ConversionInput input, string root, string? dataset, DatasetSplit split)
    {
        string name = dataset ?? info.Dataset;
        var variant = CifarArchive.ParseName(name)
            ?? throw new ArgumentException($"the checkpoint was converted on images of '{name}'; only cifar10 and cifar100 archives can be read");
        if (input.Mean is null || input.Std is null)
            throw new ArgumentException("the checkpoint does not record the image normalisation its ANN was trained with");
        var images = CifarArchive.Read(root, variant, split);
        if (images.Channels != info.InputChannels || images.Height != info.Height || images.Width != info.Width)
            throw new ArgumentException($"{root}: images are {images.Channels}x{images.Height}x{images.Width}, the model expects {info.InputChannels}x{info.Height}x{info.Width}");
        var source = new ImageFrameSource(images, new ImageNormalization(input.Mean, input.Std));
        return FrameSet.Repeated(source, info.T);
    }
}
