using EventSnn.Model.Cutoff;

namespace EventSnn.Tests.Cutoff;

public class TopKCalibrationTests
{
    [Fact]
    public void ConfidenceTableMatchesHandComputation()
    {
        // G = 4, B = 4 → β = [0, 1, 2, 3]. Stay-correct: t1 [1,0,0], t2 [1,1,0].
        var table = TopKCutoff.ConfidenceTable(HandBuilt.ThreeSamples(), bins: 4);
        Assert.Equal(4.0, table.MaxGap);
        Assert.Equal([0.0, 1.0, 2.0, 3.0], table.Beta);
        // t1 gaps [2,1,4]: β0 all 3 (1 stays) → 1/3; β1 {2,4} → 1/2; β2 {4} → 0; β3 forced 1.
        Assert.Equal(1 / 3.0, table.Conf[0, 0], 12);
        Assert.Equal(0.5, table.Conf[1, 0], 12);
        Assert.Equal(0.0, table.Conf[2, 0], 12);
        Assert.Equal(1.0, table.Conf[3, 0], 12);
        // t2 gaps [3,2,4]: β0, β1 all 3 (2 stay) → 2/3; β2 {3,4} → 1/2; β3 forced 1 though its true value is 0/1.
        Assert.Equal(2 / 3.0, table.Conf[0, 1], 12);
        Assert.Equal(2 / 3.0, table.Conf[1, 1], 12);
        Assert.Equal(0.5, table.Conf[2, 1], 12);
        Assert.Equal(1.0, table.Conf[3, 1], 12);
        Assert.Equal(1, table.Above[3, 1]);
        Assert.Equal(0, table.AboveAndStayCorrect[3, 1]);
    }

    [Theory]
    [InlineData(0.0, 3.0, 3.0)]    // only the forced last bin reaches 1
    [InlineData(0.34, 3.0, 0.0)]   // t2: 2/3 ≥ 0.66 at β0; t1 never reaches 0.66 before the last bin
    [InlineData(0.5, 1.0, 0.0)]    // t1: 1/2 at β1
    [InlineData(0.7, 0.0, 0.0)]    // t1: 1/3 ≥ 0.3 at β0
    public void ThresholdIsFirstBinWithConfidenceAtLeastOneMinusEpsilon(double eps, double beta1, double beta2)
    {
        var table = TopKCutoff.ConfidenceTable(HandBuilt.ThreeSamples(), bins: 4);
        Assert.Equal([beta1, beta2], TopKCutoff.Thresholds(table, eps));
    }

    [Fact]
    public void HundredBinsSpanZeroToTheLargestGap()
    {
        // B = 100, G = 4: β_m = 0.04·m. t1: conf 1/3 for β < 1, 1/2 for 1 ≤ β < 2, 0 above; forced 1 at m = 99.
        var cal = TopKCutoff.Calibrate(HandBuilt.ThreeSamples(), 0.5);
        Assert.Equal(100, cal.Bins);
        Assert.Equal(4.0, cal.MaxGap);
        Assert.Equal(0.5, cal.Epsilon);
        Assert.Equal(1.0, cal.Thresholds[0], 12); // m = 25
        Assert.Equal(0.0, cal.Thresholds[1], 12);
        var zero = cal.TopK.Single(k => k.Epsilon == 0);
        Assert.Equal(3.96, zero.Thresholds[0], 12);   // m = 99, the forced bin
        Assert.Equal(3.96, zero.Thresholds[1], 12);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => i / 100.0).Append(0.5), cal.TopK.Select(k => k.Epsilon));
    }

    [Fact]
    public void EmptyBinsAreNaNAndNeverChosen()
    {
        // One sample, label 1, wrong at both steps; gaps 1 and 4 → G = 4, β = [0,1,2,3].
        // t1: β0 → 0/1 = 0; β1, β2: no gap > β → NaN; β3 forced 1. Even at ε = 0.99 the NaN bins must not qualify.
        var set = new OutputSet(1, 2, 2, [1, 0, 3, 0], [1]);
        var table = TopKCutoff.ConfidenceTable(set, bins: 4);
        Assert.Equal(0.0, table.Conf[0, 0]);
        Assert.True(double.IsNaN(table.Conf[1, 0]));
        Assert.True(double.IsNaN(table.Conf[2, 0]));
        Assert.Equal([3.0, 3.0], TopKCutoff.Thresholds(table, 0.99));
    }

    [Fact]
    public void ExitRuleUsesStrictGreaterAndForcesTheLastStep()
    {
        var set = HandBuilt.ThreeSamples();
        // β = [3, 3]: s0 gap 2 then forced at 2 (✓); s1 forced at 2 (✓); s2 gap 4 > 3 exits at 1 (class 2 ✓).
        var o = CutoffSimulator.Apply(set, new TopKPolicy([3.0, 3.0], 0));
        Assert.Equal([2, 2, 1], o.ExitSteps);
        Assert.Equal([0, 1, 2], o.Predictions);
        Assert.Equal(1.0, o.Accuracy);
        Assert.Equal(5 / 3.0, o.MeanExitStep, 12);
        Assert.Equal(1.2, o.Speedup, 12);
        Assert.Equal([1, 2], o.ExitHistogram);
        // β = [2, 0]: s0 gap 2 is not > 2, so it waits; s2 still exits at 1.
        var strict = CutoffSimulator.Apply(set, new TopKPolicy([2.0, 0.0], 0));
        Assert.Equal([2, 2, 1], strict.ExitSteps);
        // β = [1, 0]: s0 exits at 1, s1 (gap 1, not > 1) at 2, s2 at 1; all correct.
        var early = CutoffSimulator.Apply(set, new TopKPolicy([1.0, 0.0], 0.5));
        Assert.Equal([1, 2, 1], early.ExitSteps);
        Assert.Equal(4 / 3.0, early.MeanExitStep, 12);
        // β = [0, 0] lets s1 exit at 1 with the wrong class 0: accuracy 2/3.
        var eager = CutoffSimulator.Apply(set, new TopKPolicy([0.0, 0.0], 0.9));
        Assert.Equal([1, 1, 1], eager.ExitSteps);
        Assert.Equal(2 / 3.0, eager.Accuracy, 12);
    }

    [Fact]
    public void OnlinePolicyAgreesWithCalibrationFile()
    {
        string dir = Fixtures.TempDir();
        try
        {
            var cal = CutoffCalibrator.Calibrate(HandBuilt.ThreeSamples(), new CalibrationSettings(), dropout: 0.3, seed: 7, model: "m.ckpt");
            string path = CutoffCalibration.PathFor(Path.Combine(dir, "m.ckpt"));
            cal.Save(path);
            var back = CutoffCalibration.Load(path);
            Assert.Equal(cal.Thresholds, back.Thresholds);
            Assert.Equal(0.3, back.Dropout);
            Assert.Equal(7, back.Seed);
            Assert.Equal(cal.TopK.Count, back.TopK.Count);
            Assert.Equal(cal.Conformal.Select(c => c.Thresholds), back.Conformal.Select(c => c.Thresholds));
            var policy = CutoffPolicies.FromCalibration(back);
            // Streaming use: feed the running sum of s2; gap 4 > 3.96 at t = 1.
            Assert.True(policy.ShouldExit([0f, 0f, 4f], 1));
            Assert.False(policy.ShouldExit([2f, 0f, 0f], 1));
            File.WriteAllText(path, "{\"t\": 2, \"thresholds\": [1]}");
            Assert.Throws<InvalidDataException>(() => CutoffCalibration.Load(path));
        }
        finally { Directory.Delete(dir, true); }
    }
}
