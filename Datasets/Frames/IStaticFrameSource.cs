namespace EventSnn.Datasets;

/// <summary>
/// Labelled single frames [C, H, W] (floats) for training an ANN: images, or event recordings collapsed to one frame.
/// The converted SNN sees the same frame at every timestep.
/// </summary>
public interface IStaticFrameSource
{
    /// <summary>Data set name stored in model metadata ("cifar10", "dvsgesture", ...).</summary>
    string Name { get; }
    int Count { get; }
    int Channels { get; }
    int Height { get; }
    int Width { get; }
    IReadOnlyList<string> ClassNames { get; }

    /// <summary>Class index of sample <paramref name="index"/>.</summary>
    int Label(int index);

    /// <summary>
    /// Writes sample <paramref name="index"/> (C·H·W floats) into <paramref name="destination"/>; with a random
    /// generator the source's training augmentation is applied, without it the sample is returned as is.
    /// </summary>
    void CopySample(int index, Span<float> destination, Random? augmentation = null);
}

/// <summary>Images normalised per channel, with optional crop/flip augmentation.</summary>
public sealed class ImageFrameSource : IStaticFrameSource
{
    private readonly ImageNormalization _normalization;
    private readonly ImageAugmentation? _augmentation;

    public ImageFrameSource(ImageSet images, ImageNormalization normalization, ImageAugmentation? augmentation = null)
    {
        Images = images;
        _normalization = normalization;
        _augmentation = augmentation;
    }

    public ImageSet Images { get; }
    public string Name => Images.Name;
    public int Count => Images.Count;
    public int Channels => Images.Channels;
    public int Height => Images.Height;
    public int Width => Images.Width;
    public IReadOnlyList<string> ClassNames => Images.ClassNames;
    public int Label(int index) => Images.Labels[index];

    public void CopySample(int index, Span<float> destination, Random? augmentation = null)
    {
        var image = Images.Image(index);
        if (augmentation is not null && _augmentation is not null)
        {
            Span<byte> shifted = image.Length <= 16384 ? stackalloc byte[image.Length] : new byte[image.Length];
            _augmentation.Apply(image, shifted, Channels, Height, Width, augmentation);
            _normalization.Apply(shifted, destination, Channels);
        }
        else
        {
            _normalization.Apply(image, destination, Channels);
        }
    }
}
