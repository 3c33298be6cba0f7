namespace EventSnn.Model.Cutoff;

/// <summary>
/// SpikeCP calibration (METHOD.md §2.5): per step t, the nonconformity scores
/// <c>−log(softmax(Y(t))_y + 1e-5)</c> of the calibration samples plus one +∞ are sorted and the
/// ⌈coverage·(n+1)⌉-th smallest (1-based) becomes the threshold s_t.
/// </summary>
public static class ConformalCutoff
{
    /// <summary>Coverage targets 1−α swept by default.</summary>
    public static IReadOnlyList<double> DefaultCoverages { get; } = [0.8, 0.85, 0.9, 0.95, 0.99];

    /// <summary>Score thresholds s_t for t = 1..T (index t−1); +∞ when the coverage needs the appended +∞.</summary>
    public static double[] Calibrate(OutputSet train, double coverage)
    {
        if (!(coverage > 0 && coverage < 1)) throw new ArgumentOutOfRangeException(nameof(coverage), "coverage must be in (0, 1)");
        if (train.N == 0) throw new ArgumentException("calibration needs at least one sample");
        int n = train.N, T = train.T, K = train.K;
        var scores = new double[T][];
        for (int t = 0; t < T; t++) { scores[t] = new double[n + 1]; scores[t][n] = double.PositiveInfinity; }
        var p = new double[K];
        for (int i = 0; i < n; i++)
        {
            float[] y = train.Accumulated(i);
            for (int t = 0; t < T; t++)
            {
                OutputStatistics.Softmax(y.AsSpan(t * K, K), 1.0, p);
                scores[t][i] = -Math.Log(p[train.Labels[i]] + ConformalPolicy.LogOffset);
            }
        }
        // 0-based rank ⌈c(n+1)⌉ − 1; the small tolerance keeps e.g. 0.9·10 = 9.000000000000002 from rounding up to 10.
        int rank = (int)Math.Ceiling(coverage * (n + 1) - 1e-9) - 1;
        rank = Math.Clamp(rank, 0, n);
        var result = new double[T];
        for (int t = 0; t < T; t++)
        {
            Array.Sort(scores[t]);
            result[t] = scores[t][rank];
        }
        return result;
    }
}
