namespace EventSnn.Pipeline.Network;

/// <summary>
/// A stateful classifier stepped one bin at a time, holding its own state between calls (a stand-in for a network;
/// a spiking network's state lives in <see cref="SpikingNetworkBatch"/>'s slots instead). One instance serves one stream; every call for it is made on the
/// network stage's thread (TorchSharp's dispose scopes are thread-static).
/// </summary>
public interface IStreamClassifier : IDisposable
{
    /// <summary>
    /// Steps on one frame <c>[2, Height, Width]</c> (channel 0 = OFF, 1 = ON, counts) and writes the per-step
    /// output O(t), one value per class (not accumulated), into <paramref name="output"/>.
    /// </summary>
    void Step(ReadOnlySpan<float> frame, Span<float> output);

    /// <summary>Returns the state to its initial value (before the first step of a new classification).</summary>
    void Reset();
}

/// <summary>What the network stage needs to know about a model: its classes, input size and time budget.</summary>
/// <param name="ClassNames">Label names, one per output; the count is the number of classes K.</param>
/// <param name="Timesteps">Most timesteps T of one classification: at T a decision is made whatever the cutoff says.</param>
/// <param name="Height">Input frame height in pixels.</param>
/// <param name="Width">Input frame width in pixels.</param>
public sealed record ClassifierInfo(IReadOnlyList<string> ClassNames, int Timesteps, int Height, int Width)
{
    /// <summary>Number of classes K.</summary>
    public int Classes => ClassNames.Count;
}

/// <summary>
/// Makes one classifier per stream, for classifiers that hold their own state (stand-ins, tests); the pipeline serves
/// them through <see cref="PerStreamClassifiers"/>. A spiking network is served by one <see cref="SpikingNetworkBatch"/>
/// instead. <see cref="Create"/> is called on the network stage's thread.
/// </summary>
public interface IStreamClassifierFactory
{
    /// <summary>The model's classes, input size and T.</summary>
    ClassifierInfo Info { get; }

    /// <summary>A classifier with fresh state for a new stream.</summary>
    IStreamClassifier Create();
}

/// <summary>
/// The online cutoff: given the accumulated output Y(t) = Σ O(1..t) (one value per class) after step
/// <paramref name="t"/> (1-based), says whether to decide now.
/// </summary>
public delegate bool ExitRule(ReadOnlySpan<float> accumulated, int t);
