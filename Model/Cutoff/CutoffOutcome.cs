namespace EventSnn.Model.Cutoff;

/// <summary>
/// What one policy setting did to a labelled output set: per-sample exit step and class, and the summary
/// numbers the report plots. Steps are 1-based; the exit histogram is indexed by step − 1.
/// </summary>
public sealed record CutoffOutcome(
    CutoffPolicyKind Policy,
    string Parameter,
    double Setting,
    IReadOnlyList<double>? Thresholds,
    int T,
    int[] ExitSteps,
    int[] Predictions,
    bool[] Correct)
{
    /// <summary>Fraction of samples whose class at their exit step equals the label.</summary>
    public double Accuracy => Correct.Length == 0 ? double.NaN : Correct.Count(c => c) / (double)Correct.Length;

    /// <summary>Mean exit step over samples, in timesteps (1..T).</summary>
    public double MeanExitStep => ExitSteps.Length == 0 ? double.NaN : ExitSteps.Average();

    /// <summary><c>T / mean exit step</c> (METHOD.md §4.4: the ratio EventSnn reports as speed-up).</summary>
    public double Speedup => T / MeanExitStep;

    /// <summary>Number of samples exiting at each step; index t−1.</summary>
    public int[] ExitHistogram
    {
        get
        {
            var h = new int[T];
            foreach (int s in ExitSteps) h[s - 1]++;
            return h;
        }
    }
}
