namespace EventSnn.Datasets;

/// <summary>
/// A labelled set of binned samples, each <c>[T, Channels, Height, Width]</c> float32: event counts with channels
/// 0 OFF, 1 ON (the usual case, <see cref="Channels"/> = 2), or any other per-timestep input such as a normalised
/// image repeated at every timestep. Held in memory, read on demand from a frame-cache file, or produced on demand
/// from another source (<see cref="Repeated"/>). This is what training and evaluation consume.
/// <see cref="CopySample"/> is safe to call from several threads.
/// </summary>
public sealed class FrameSet : IDisposable
{
    readonly float[]? _data;
    readonly IFrameStore? _store;

    /// <summary>
    /// An in-memory set: <paramref name="data"/> holds <c>labels.Length</c> samples of <c>t·channels·height·width</c>
    /// floats each, back to back (<paramref name="channels"/> = 2 for event frames).
    /// </summary>
    public FrameSet(float[] data, int[] labels, int t, int height, int width, IReadOnlyList<string> classNames,
        IReadOnlyList<string>? sampleIds = null, FrameSettings? settings = null, int channels = 2)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(classNames);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(t);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        long size = (long)t * channels * height * width;
        if (data.Length != size * labels.Length)
            throw new ArgumentException($"data holds {data.Length} floats, expected {labels.Length} samples x {t}x{channels}x{height}x{width}", nameof(data));
        CheckLabels(labels, classNames.Count);
        if (sampleIds is not null && sampleIds.Count != labels.Length)
            throw new ArgumentException($"{sampleIds.Count} sample ids for {labels.Length} samples", nameof(sampleIds));
        _data = data;
        Labels = labels; T = t; Channels = channels; Height = height; Width = width; ClassNames = classNames;
        SampleIds = sampleIds ?? IndexIds(labels.Length);
        Settings = settings;
    }

    internal FrameSet(IFrameStore store, int[] labels, int t, int height, int width, IReadOnlyList<string> classNames,
        IReadOnlyList<string> sampleIds, FrameSettings? settings, int channels = 2)
    {
        CheckLabels(labels, classNames.Count);
        _store = store;
        Labels = labels; T = t; Channels = channels; Height = height; Width = width; ClassNames = classNames; SampleIds = sampleIds;
        Settings = settings;
    }

    /// <summary>Number of samples.</summary>
    public int Count => Labels.Length;

    /// <summary>Time bins per sample.</summary>
    public int T { get; }

    /// <summary>Channels per frame: 2 for event frames (OFF, ON), 3 for colour images.</summary>
    public int Channels { get; }

    /// <summary>Frame height in cells.</summary>
    public int Height { get; }

    /// <summary>Frame width in cells.</summary>
    public int Width { get; }

    /// <summary>Floats per sample: <c>T·Channels·Height·Width</c>.</summary>
    public int SampleSize => T * Channels * Height * Width;

    /// <summary>Class index (0-based) of each sample.</summary>
    public int[] Labels { get; }

    /// <summary>Class names in label order.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>Identifier of each sample (the dataset's <see cref="DatasetSample.Id"/> for cached sets).</summary>
    public IReadOnlyList<string> SampleIds { get; }

    /// <summary>The settings the frames were binned with, when known.</summary>
    public FrameSettings? Settings { get; }

    /// <summary>True when every sample lives in memory.</summary>
    public bool InMemory => _data is not null;

    /// <summary>Copies sample <paramref name="i"/> (<c>[T, C, H, W]</c>) into <paramref name="destination"/> of exactly <see cref="SampleSize"/> floats.</summary>
    public void CopySample(int i, Span<float> destination)
    {
        if ((uint)i >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(i), $"sample {i} of {Count}");
        if (destination.Length != SampleSize)
            throw new ArgumentException($"destination holds {destination.Length} floats, a sample is {SampleSize} ({T}x{Channels}x{Height}x{Width})", nameof(destination));
        if (_data is not null) _data.AsSpan(checked(i * SampleSize), SampleSize).CopyTo(destination);
        else _store!.Read(i, destination);
    }

    /// <summary>Sample <paramref name="i"/> as a new array.</summary>
    public float[] GetSample(int i)
    {
        var a = new float[SampleSize];
        CopySample(i, a);
        return a;
    }

    /// <summary>An in-memory set of the samples at <paramref name="indices"/> (in that order).</summary>
    public FrameSet Subset(IReadOnlyList<int> indices)
    {
        var data = new float[(long)indices.Count * SampleSize];
        var labels = new int[indices.Count];
        var ids = new string[indices.Count];
        for (int k = 0; k < indices.Count; k++)
        {
            CopySample(indices[k], data.AsSpan(k * SampleSize, SampleSize));
            labels[k] = Labels[indices[k]];
            ids[k] = SampleIds[indices[k]];
        }
        return new FrameSet(data, labels, T, Height, Width, ClassNames, ids, Settings, Channels);
    }

    /// <summary>
    /// A set whose every sample is one frame of <paramref name="source"/> repeated at each of <paramref name="t"/>
    /// timesteps, produced on demand (nothing is copied up front): the "direct input" of a converted network, where an
    /// image or a collapsed event frame is fed unchanged at every step. <paramref name="owned"/> (e.g. the event frames
    /// the source collapses) is disposed with the set.
    /// </summary>
    public static FrameSet Repeated(IStaticFrameSource source, int t, IDisposable? owned = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(t);
        var labels = new int[source.Count];
        for (int i = 0; i < labels.Length; i++) labels[i] = source.Label(i);
        return new FrameSet(new RepeatedFrameStore(source, t, owned), labels, t, source.Height, source.Width, source.ClassNames, IndexIds(labels.Length), null, source.Channels);
    }

    /// <summary>Sample ids "0", "1", … for sets whose samples have no names of their own.</summary>
    static string[] IndexIds(int count) =>
        Enumerable.Range(0, count).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();

    /// <summary>Closes the cache file behind an on-demand set.</summary>
    public void Dispose() => _store?.Dispose();

    static void CheckLabels(int[] labels, int classes)
    {
        for (int i = 0; i < labels.Length; i++)
            if ((uint)labels[i] >= (uint)classes)
                throw new ArgumentException($"label {labels[i]} of sample {i} is outside 0..{classes - 1}", nameof(labels));
    }
}

/// <summary>On-demand storage of a <see cref="FrameSet"/>'s samples.</summary>
internal interface IFrameStore : IDisposable
{
    void Read(int index, Span<float> destination);
}

/// <summary>Writes one frame of a static source into every timestep slot of a sample.</summary>
internal sealed class RepeatedFrameStore(IStaticFrameSource source, int t, IDisposable? owned) : IFrameStore
{
    private readonly int _plane = source.Channels * source.Height * source.Width;

    public void Read(int index, Span<float> destination)
    {
        var first = destination[.._plane];
        source.CopySample(index, first);
        for (int step = 1; step < t; step++) first.CopyTo(destination.Slice(step * _plane, _plane));
    }

    public void Dispose() => owned?.Dispose();
}
