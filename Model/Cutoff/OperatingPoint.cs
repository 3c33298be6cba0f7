namespace EventSnn.Model.Cutoff;

/// <summary>
/// An operating point: one policy setting, chosen on a calibration split, with what it did there.
/// <see cref="CalibrationAccuracy"/> and <see cref="CalibrationMeanTimesteps"/> are measured on the split it was
/// chosen on; figures on the test split belong to the evaluation, not to the choice.
/// </summary>
public sealed record OperatingPoint(CutoffPolicyKind Policy, double Setting, string Split, int Samples,
    double CalibrationAccuracy, double CalibrationAccuracyAtT, double CalibrationMeanTimesteps, string Rule);

/// <summary>Chooses an operating point among calibrated policies on held-out outputs.</summary>
public static class OperatingPointSelector
{
    /// <summary>
    /// The candidate with the fewest mean timesteps on <paramref name="calibration"/> among those that lose at most
    /// <paramref name="maxExtraErrors"/> samples there against classifying at T (ties: the more accurate, then the
    /// earlier candidate). Fixed-T classification (exit at T) is always a candidate, so a point always exists.
    /// </summary>
    public static OperatingPoint Choose(OutputSet calibration, IReadOnlyList<ICutoffPolicy> candidates, int maxExtraErrors = 1, string split = "validation")
    {
        if (calibration.N == 0) throw new ArgumentException("the calibration split is empty");
        var atT = CutoffSimulator.Apply(calibration, new FixedPolicy(calibration.T));
        int correctAtT = atT.Correct.Count(c => c);
        var best = (Policy: (ICutoffPolicy)new FixedPolicy(calibration.T), Outcome: atT);
        foreach (var p in candidates)
        {
            var o = CutoffSimulator.Apply(calibration, p);
            int correct = o.Correct.Count(c => c);
            if (correct < correctAtT - maxExtraErrors) continue;
            if (o.MeanExitStep < best.Outcome.MeanExitStep - 1e-12
                || (Math.Abs(o.MeanExitStep - best.Outcome.MeanExitStep) <= 1e-12 && o.Accuracy > best.Outcome.Accuracy))
                best = (p, o);
        }
        return new OperatingPoint(best.Policy.Policy, best.Policy.Setting, split, calibration.N, best.Outcome.Accuracy, atT.Accuracy,
            best.Outcome.MeanExitStep, $"fewest mean timesteps on the {split} split with at most {maxExtraErrors} more error(s) there than at T");
    }
}
