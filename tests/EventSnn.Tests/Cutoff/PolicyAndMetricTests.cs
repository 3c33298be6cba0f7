using EventSnn.Model.Cutoff;
using EventSnn.Model.Evaluation;

namespace EventSnn.Tests.Cutoff;

public class PolicyAndMetricTests
{
    [Fact]
    public void AccuracyPerTimestepAndOctByHand()
    {
        var set = HandBuilt.ThreeSamples();
        // t1: s0 ✓ s1 ✗ s2 ✓; t2: s0 ✓ s1 ✓ s2 ✗.
        Assert.Equal([2 / 3.0, 2 / 3.0], TimestepMetrics.AccuracyPerTimestep(set));
        // s0 correct throughout → 1; s1 correct from 2 → 2; s2 wrong at T → T = 2.
        Assert.Equal([1, 2, 2], TimestepMetrics.Oct(set));
        Assert.Equal(5 / 3.0, TimestepMetrics.OctMean(set), 12);
    }

    [Fact]
    public void OctNeedsAnUnbrokenCorrectSuffix()
    {
        // T = 4, label 0, predictions ✓ ✗ ✓ ✓ → OCT 3 (the step itself counts, METHOD.md §4.2).
        var set = new OutputSet(1, 4, 2, [1, 0, /**/ 0, 2, /**/ 2, 0, /**/ 1, 0], [0]);
        Assert.Equal([1, 0, 1, 1], TimestepMetrics.AccuracyPerTimestep(set));
        Assert.Equal([3], TimestepMetrics.Oct(set));
    }

    [Fact]
    public void SoftmaxAndEntropyStatistics()
    {
        float ln3 = MathF.Log(3);
        Assert.Equal(0.75, OutputStatistics.MaxSoftmax([ln3, 0f]), 6);
        // H(0.75, 0.25) / ln 2 = 0.811278…
        double h = -(0.75 * Math.Log(0.75) + 0.25 * Math.Log(0.25)) / Math.Log(2);
        Assert.Equal(h, OutputStatistics.NormalisedEntropy([ln3, 0f]), 6);
        Assert.Equal(1.0, OutputStatistics.NormalisedEntropy([5f, 5f, 5f]), 12);
        // Temperature 2 on [2 ln3, 0] gives the same 0.75.
        Assert.Equal(0.75, OutputStatistics.MaxSoftmax([2 * ln3, 0f], 2.0), 6);
    }

    [Fact]
    public void SoftmaxEntropyAndFixedPoliciesExitWhereExpected()
    {
        // One sample, K = 2, label 0, O = [0.5,0], [0.6,0], [1,0]: Y1 = [.5,0] p = .622; Y2 = [1.1,0] p = .750; Y3 p = .891.
        var set = new OutputSet(1, 3, 2, [0.5f, 0, 0.6f, 0, 1f, 0], [0]);
        Assert.Equal([2], CutoffSimulator.Apply(set, new SoftmaxPolicy(0.7)).ExitSteps);
        Assert.Equal([1], CutoffSimulator.Apply(set, new SoftmaxPolicy(0.6)).ExitSteps);
        Assert.Equal([3], CutoffSimulator.Apply(set, new SoftmaxPolicy(0.99)).ExitSteps); // forced
        // Entropies: Y1 0.957, Y2 0.811, Y3 0.497 (normalised).
        Assert.Equal([2], CutoffSimulator.Apply(set, new EntropyPolicy(0.9)).ExitSteps);
        Assert.Equal([3], CutoffSimulator.Apply(set, new EntropyPolicy(0.6)).ExitSteps);
        Assert.Equal([2], CutoffSimulator.Apply(set, new FixedPolicy(2)).ExitSteps);
        Assert.Equal([3], CutoffSimulator.Apply(set, new FixedPolicy(9)).ExitSteps);
    }

    [Fact]
    public void ConformalCalibrationTakesTheRankedScore()
    {
        float ln3 = MathF.Log(3);
        // Scores −log(p_y + 1e-5): s0 p=.5, s1 p=.75, s2 p=.25. Sorted with +∞: [−log .75, −log .5, −log .25, ∞].
        var set = new OutputSet(3, 1, 2, [0, 0, ln3, 0, ln3, 0], [0, 0, 1]);
        double S(double p) => -Math.Log(p + 1e-5);
        Assert.Equal(S(0.5), ConformalCutoff.Calibrate(set, 0.5)[0], 6);   // ⌈0.5·4⌉ = 2nd smallest
        Assert.Equal(S(0.25), ConformalCutoff.Calibrate(set, 0.75)[0], 6); // ⌈3⌉ = 3rd
        Assert.True(double.IsPositiveInfinity(ConformalCutoff.Calibrate(set, 0.9)[0])); // ⌈3.6⌉ = 4th = +∞
        var policy = new ConformalPolicy([S(0.5) + 1e-9], 0.5);
        Assert.Equal(1, policy.SetSize([ln3, 0f], 1));  // class 0 (score .288) in, class 1 (1.386) out
        var wide = new ConformalPolicy([double.PositiveInfinity], 0.9);
        Assert.Equal(2, wide.SetSize([ln3, 0f], 1));
        Assert.False(wide.ShouldExit([ln3, 0f], 1));
    }

    [Fact]
    public void EqualAccuracyComparisonInterpolatesTheFrontier()
    {
        var curve = new[] { (2.0, 0.5), (4.0, 0.9), (3.0, 0.4), (6.0, 1.0) };
        // (3, 0.4) is beaten by (2, 0.5); halfway between 0.5 and 0.9 lies at 3 steps.
        Assert.Equal(3.0, ModelComparison.StepsAtAccuracy(curve, 0.7)!.Value, 12);
        Assert.Equal(2.0, ModelComparison.StepsAtAccuracy(curve, 0.3)!.Value, 12);
        Assert.Equal(6.0, ModelComparison.StepsAtAccuracy(curve, 1.0)!.Value, 12);
        Assert.Null(ModelComparison.StepsAtAccuracy(curve, 1.01));
    }

    [Fact]
    public void BadShapesAndLabelsAreRejected()
    {
        Assert.Throws<ArgumentException>(() => new OutputSet(2, 2, 2, new float[7], new long[2]));
        Assert.Throws<ArgumentException>(() => new OutputSet(1, 1, 2, new float[2], [2]));
    }
}
