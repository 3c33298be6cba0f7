namespace EventSnn.Datasets;

/// <summary>Per-channel normalisation <c>(pixel/255 − mean[c]) / std[c]</c>, as torchvision's ToTensor + Normalize.</summary>
public sealed record ImageNormalization(float[] Mean, float[] Std)
{
    /// <summary>The CIFAR-10 statistics used by the method's data loaders (METHOD.md §8).</summary>
    public static ImageNormalization Cifar10 { get; } = new(new[] { 0.4914f, 0.4822f, 0.4465f }, new[] { 0.2023f, 0.1994f, 0.2010f });

    /// <summary>The usual CIFAR-100 statistics.</summary>
    public static ImageNormalization Cifar100 { get; } = new(new[] { 0.5071f, 0.4865f, 0.4409f }, new[] { 0.2673f, 0.2564f, 0.2762f });

    /// <summary>Writes the normalised floats of one [C, H, W] byte image.</summary>
    public void Apply(ReadOnlySpan<byte> image, Span<float> destination, int channels)
    {
        if (Mean.Length != channels || Std.Length != channels)
            throw new ArgumentException($"normalisation has {Mean.Length} channels, image has {channels}");
        int plane = image.Length / channels;
        for (int c = 0; c < channels; c++)
        {
            float scale = 1f / (255f * Std[c]), shift = Mean[c] / Std[c];
            var src = image.Slice(c * plane, plane);
            var dst = destination.Slice(c * plane, plane);
            for (int i = 0; i < plane; i++) dst[i] = src[i] * scale - shift;
        }
    }
}
