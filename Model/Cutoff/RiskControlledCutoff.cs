namespace EventSnn.Model.Cutoff;

/// <summary>
/// Top-K thresholds chosen by Learn-then-Test so that the accuracy lost to early exit stays within δ with a
/// stated probability. The loss of a calibration sample is 1 when the network is correct at T but its class at
/// the exit step is wrong; the risk is the expected loss over samples correct at T (the share of those that
/// early exit makes wrong). With probability at least <see cref="Confidence"/> over the draw of the calibration
/// split, the chosen thresholds have risk ≤ <see cref="Delta"/> on new samples from the same distribution.
/// </summary>
/// <param name="Delta">the risk bound δ the user asked for (a share in (0, 1)).</param>
/// <param name="Confidence">1 − α: the probability with which the bound holds.</param>
/// <param name="Lambda">the chosen member of the family β_t = λ·t (+∞: never exit before T).</param>
/// <param name="Thresholds">β_t = λ·t for t = 1..T (index t−1), in units of accumulated output.</param>
/// <param name="CalibrationSamples">samples of the calibration split.</param>
/// <param name="CorrectAtT">calibration samples correct at T (the samples the risk is measured on).</param>
/// <param name="Losses">calibration samples correct at T that the chosen thresholds make wrong.</param>
/// <param name="MinCertifiableDelta">the smallest δ this many samples can certify at this confidence (zero losses).</param>
/// <param name="Split">the split the thresholds were chosen on (never the test split).</param>
public sealed record RiskControlledThresholds(
    double Delta,
    double Confidence,
    double Lambda,
    double[] Thresholds,
    int CalibrationSamples,
    int CorrectAtT,
    int Losses,
    double MinCertifiableDelta,
    string Split);

/// <summary>
/// Risk-controlled calibration of the Top-K cutoff (Learn-then-Test, Angelopoulos et al. 2021, with fixed-sequence
/// testing). The family is one threshold per unit of time on the Top-1/Top-2 gap of the accumulated output,
/// <c>β_t(λ) = λ·t</c> (the gap of <c>Y(t)</c> grows about linearly with t), over a grid of λ fixed before the
/// calibration split is seen (it is derived from another output set, normally the training split). The grid is
/// tested from the most cautious λ downwards; each λ's null hypothesis "risk &gt; δ" is rejected with the exact
/// binomial p-value <c>P(Binomial(n, δ) ≤ losses)</c> at level α = 1 − confidence, and testing stops at the first
/// λ that cannot be rejected. Fixed-sequence testing controls the family-wise error at α whatever the order's
/// quality, so the guarantee needs no monotonicity of the risk in λ. Why this procedure: the loss is binary and
/// bounded, the family is one-dimensional and ordered by caution, and the binomial test is exact for it, so
/// the guarantee is distribution-free and holds for a finite calibration split; conformal risk control would
/// bound only the expected risk, not the risk itself with a stated probability.
/// </summary>
public static class RiskControlledCutoff
{
    /// <summary>Number of λ values in the default grid.</summary>
    public const int DefaultGridPoints = 200;

    /// <summary>
    /// The λ grid, most cautious first: <paramref name="points"/> values from the largest per-step gap <c>gap(t)/t</c>
    /// seen in <paramref name="shaping"/> down to 0 (equally spaced). Use outputs other than the calibration split's
    /// (the training split's), so the family is fixed before the calibration split is seen.
    /// </summary>
    public static double[] Grid(OutputSet shaping, int points = DefaultGridPoints)
    {
        if (points < 2) throw new ArgumentOutOfRangeException(nameof(points), "the grid needs at least two points");
        if (shaping.N == 0) throw new ArgumentException("the grid needs at least one shaping sample");
        double max = 0;
        for (int i = 0; i < shaping.N; i++)
        {
            float[] y = shaping.Accumulated(i);
            for (int t = 0; t < shaping.T; t++)
                max = Math.Max(max, OutputStatistics.Top2Gap(y.AsSpan(t * shaping.K, shaping.K)) / (t + 1));
        }
        var grid = new double[points];
        for (int j = 0; j < points; j++) grid[j] = max * (points - 1 - j) / (points - 1);
        return grid;
    }

    /// <summary>The smallest δ that <paramref name="n"/> calibration samples correct at T can certify: 1 − α^(1/n).</summary>
    public static double MinCertifiableDelta(int n, double confidence)
    {
        CheckConfidence(confidence);
        return n <= 0 ? 1.0 : 1 - Math.Pow(1 - confidence, 1.0 / n);
    }

