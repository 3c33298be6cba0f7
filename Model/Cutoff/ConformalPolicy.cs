namespace EventSnn.Model.Cutoff;

/// <summary>
/// SpikeCP rule (METHOD.md §2.5): at step t the prediction set is
/// <c>{k : −log(softmax(Y(t))_k + 1e-5) &lt; s_t}</c>; exit when the set holds at most
/// <see cref="MaxSetSize"/> classes. Thresholds <c>s_t</c> come from <see cref="ConformalCutoff.Calibrate"/>.
/// </summary>
public sealed class ConformalPolicy : ICutoffPolicy
{
    /// <summary>The 1e-5 added inside the log of the nonconformity score, as in the reference.</summary>
    public const double LogOffset = 1e-5;

    private readonly double[] _scoreThresholds;

    /// <param name="scoreThresholds">s_t for t = 1..T (index t−1); +∞ allowed.</param>
    /// <param name="coverage">the target coverage 1−α they were calibrated for (reported as the setting).</param>
    /// <param name="maxSetSize">largest prediction set that still exits (the reference uses 1).</param>
    public ConformalPolicy(IReadOnlyList<double> scoreThresholds, double coverage, int maxSetSize = 1)
    {
        _scoreThresholds = scoreThresholds.ToArray();
        Setting = coverage;
        MaxSetSize = maxSetSize;
    }

    /// <summary>Largest prediction-set size at which the sample exits.</summary>
    public int MaxSetSize { get; }

    public CutoffPolicyKind Policy => CutoffPolicyKind.Conformal;
    public string Parameter => "coverage";
    public double Setting { get; }
    public IReadOnlyList<double> Thresholds => _scoreThresholds;

    /// <summary>Number of classes in the prediction set at 1-based step t.</summary>
    public int SetSize(ReadOnlySpan<float> accumulated, int t)
    {
        if (t < 1 || t > _scoreThresholds.Length) throw new ArgumentOutOfRangeException(nameof(t), $"t={t} outside 1..{_scoreThresholds.Length}");
        Span<double> p = accumulated.Length <= 256 ? stackalloc double[accumulated.Length] : new double[accumulated.Length];
        OutputStatistics.Softmax(accumulated, 1.0, p);
        int size = 0;
        foreach (double pk in p) if (-Math.Log(pk + LogOffset) < _scoreThresholds[t - 1]) size++;
        return size;
    }

    public bool ShouldExit(ReadOnlySpan<float> accumulated, int t) => SetSize(accumulated, t) <= MaxSetSize;
}
