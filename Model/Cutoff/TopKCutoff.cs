namespace EventSnn.Model.Cutoff;

/// <summary>
/// The confidence table of the Top-K calibration (METHOD.md §2.2): bin edges β_m = m·G/B for m = 0..B−1 with
/// G the largest gap over all samples and steps, and <c>Conf[m, t]</c> = share of samples with gap &gt; β_m at
/// step t that stay correct from t to T (NaN when no sample's gap exceeds β_m). The last bin row is forced to 1.
/// </summary>
public sealed record TopKConfidenceTable(double MaxGap, double[] Beta, double[,] Conf, int[,] Above, int[,] AboveAndStayCorrect)
{
    /// <summary>Number of bins B.</summary>
    public int Bins => Beta.Length;

    /// <summary>Number of timesteps T.</summary>
    public int T => Conf.GetLength(1);
}

/// <summary>Top-K cutoff calibration on a training output set, exactly METHOD.md §2.2 steps 1–6.</summary>
public static class TopKCutoff
{
    /// <summary>Bin count of the reference implementation.</summary>
    public const int DefaultBins = 100;

    /// <summary>The ε sweep of the reference scripts: 0, 0.01, …, 0.09.</summary>
    public static IReadOnlyList<double> DefaultEpsilons { get; } = Enumerable.Range(0, 10).Select(i => i / 100.0).ToArray();

    /// <summary>Builds the confidence table (steps 1–5) from per-step outputs of the calibration samples.</summary>
    public static TopKConfidenceTable ConfidenceTable(OutputSet train, int bins = DefaultBins)
    {
        if (bins < 1) throw new ArgumentOutOfRangeException(nameof(bins));
        if (train.N == 0) throw new ArgumentException("calibration needs at least one sample");
        int n = train.N, T = train.T, K = train.K;
        var gap = new double[n, T];
        var stay = new bool[n, T];
        double g = 0;
        for (int i = 0; i < n; i++)
        {
            float[] y = train.Accumulated(i);
            var correct = new bool[T];
            for (int t = 0; t < T; t++)
            {
                var yt = y.AsSpan(t * K, K);
                gap[i, t] = OutputStatistics.Top2Gap(yt);
                correct[t] = OutputStatistics.Argmax(yt) == train.Labels[i];
                g = Math.Max(g, gap[i, t]);
            }
            // s_T = c_T; s_t = c_t · s_{t+1}: correct at every step from t to T.
            bool s = true;
            for (int t = T - 1; t >= 0; t--) { s &= correct[t]; stay[i, t] = s; }
        }
        var beta = new double[bins];
        for (int m = 0; m < bins; m++) beta[m] = m * g / bins;
        var above = new int[bins, T];
        var good = new int[bins, T];
        var conf = new double[bins, T];
        for (int m = 0; m < bins; m++)
            for (int t = 0; t < T; t++)
            {
                int a = 0, c = 0;
                for (int i = 0; i < n; i++)
                    if (gap[i, t] > beta[m]) { a++; if (stay[i, t]) c++; }
                above[m, t] = a; good[m, t] = c;
                conf[m, t] = a == 0 ? double.NaN : c / (double)a;
            }
        // The reference forces the last β bin (not the last timestep) to full confidence, so a threshold always exists.
        for (int t = 0; t < T; t++) conf[bins - 1, t] = 1.0;
        return new TopKConfidenceTable(g, beta, conf, above, good);
    }

    /// <summary>Step 6: β*_t = β of the first bin m with Conf[m, t] ≥ 1 − ε (NaN never qualifies).</summary>
    public static double[] Thresholds(TopKConfidenceTable table, double epsilon)
    {
        if (epsilon < 0 || epsilon >= 1) throw new ArgumentOutOfRangeException(nameof(epsilon), "ε must be in [0, 1)");
        var result = new double[table.T];
        for (int t = 0; t < table.T; t++)
        {
            int m = 0;
            while (!(table.Conf[m, t] >= 1 - epsilon)) m++;
            result[t] = table.Beta[m];
        }
        return result;
    }

    /// <summary>
    /// Calibrates β_t for <paramref name="epsilon"/> and for every ε in <paramref name="sweep"/>
    /// (default <see cref="DefaultEpsilons"/>). Conformal thresholds are not included; see <see cref="CutoffCalibrator"/>.
    /// </summary>
    public static CutoffCalibration Calibrate(OutputSet train, double epsilon, IReadOnlyList<double>? sweep = null, int bins = DefaultBins)
    {
        var table = ConfidenceTable(train, bins);
        var eps = (sweep ?? DefaultEpsilons).Append(epsilon).Distinct().Order().ToArray();
        return new CutoffCalibration
        {
            T = train.T,
            Classes = train.K,
            Samples = train.N,
            Bins = bins,
            MaxGap = table.MaxGap,
            Epsilon = epsilon,
            Thresholds = Thresholds(table, epsilon),
            TopK = eps.Select(e => new TopKThresholds(e, Thresholds(table, e))).ToList(),
        };
    }
}
