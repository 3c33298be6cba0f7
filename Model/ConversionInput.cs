namespace EventSnn.Model;

/// <summary>
/// How a converted network's input is built from a dataset sample, stored in the checkpoint so that evaluation,
/// calibration and streaming rebuild the very input the ANN was trained on (METHOD.md §5.2, §9).
/// </summary>
public sealed record ConversionInput
{
    /// <summary>Images (frame datasets such as CIFAR), fed as normalised pixels.</summary>
    public const ConversionInputSource Images = ConversionInputSource.Images;

    /// <summary>Event recordings binned into <see cref="ModelInfo.T"/> equal-time slices (<see cref="ModelInfo.Frames"/>).</summary>
    public const ConversionInputSource Events = ConversionInputSource.Events;

    /// <summary>
    /// The method's direct input: the ANN's frame (an image, or all T event slices summed into one count frame) is fed
    /// unchanged at every timestep. Needs the whole sample before the first step.
    /// </summary>
    public const Conversion.ConversionInputMode Repeat = Conversion.ConversionInputMode.Repeat;

    /// <summary>
    /// Event slice t is fed at step t and the network body sees <see cref="Scale"/> (= T) × the running mean of slices
    /// 1..t: a causal estimate of the collapsed frame, exact at t = T, usable by the streaming pipeline.
    /// </summary>
    public const Conversion.ConversionInputMode Causal = Conversion.ConversionInputMode.Causal;

    /// <summary><see cref="Images"/> or <see cref="Events"/>.</summary>
    public ConversionInputSource Source { get; init; } = Events;

    /// <summary><see cref="Repeat"/> (default) or <see cref="Causal"/>.</summary>
    public Conversion.ConversionInputMode Mode { get; init; } = Repeat;

    /// <summary>Factor applied to the running mean of the inputs in <see cref="Causal"/> mode (T); 1 in <see cref="Repeat"/> mode.</summary>
    public double Scale { get; init; } = 1.0;

    /// <summary>Per-channel mean subtracted from pixel/255 (images; null for events, which are raw counts, and when unknown).</summary>
    public float[]? Mean { get; init; }

    /// <summary>Per-channel standard deviation dividing (pixel/255 − mean) (images only).</summary>
    public float[]? Std { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> when a field is outside its domain or inconsistent with <paramref name="channels"/>.</summary>
    public void Validate(int channels)
    {
        if (!Enum.IsDefined(Source)) throw new ArgumentException($"input source must be 'images' or 'events', got '{Source}'");
        if (!Enum.IsDefined(Mode)) throw new ArgumentException($"input mode must be 'repeat' or 'causal', got '{Mode}'");
        if (Mode == Causal && Source != Events) throw new ArgumentException("causal input needs event slices; images are fed with mode 'repeat'");
        if (!(Scale > 0)) throw new ArgumentException($"input scale must be positive, got {Scale}");
        if (Mode == Repeat && Scale != 1.0) throw new ArgumentException($"repeat input is fed unscaled, got scale {Scale}");
        if ((Mean is null) != (Std is null)) throw new ArgumentException("normalisation needs both mean and std");
        if (Mean is not null && Mean.Length != channels) throw new ArgumentException($"{Mean.Length} normalisation means for {channels} channels");
        if (Std is not null && (Std.Length != channels || Std.Any(s => !(s > 0))))
            throw new ArgumentException($"normalisation std must hold {channels} positive values");
    }
}

/// <summary>What a converted network's samples are (spelled "images" or "events").</summary>
public enum ConversionInputSource
{
    /// <summary>Images (frame datasets such as CIFAR), fed as normalised pixels.</summary>
    Images,

    /// <summary>Event recordings binned into equal-time slices.</summary>
    Events,
}
