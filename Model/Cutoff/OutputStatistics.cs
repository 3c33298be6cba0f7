namespace EventSnn.Model.Cutoff;

/// <summary>
/// Statistics of one accumulated output vector <c>Y(t)</c> that cutoff rules compare against thresholds.
/// Ties resolve to the lowest class index, like <c>torch.argmax</c>.
/// </summary>
public static class OutputStatistics
{
    /// <summary>Index of the largest entry (first one on ties).</summary>
    public static int Argmax(ReadOnlySpan<float> y)
    {
        int best = 0;
        for (int k = 1; k < y.Length; k++) if (y[k] > y[best]) best = k;
        return best;
    }

    /// <summary>Top-K gap: largest minus second-largest entry (METHOD.md §2.1; needs at least two classes).</summary>
    public static double Top2Gap(ReadOnlySpan<float> y)
    {
        if (y.Length < 2) throw new ArgumentException("the top-1 minus top-2 gap needs at least two classes");
        float a = float.NegativeInfinity, b = float.NegativeInfinity;
        foreach (float v in y)
        {
            if (v > a) { b = a; a = v; }
            else if (v > b) b = v;
        }
        return (double)a - b;
    }

    /// <summary>Softmax of <c>y / temperature</c> into <paramref name="p"/> (double precision, max-shifted).</summary>
    public static void Softmax(ReadOnlySpan<float> y, double temperature, Span<double> p)
    {
        if (!(temperature > 0)) throw new ArgumentOutOfRangeException(nameof(temperature), "temperature must be > 0");
        double max = double.NegativeInfinity;
        foreach (float v in y) max = Math.Max(max, v / temperature);
        double sum = 0;
        for (int k = 0; k < y.Length; k++) { p[k] = Math.Exp(y[k] / temperature - max); sum += p[k]; }
        for (int k = 0; k < y.Length; k++) p[k] /= sum;
    }

    /// <summary>Largest softmax probability of <c>y / temperature</c>.</summary>
    public static double MaxSoftmax(ReadOnlySpan<float> y, double temperature = 1.0)
    {
        Span<double> p = y.Length <= 256 ? stackalloc double[y.Length] : new double[y.Length];
        Softmax(y, temperature, p);
        double m = 0;
        foreach (double v in p) m = Math.Max(m, v);
        return m;
    }

    /// <summary>
    /// Entropy of softmax(<c>y / temperature</c>) divided by ln K, in [0, 1]: 0 = one-hot, 1 = uniform.
    /// </summary>
    public static double NormalisedEntropy(ReadOnlySpan<float> y, double temperature = 1.0)
    {
        if (y.Length < 2) return 0;
        Span<double> p = y.Length <= 256 ? stackalloc double[y.Length] : new double[y.Length];
        Softmax(y, temperature, p);
        double h = 0;
        foreach (double v in p) if (v > 0) h -= v * Math.Log(v);
        return h / Math.Log(y.Length);
    }
}
