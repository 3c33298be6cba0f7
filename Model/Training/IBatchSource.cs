using EventSnn.Datasets;
using TorchSharp;
using static TorchSharp.torch;

namespace EventSnn.Model;

/// <summary>
/// Where a training run takes its mini-batches from: a labelled set of samples that stacks any subset into the input
/// tensor its network expects. The source owns its augmentation, applied when a generator is passed.
/// </summary>
public interface IBatchSource
{
    /// <summary>Number of samples.</summary>
    int Count { get; }

    /// <summary>Class index of every sample, in sample order.</summary>
    IReadOnlyList<int> Labels { get; }

    /// <summary>
    /// Stacks the samples <paramref name="indices"/> into the network's input and their labels <c>[n]</c> on
    /// <paramref name="device"/>; with <paramref name="augmentation"/> the source's training augmentation draws from it.
    /// </summary>
    (Tensor X, Tensor Y) Batch(ReadOnlySpan<int> indices, Random? augmentation, Device device);
}

/// <summary>Event frames of a <see cref="FrameSet"/> as <c>x [T, N, C, H, W]</c> (time leading, METHOD.md §1), optionally randomly translated.</summary>
public sealed class FrameSetBatches(FrameSet frames, RandomTranslation? augmentation = null) : IBatchSource
{
    /// <summary>The frames.</summary>
    public FrameSet Frames => frames;

    /// <inheritdoc/>
    public int Count => frames.Count;

    /// <inheritdoc/>
    public IReadOnlyList<int> Labels => frames.Labels;

    /// <inheritdoc/>
    public (Tensor X, Tensor Y) Batch(ReadOnlySpan<int> indices, Random? rng, Device device)
    {
        int size = frames.SampleSize;
        var buffer = new float[(long)indices.Length * size];
        var labels = new long[indices.Length];
        bool augment = augmentation is not null && rng is not null;
        for (int i = 0; i < indices.Length; i++)
        {
            var span = buffer.AsSpan(i * size, size);
            frames.CopySample(indices[i], span);
            if (augment) augmentation!.Apply(span, frames.T, frames.Channels, frames.Height, frames.Width, rng!);
            labels[i] = frames.Labels[indices[i]];
        }
        using var cpu = torch.tensor(buffer, new long[] { indices.Length, frames.T, frames.Channels, frames.Height, frames.Width });
        var x = cpu.permute(1, 0, 2, 3, 4).contiguous().to(device);
        var y = torch.tensor(labels).to(device);
        return (x, y);
    }
}

/// <summary>Static frames (images, or event frames summed over time) of an <see cref="IStaticFrameSource"/> as <c>x [N, C, H, W]</c>.</summary>
public sealed class StaticFrameBatches : IBatchSource
{
    private readonly IStaticFrameSource source;
    private readonly bool augment;
    private readonly int[] labels;
    private float[]? buffer;

    /// <summary>Batches of <paramref name="source"/>; <paramref name="augment"/> applies the source's own augmentation while training.</summary>
    public StaticFrameBatches(IStaticFrameSource source, bool augment = true)
    {
        this.source = source;
        this.augment = augment;
        labels = new int[source.Count];
        for (int i = 0; i < labels.Length; i++) labels[i] = source.Label(i);
    }

    /// <inheritdoc/>
    public int Count => source.Count;

    /// <inheritdoc/>
    public IReadOnlyList<int> Labels => labels;

    /// <inheritdoc/>
    public (Tensor X, Tensor Y) Batch(ReadOnlySpan<int> indices, Random? rng, Device device)
    {
        int sampleSize = source.Channels * source.Height * source.Width;
        // A reused buffer keeps large per-batch arrays off the large-object heap (fewer full GCs); torch.tensor copies it.
        if (buffer is null || buffer.Length != indices.Length * sampleSize) buffer = new float[indices.Length * sampleSize];
        return Stack(source, indices, sampleSize, augment ? rng : null, device, buffer);
    }

    /// <summary>Stacks the given samples of <paramref name="source"/> into x [n, C, H, W] and labels [n] on <paramref name="device"/>.</summary>
    public static (Tensor X, Tensor Y) Stack(IStaticFrameSource source, ReadOnlySpan<int> indices, int sampleSize, Random? augment, Device device,
        float[]? buffer = null)
    {
        var data = buffer is not null && buffer.Length == indices.Length * sampleSize ? buffer : new float[indices.Length * sampleSize];
        var y = new long[indices.Length];
        for (int i = 0; i < indices.Length; i++)
        {
            source.CopySample(indices[i], data.AsSpan(i * sampleSize, sampleSize), augment);
            y[i] = source.Label(indices[i]);
        }
        var x = torch.tensor(data, new long[] { indices.Length, source.Channels, source.Height, source.Width }).to(device);
        return (x, torch.tensor(y).to(device));
    }
}
