using EventSnn.Pipeline.Binning;
using EventSnn.Pipeline.Flow;

namespace EventSnn.Pipeline;

/// <summary>Settings of a <see cref="StreamPipeline"/>.</summary>
public sealed record PipelineOptions
{
    /// <summary>How streams are cut into frames.</summary>
    public required OnlineBinningOptions Binning { get; init; }

    /// <summary>
    /// What the queues do when full. <see cref="DropPolicy.Wait"/> loses nothing (recorded replay; over TCP it
    /// slows the sender); a drop policy keeps the socket reader from ever waiting on the network stage.
    /// </summary>
    public DropPolicy Policy { get; init; } = DropPolicy.DropOldest;

    /// <summary>Batches the queue between the socket reader and the binner holds.</summary>
    public int IngressCapacity { get; init; } = 64;

    /// <summary>Closed bins the queue between the binner and the network stage holds.</summary>
    public int BinCapacity { get; init; } = 64;

    /// <summary>How the network stage batches streams, and how many it serves.</summary>
    public Network.ServingOptions Serving { get; init; } = new();
}
