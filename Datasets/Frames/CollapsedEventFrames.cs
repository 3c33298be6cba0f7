namespace EventSnn.Datasets;

/// <summary>
/// Event samples for conversion: each <see cref="FrameSet"/> sample <c>[T, 2, H, W]</c> collapsed to one frame
/// <c>[2, H, W]</c> (the sum of its T slices, i.e. all event counts of the window) for the ANN, while the SNN can
/// still be fed slice t at timestep t (<see cref="ITimestepFrameSource"/>). Training augmentation is the method's
/// random translation (METHOD.md §8), when given.
/// </summary>
public sealed class CollapsedEventFrames : ITimestepFrameSource
{
    private readonly FrameSet _frames;
    private readonly RandomTranslation? _translation;
    private readonly int _plane;
    private readonly float[] _collapsed;   // [N, 2, H, W], built once: training reads every sample every epoch

    public CollapsedEventFrames(string name, FrameSet frames, RandomTranslation? translation = null)
    {
        Name = name;
        _frames = frames;
        _translation = translation;
        _plane = frames.Channels * frames.Height * frames.Width;
        _collapsed = new float[(long)frames.Count * _plane];
        var sample = new float[frames.SampleSize];
        for (int i = 0; i < frames.Count; i++)
        {
            frames.CopySample(i, sample);
            var destination = _collapsed.AsSpan(i * _plane, _plane);
            for (int t = 0; t < frames.T; t++)
            {
                var slice = sample.AsSpan(t * _plane, _plane);
                for (int j = 0; j < _plane; j++) destination[j] += slice[j];
            }
        }
    }

    public string Name { get; }
    public int Count => _frames.Count;
    public int Channels => _frames.Channels;
    public int Height => _frames.Height;
    public int Width => _frames.Width;
    public IReadOnlyList<string> ClassNames => _frames.ClassNames;
    public int Timesteps => _frames.T;
    public int Label(int index) => _frames.Labels[index];

    public void CopySample(int index, Span<float> destination, Random? augmentation = null)
    {
        destination = destination[.._plane];
        _collapsed.AsSpan(index * _plane, _plane).CopyTo(destination);
        if (augmentation is not null && _translation is not null)
            _translation.Apply(destination, 1, Channels, Height, Width, augmentation);
    }

    public void CopyTimestep(int index, int t, Span<float> destination)
    {
        if ((uint)t >= (uint)_frames.T) throw new ArgumentOutOfRangeException(nameof(t), $"slice {t} of {_frames.T}");
        var sample = _frames.GetSample(index);
        sample.AsSpan(t * _plane, _plane).CopyTo(destination);
    }
}
