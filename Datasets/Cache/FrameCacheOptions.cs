namespace EventSnn.Datasets;

/// <summary>Options of <see cref="FrameCache"/>.</summary>
public sealed record FrameCacheOptions
{
    /// <summary>A cache file up to this many bytes of frames is loaded whole into memory; larger ones are read per sample (default 1 GiB).</summary>
    public long MaxInMemoryBytes { get; init; } = 1L << 30;

    /// <summary>How long to wait for another process that is building the same cache file (default 1 hour).</summary>
    public TimeSpan LockTimeout { get; init; } = TimeSpan.FromHours(1);

    /// <summary>The defaults.</summary>
    public static FrameCacheOptions Default { get; } = new();
}