    /// <summary>
    /// Chooses λ on <paramref name="calibration"/> (outputs of a held-out split, never the test split) for risk
    /// bound <paramref name="delta"/> at <paramref name="confidence"/>. When no λ of the grid can be certified the
    /// result is λ = +∞: never exit before T (risk 0).
    /// </summary>
    /// <param name="calibration">per-step outputs and labels of the calibration split.</param>
    /// <param name="delta">the risk bound δ in (0, 1).</param>
    /// <param name="confidence">the probability 1 − α in (0, 1) with which the bound holds.</param>
    /// <param name="grid">λ values, most cautious first (<see cref="Grid"/>).</param>
    /// <param name="split">name of the calibration split, recorded in the result.</param>
    public static RiskControlledThresholds Calibrate(OutputSet calibration, double delta, double confidence, IReadOnlyList<double> grid, string split = "validation")
    {
        if (!(delta > 0 && delta < 1)) throw new ArgumentOutOfRangeException(nameof(delta), $"δ must be in (0, 1), got {delta}");
        CheckConfidence(confidence);
        if (grid.Count == 0) throw new ArgumentException("the λ grid is empty");
        for (int j = 0; j < grid.Count; j++)
            if (!(grid[j] >= 0) || (j > 0 && grid[j] > grid[j - 1]))
                throw new ArgumentException("the λ grid must be finite, non-negative and ordered most cautious (largest) first");
        int T = calibration.T, K = calibration.K;

        // Per sample correct at T: its accumulated outputs, kept once.
        var kept = new List<float[]>();
        var labels = new List<long>();
        for (int i = 0; i < calibration.N; i++)
        {
            float[] y = calibration.Accumulated(i);
            if (OutputStatistics.Argmax(y.AsSpan((T - 1) * K, K)) == calibration.Labels[i]) { kept.Add(y); labels.Add(calibration.Labels[i]); }
        }
        int n = kept.Count;
        double alpha = 1 - confidence;
        double lambda = double.PositiveInfinity;
        int losses = 0;
        foreach (double candidate in grid)
        {
            int k = CountLosses(kept, labels, T, K, candidate);
            if (BinomialCdf(k, n, delta) > alpha) break;
            lambda = candidate;
            losses = k;
        }
        return new RiskControlledThresholds(delta, confidence, lambda, ThresholdsFor(lambda, T), calibration.N, n, losses,
            MinCertifiableDelta(n, confidence), split);
    }

    /// <summary>β_t = λ·t for t = 1..T (+∞ everywhere when λ is +∞).</summary>
    public static double[] ThresholdsFor(double lambda, int T)
    {
        var beta = new double[T];
        for (int t = 0; t < T; t++) beta[t] = double.IsPositiveInfinity(lambda) ? double.PositiveInfinity : lambda * (t + 1);
        return beta;
    }

    /// <summary>Samples (all correct at T) whose class at the first step with gap &gt; λ·t is wrong.</summary>
    private static int CountLosses(List<float[]> kept, List<long> labels, int T, int K, double lambda)
    {
        int losses = 0;
        for (int i = 0; i < kept.Count; i++)
        {
            float[] y = kept[i];
            for (int t = 1; t < T; t++)
            {
                var yt = y.AsSpan((t - 1) * K, K);
                if (OutputStatistics.Top2Gap(yt) > lambda * t)
                {
                    if (OutputStatistics.Argmax(yt) != labels[i]) losses++;
                    break;
                }
            }
        }
        return losses;
    }

    /// <summary>P(Binomial(n, p) ≤ k), summed in log space (exact for the n of a calibration split).</summary>
    public static double BinomialCdf(int k, int n, double p)
    {
        if (n < 0 || p < 0 || p > 1) throw new ArgumentOutOfRangeException(nameof(n));
        if (k < 0) return 0;
        if (k >= n) return 1;
        if (p == 0) return 1;
        if (p == 1) return 0;
        double logTerm = n * Math.Log(1 - p);          // log P(X = 0)
        double ratio = Math.Log(p) - Math.Log(1 - p);
        double logSum = logTerm;
        for (int i = 0; i < k; i++)
        {
            logTerm += Math.Log(n - i) - Math.Log(i + 1) + ratio;   // log P(X = i + 1)
            double hi = Math.Max(logSum, logTerm);
            logSum = hi + Math.Log(Math.Exp(logSum - hi) + Math.Exp(logTerm - hi));
        }
        return Math.Min(1.0, Math.Exp(logSum));
    }

    private static void CheckConfidence(double confidence)
    {
        if (!(confidence > 0 && confidence < 1)) throw new ArgumentOutOfRangeException(nameof(confidence), $"confidence must be in (0, 1), got {confidence}");
    }
}

/// <summary>The Top-K rule with risk-controlled thresholds (<see cref="RiskControlledCutoff"/>); the setting is δ.</summary>
public sealed class RiskControlledTopKPolicy : ICutoffPolicy
{
    private readonly double[] _beta;

    /// <param name="thresholds">the calibrated thresholds; their δ is reported as the setting.</param>
    public RiskControlledTopKPolicy(RiskControlledThresholds thresholds)
    {
        _beta = thresholds.Thresholds.ToArray();
        Setting = thresholds.Delta;
    }

    public CutoffPolicyKind Policy => CutoffPolicyKind.TopKRisk;
    public string Parameter => "delta";
    public double Setting { get; }
    public IReadOnlyList<double> Thresholds => _beta;

    public bool ShouldExit(ReadOnlySpan<float> accumulated, int t)
    {
        if (t < 1 || t > _beta.Length) throw new ArgumentOutOfRangeException(nameof(t), $"t={t} outside 1..{_beta.Length}");
        return OutputStatistics.Top2Gap(accumulated) > _beta[t - 1];
    }
}
