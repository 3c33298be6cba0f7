using EventSnn.Model.Cutoff;

namespace EventSnn.Model.Evaluation;

/// <summary>Label-using metrics over every timestep (METHOD.md §4.1–4.2).</summary>
public static class TimestepMetrics
{
    /// <summary>Whether <c>argmax Y(t)</c> equals the label, as <c>[N, T]</c>.</summary>
    public static bool[,] CorrectPerStep(OutputSet set)
    {
        var c = new bool[set.N, set.T];
        for (int i = 0; i < set.N; i++)
        {
            float[] y = set.Accumulated(i);
            for (int t = 0; t < set.T; t++) c[i, t] = OutputStatistics.Argmax(y.AsSpan(t * set.K, set.K)) == set.Labels[i];
        }
        return c;
    }

    /// <summary><c>acc(t)</c> for t = 1..T (index t−1): share of samples with <c>argmax Y(t)</c> = label.</summary>
    public static double[] AccuracyPerTimestep(OutputSet set)
    {
        var c = CorrectPerStep(set);
        var acc = new double[set.T];
        for (int t = 0; t < set.T; t++)
        {
            int k = 0;
            for (int i = 0; i < set.N; i++) if (c[i, t]) k++;
            acc[t] = set.N == 0 ? double.NaN : k / (double)set.N;
        }
        return acc;
    }

    /// <summary>
    /// Optimal cutoff timestep per sample (1-based): the earliest t from which the prediction is correct at
    /// every step up to T; T for samples wrong at T (the stay-correct product with s_T forced to 1).
    /// </summary>
    public static int[] Oct(OutputSet set)
    {
        var c = CorrectPerStep(set);
        var oct = new int[set.N];
        for (int i = 0; i < set.N; i++)
        {
            int first = set.T; // 1-based; s_T forced to 1, so T when wrong at T
            for (int t = set.T - 2; t >= 0 && c[i, t] && c[i, set.T - 1]; t--) first = t + 1;
            // first now holds the earliest 1-based step whose whole suffix is correct (or T).
            oct[i] = first;
        }
        return oct;
    }

    /// <summary>Mean OCT over the samples.</summary>
    public static double OctMean(OutputSet set) => set.N == 0 ? double.NaN : Oct(set).Average();
}
