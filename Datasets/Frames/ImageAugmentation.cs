namespace EventSnn.Datasets;

/// <summary>
/// The standard CIFAR training augmentation: zero-pad by <see cref="Padding"/> pixels, take a random crop of the
/// original size, and flip horizontally with probability ½ (torchvision RandomCrop(32, padding=4) + RandomHorizontalFlip).
/// Works on raw bytes before normalisation, so padded pixels are black as in torchvision.
/// </summary>
public sealed class ImageAugmentation
{
    public ImageAugmentation(int padding = 4, bool horizontalFlip = true)
    {
        if (padding < 0) throw new ArgumentOutOfRangeException(nameof(padding));
        Padding = padding;
        HorizontalFlip = horizontalFlip;
    }

    /// <summary>Zero padding on every side, pixels.</summary>
    public int Padding { get; }

    public bool HorizontalFlip { get; }

    /// <summary>Writes an augmented copy of the [C, H, W] image into <paramref name="destination"/>.</summary>
    public void Apply(ReadOnlySpan<byte> image, Span<byte> destination, int channels, int height, int width, Random rng)
    {
        int dy = rng.Next(2 * Padding + 1) - Padding;   // crop origin in padded coordinates, relative to the image
        int dx = rng.Next(2 * Padding + 1) - Padding;
        bool flip = HorizontalFlip && rng.Next(2) == 1;
        Apply(image, destination, channels, height, width, dy, dx, flip);
    }

    /// <summary>Deterministic form: output pixel (y, x) = input (y + dy, x' + dx) with x' = W−1−x when flipped; 0 outside.</summary>
    public static void Apply(ReadOnlySpan<byte> image, Span<byte> destination, int channels, int height, int width, int dy, int dx, bool flip)
    {
        int plane = height * width;
        for (int c = 0; c < channels; c++)
        for (int y = 0; y < height; y++)
        {
            int sy = y + dy;
            for (int x = 0; x < width; x++)
            {
                int cx = flip ? width - 1 - x : x;
                int sx = cx + dx;
                destination[c * plane + y * width + x] =
                    sy >= 0 && sy < height && sx >= 0 && sx < width ? image[c * plane + sy * width + sx] : (byte)0;
            }
        }
    }
}
