namespace EventSnn.Pipeline.Network;

/// <summary>How the network stage serves many streams with one model (a sequence batcher).</summary>
public sealed record ServingOptions
{
    /// <summary>Most streams stepped together in one network step (the batch B of <c>[B, 2, H, W]</c>).</summary>
    public int MaxBatch { get; init; } = 64;

    /// <summary>
    /// Most streams served at once. A new stream beyond it is refused (a <c>stream_refused</c> notice; its events are
    /// counted as dropped), so a flood of sender addresses cannot grow memory. Also the most state slots the model holds.
    /// </summary>
    public int MaxStreams { get; init; } = 256;

    /// <summary>A stream without events for this long is evicted: its bin state and state slot are freed (a notice says so). Zero: never.</summary>
    public TimeSpan StreamIdle { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Most closed bins the stage holds in its per-stream queues (beyond them, bins wait in the queue before the stage, under its drop policy).</summary>
    public int MaxPendingBins { get; init; } = 256;

    /// <summary>Throws <see cref="ArgumentException"/> naming a setting outside its domain.</summary>
    public void Validate()
    {
        if (MaxBatch < 1) throw new ArgumentException($"--max-batch {MaxBatch} must be at least 1");
        if (MaxStreams < 1) throw new ArgumentException($"--max-streams {MaxStreams} must be at least 1");
        if (StreamIdle < TimeSpan.Zero) throw new ArgumentException("--stream-idle-s must not be negative");
        if (MaxPendingBins < 1) throw new ArgumentException("the stage must be able to hold at least one pending bin");
    }
}
