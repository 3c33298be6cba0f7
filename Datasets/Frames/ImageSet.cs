namespace EventSnn.Datasets;

/// <summary>
/// A labelled set of 8-bit images held in memory, planar channel-major: image i occupies
/// <c>Pixels[i·C·H·W .. (i+1)·C·H·W)</c> laid out [C, H, W] (for CIFAR: the R plane, then G, then B, rows top to bottom).
/// </summary>
public sealed class ImageSet
{
    public ImageSet(string name, byte[] pixels, int[] labels, int channels, int height, int width, IReadOnlyList<string> classNames)
    {
        if (channels < 1 || height < 1 || width < 1) throw new ArgumentOutOfRangeException(nameof(channels), "image dimensions must be positive");
        if ((long)labels.Length * channels * height * width != pixels.Length)
            throw new ArgumentException($"{pixels.Length} pixel bytes do not hold {labels.Length} images of {channels}×{height}×{width}");
        foreach (int label in labels)
            if (label < 0 || label >= classNames.Count) throw new ArgumentException($"label {label} outside 0..{classNames.Count - 1}");
        Name = name;
        Pixels = pixels;
        Labels = labels;
        Channels = channels;
        Height = height;
        Width = width;
        ClassNames = classNames;
    }

    /// <summary>Data set name, e.g. "cifar10".</summary>
    public string Name { get; }

    /// <summary>All images, [N, C, H, W] bytes.</summary>
    public byte[] Pixels { get; }

    /// <summary>Class index of each image.</summary>
    public int[] Labels { get; }

    public int Count => Labels.Length;
    public int Channels { get; }
    public int Height { get; }
    public int Width { get; }
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>Bytes of one image (C·H·W).</summary>
    public int ImageSize => Channels * Height * Width;

    /// <summary>The bytes of image <paramref name="index"/>.</summary>
    public ReadOnlySpan<byte> Image(int index) => Pixels.AsSpan(index * ImageSize, ImageSize);

    /// <summary>The first <paramref name="count"/> images (all of them when count ≥ Count).</summary>
    public ImageSet Take(int count)
    {
        if (count >= Count) return this;
        return new ImageSet(Name, Pixels.AsSpan(0, count * ImageSize).ToArray(), Labels.AsSpan(0, count).ToArray(),
            Channels, Height, Width, ClassNames);
    }
}
