namespace EventSnn.Model.Cutoff;

/// <summary>
/// Confidence exit (SEENN-I / Dynamic Confidence style): exit when <c>max softmax(Y(t) / temperature)</c>
/// exceeds a fixed threshold. No calibration.
/// </summary>
public sealed class SoftmaxPolicy(double threshold, double temperature = 1.0) : ICutoffPolicy
{
    /// <summary>Softmax temperature applied to the accumulated output (1 = plain softmax).</summary>
    public double Temperature { get; } = temperature > 0 ? temperature : throw new ArgumentOutOfRangeException(nameof(temperature));

    public CutoffPolicyKind Policy => CutoffPolicyKind.Softmax;
    public string Parameter => "threshold";
    public double Setting { get; } = threshold;
    public IReadOnlyList<double>? Thresholds => null;

    public bool ShouldExit(ReadOnlySpan<float> accumulated, int t) =>
        OutputStatistics.MaxSoftmax(accumulated, Temperature) > Setting;
}
