namespace EventSnn.Pipeline.Binning;

/// <summary>
/// How the online binner cuts a stream into frames. Exactly one of <see cref="WindowUs"/> (time bins) and
/// <see cref="EventsPerBin"/> (count bins) is positive. Pixels are divided by <see cref="Downsample"/>
/// (integer division, as the offline frame cache does) and must then fall inside
/// <see cref="Width"/> × <see cref="Height"/>.
/// </summary>
public sealed record OnlineBinningOptions
{
    /// <summary>Bin length in µs of event time; 0 for count bins.</summary>
    public long WindowUs { get; init; }

    /// <summary>Events per bin; 0 for time bins.</summary>
    public int EventsPerBin { get; init; }

    /// <summary>Frame width in pixels after downsampling (the network's input width).</summary>
    public int Width { get; init; }

    /// <summary>Frame height in pixels after downsampling (the network's input height).</summary>
    public int Height { get; init; }

    /// <summary>Integer factor dividing x and y before binning (1 = none).</summary>
    public int Downsample { get; init; } = 1;

    /// <summary>
    /// Wall-clock time without events after which a stream's open bin is closed as it is
    /// (<see cref="BinCloseReason.QuietPeriod"/>); the next event starts a new bin at its own time.
    /// <see cref="TimeSpan.Zero"/> disables it.
    /// </summary>
    public TimeSpan QuietPeriod { get; init; }

    /// <summary>
    /// Most empty bins emitted for a silent stretch of event time between two events; a longer silence
    /// starts a new bin at the next event's time instead (so a stalled clock cannot flood the network).
    /// </summary>
    public int MaxEmptyBins { get; init; } = 16;

    /// <summary>Checks the options; throws <see cref="ArgumentException"/> naming the bad one.</summary>
    public void Validate()
    {
        if ((WindowUs > 0) == (EventsPerBin > 0))
            throw new ArgumentException("exactly one of WindowUs (time bins) and EventsPerBin (count bins) must be positive");
        if (Width <= 0 || Height <= 0) throw new ArgumentException($"frame size {Width}x{Height} must be positive");
        if (Downsample < 1) throw new ArgumentException($"downsample {Downsample} must be at least 1");
        if (MaxEmptyBins < 0) throw new ArgumentException("MaxEmptyBins must not be negative");
    }
}
