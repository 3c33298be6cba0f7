using EventSnn.Model.Cutoff;

namespace EventSnn.Model.Evaluation;

/// <summary>Mean timesteps two models need at equal accuracy, read off one policy's curve of each.</summary>
public sealed record EqualAccuracyPoint(double Accuracy, double? StepsA, double? StepsB)
{
    /// <summary>StepsB − StepsA (negative: model B exits earlier), or null if a curve does not reach the accuracy.</summary>
    public double? Difference => StepsA is double a && StepsB is double b ? b - a : null;
}

/// <summary>Compares accuracy-vs-mean-timesteps curves (METHOD.md §2.4) of two models.</summary>
public static class ModelComparison
{
    /// <summary>
    /// Fewest mean timesteps at which a curve reaches <paramref name="accuracy"/>: the curve is reduced to its
    /// frontier (points not beaten by one with fewer steps), and the target is interpolated linearly between
    /// the last frontier point below it and the first at or above it. Null when no point reaches it.
    /// </summary>
    public static double? StepsAtAccuracy(IEnumerable<(double Steps, double Accuracy)> curve, double accuracy)
    {
        var frontier = new List<(double Steps, double Accuracy)>();
        foreach (var p in curve.OrderBy(p => p.Steps).ThenByDescending(p => p.Accuracy))
            if (frontier.Count == 0 || p.Accuracy > frontier[^1].Accuracy) frontier.Add(p);
        for (int i = 0; i < frontier.Count; i++)
        {
            if (frontier[i].Accuracy + 1e-12 < accuracy) continue;
            if (i == 0) return frontier[0].Steps;
            var (s0, a0) = frontier[i - 1];
            var (s1, a1) = frontier[i];
            return s0 + (accuracy - a0) / (a1 - a0) * (s1 - s0);
        }
        return null;
    }

    /// <summary>The (mean timesteps, accuracy) points of one policy family.</summary>
    public static IReadOnlyList<(double Steps, double Accuracy)> Curve(EvaluationResult r, CutoffPolicyKind policy) =>
        r.Cutoffs.Where(c => c.Policy == policy).Select(c => (c.MeanTimesteps, c.Accuracy)).ToList();

    /// <summary>
    /// Steps of both models at each target accuracy on the <paramref name="policy"/> curves. Default targets:
    /// the lower of the two ε = 0 Top-K accuracies (which both curves reach), then the accuracies of model A's points.
    /// </summary>
    public static IReadOnlyList<EqualAccuracyPoint> Compare(EvaluationResult a, EvaluationResult b, CutoffPolicyKind policy = CutoffPolicyKind.TopK, IEnumerable<double>? targets = null)
    {
        var ca = Curve(a, policy);
        var cb = Curve(b, policy);
        if (targets == null)
        {
            var list = new List<double>();
            var a0 = a.Find(policy, 0); var b0 = b.Find(policy, 0);
            if (a0 != null && b0 != null) list.Add(Math.Min(a0.Accuracy, b0.Accuracy));
            list.AddRange(ca.Select(p => p.Accuracy).Concat(cb.Select(p => p.Accuracy)).Distinct().OrderDescending());
            targets = list.Distinct();
        }
        return targets.Select(t => new EqualAccuracyPoint(t, StepsAtAccuracy(ca, t), StepsAtAccuracy(cb, t))).ToList();
    }
}
