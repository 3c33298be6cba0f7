namespace EventSnn.Datasets.Synthetic;

/// <summary>Parameters of the event-camera emulator (<see cref="DvsEmulator"/>). Log intensities are natural logs.</summary>
public sealed record DvsEmulatorOptions
{
    /// <summary>Sensor width in pixels.</summary>
    public int Width { get; init; } = 128;

    /// <summary>Sensor height in pixels.</summary>
    public int Height { get; init; } = 128;

    /// <summary>Mean ON contrast threshold (change of log intensity that fires an ON event).</summary>
    public double ThresholdOn { get; init; } = 0.4;

    /// <summary>Mean OFF contrast threshold.</summary>
    public double ThresholdOff { get; init; } = 0.4;

    /// <summary>Standard deviation of the per-pixel threshold mismatch (log units).</summary>
    public double ThresholdSigma { get; init; } = 0.03;

    /// <summary>Refractory period in µs: a crossing this soon after the pixel's last event is lost.</summary>
    public long RefractoryUs { get; init; } = 1000;

    /// <summary>Background-activity (leak/shot noise) rate per pixel in Hz.</summary>
    public double BackgroundRateHz { get; init; } = 0.1;

    /// <summary>Number of hot pixels (pixels that fire noise events at <see cref="HotPixelRateHz"/>).</summary>
    public int HotPixels { get; init; } = 2;

    /// <summary>Event rate of each hot pixel in Hz.</summary>
    public double HotPixelRateHz { get; init; } = 20;

    /// <summary>Standard deviation of the timestamp jitter in µs.</summary>
    public double JitterUs { get; init; } = 100;
}
