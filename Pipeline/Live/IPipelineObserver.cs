using EventSnn.Pipeline.Binning;

namespace EventSnn.Pipeline.Live;

/// <summary>
/// Watches a running pipeline without taking part in it (a live page, a recorder). Called on the network
/// stage's thread: implementations must return within microseconds and never wait (copy what they need,
/// skip what they cannot take now). Decisions are observed through <see cref="StreamPipeline.Decisions"/>.
/// </summary>
public interface IPipelineObserver
{
    /// <summary>
    /// The network stage has stepped on <paramref name="bin"/> (valid only during the call: copy, do not keep).
    /// </summary>
    /// <param name="bin">The bin just classified; its frame is released after the call.</param>
    /// <param name="step">1-based timestep t of the current classification of the bin's stream.</param>
    /// <param name="accumulated">The accumulated output Y(t), one value per class (empty when no model runs).</param>
    void Stepped(EventBin bin, int step, ReadOnlySpan<float> accumulated);
}
