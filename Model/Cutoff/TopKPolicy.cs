namespace EventSnn.Model.Cutoff;

/// <summary>
/// The method's rule (METHOD.md §2.3): exit at the first t with <c>Top1(Y(t)) − Top2(Y(t)) &gt; β_t</c>.
/// </summary>
public sealed class TopKPolicy : ICutoffPolicy
{
    private readonly double[] _beta;

    /// <param name="thresholds">β_t for t = 1..T (index t−1), in units of accumulated output.</param>
    /// <param name="epsilon">the ε they were calibrated for (reported as the setting).</param>
    public TopKPolicy(IReadOnlyList<double> thresholds, double epsilon)
    {
        _beta = thresholds.ToArray();
        Setting = epsilon;
    }

    public CutoffPolicyKind Policy => CutoffPolicyKind.TopK;
    public string Parameter => "epsilon";
    public double Setting { get; }
    public IReadOnlyList<double> Thresholds => _beta;

    public bool ShouldExit(ReadOnlySpan<float> accumulated, int t)
    {
        if (t < 1 || t > _beta.Length) throw new ArgumentOutOfRangeException(nameof(t), $"t={t} outside 1..{_beta.Length}");
        return OutputStatistics.Top2Gap(accumulated) > _beta[t - 1];
    }
}
