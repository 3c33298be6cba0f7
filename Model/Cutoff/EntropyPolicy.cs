namespace EventSnn.Model.Cutoff;

/// <summary>
/// Uncertainty exit (DT-SNN style): exit when the entropy of softmax(<c>Y(t)</c> / temperature), divided by
/// ln K so it lies in [0, 1], falls below a threshold. No calibration.
/// </summary>
public sealed class EntropyPolicy(double threshold, double temperature = 1.0) : ICutoffPolicy
{
    /// <summary>Softmax temperature applied before the entropy (1 = plain softmax).</summary>
    public double Temperature { get; } = temperature > 0 ? temperature : throw new ArgumentOutOfRangeException(nameof(temperature));

    public CutoffPolicyKind Policy => CutoffPolicyKind.Entropy;
    public string Parameter => "threshold";
    public double Setting { get; } = threshold;
    public IReadOnlyList<double>? Thresholds => null;

    public bool ShouldExit(ReadOnlySpan<float> accumulated, int t) =>
        OutputStatistics.NormalisedEntropy(accumulated, Temperature) < Setting;
}
