using EventSnn.Model;
using EventSnn.Model.Cutoff;

namespace EventSnn.Tests.Cutoff;

/// <summary>
/// The risk-controlled Top-K calibration checked where the truth is known: synthetic per-step outputs from a fixed
/// generator, the true risk of every λ measured on a large population, and many independent calibration splits.
/// </summary>
public class RiskControlledCutoffTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const int T = 8, K = 4;

    /// <summary>
    /// Outputs whose evidence for the true class grows with t, and where a third of the samples first lean towards
    /// a decoy class that fades: exiting on a small gap early is sometimes wrong although the sample is right at T.
    /// </summary>
    private static OutputSet Generate(int n, Random rng)
    {
        var o = new float[n * T * K];
        var labels = new long[n];
        for (int i = 0; i < n; i++)
        {
            int y = rng.Next(K);
            int decoy = (y + 1 + rng.Next(K - 1)) % K;
            bool misleading = rng.NextDouble() < 0.35;
            double strength = 0.3 + rng.NextDouble();
            labels[i] = y;
            for (int t = 0; t < T; t++)
                for (int k = 0; k < K; k++)
                {
                    double v = Gaussian(rng);
                    if (k == y) v += strength * (t + 1) / 2.0;
                    if (misleading && k == decoy && t < 3) v += 2.5 * (3 - t);
                    o[(i * T + t) * K + k] = (float)v;
                }
        }
        return new OutputSet(n, T, K, o, labels);
    }

    private static double Gaussian(Random rng) =>
        Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    /// <summary>Risk of thresholds β_t = λ·t on a set: share of its samples correct at T that they make wrong.</summary>
    private static double RiskOf(OutputSet set, double lambda)
    {
        var outcome = CutoffSimulator.Apply(set, new TopKPolicy(RiskControlledCutoff.ThresholdsFor(lambda, T), 0));
        int correctAtT = 0, lost = 0;
        for (int i = 0; i < set.N; i++)
        {
            float[] y = set.Accumulated(i);
            if (OutputStatistics.Argmax(y.AsSpan((T - 1) * K, K)) != set.Labels[i]) continue;
            correctAtT++;
            if (!outcome.Correct[i]) lost++;
        }
        return correctAtT == 0 ? 0 : lost / (double)correctAtT;
    }

    [Fact]
    public void TheBoundHoldsWithTheStatedProbabilityOverCalibrationSplits()
    {
        const double delta = 0.05, confidence = 0.9;
        var population = Generate(60_000, new Random(11));
        var grid = RiskControlledCutoff.Grid(Generate(2_000, new Random(12)), 120);
        var truth = grid.ToDictionary(l => l, l => RiskOf(population, l));
        // The problem is not trivial: the most aggressive thresholds lose far more than δ, the cautious ones less.
        Assert.True(truth[grid[^1]] > 3 * delta, $"risk at λ = 0 is only {truth[grid[^1]]:0.###}");
        Assert.True(grid.Any(l => truth[l] <= delta / 2 && l < grid[0]), "no grid point is safely below δ");

        const int trials = 200;
        int violations = 0, naiveViolations = 0, exitedEarly = 0;
        var rng = new Random(13);
        for (int r = 0; r < trials; r++)
        {
            var calibration = Generate(250, rng);
            var chosen = RiskControlledCutoff.Calibrate(calibration, delta, confidence, grid);
            if (!double.IsPositiveInfinity(chosen.Lambda))
            {
                exitedEarly++;
                if (truth[chosen.Lambda] > delta) violations++;
            }
            // A plug-in rule for contrast: the most aggressive λ whose empirical risk is ≤ δ.
            double naive = grid.Last(l => RiskOf(calibration, l) <= delta);
            if (truth[naive] > delta) naiveViolations++;
        }
        output.WriteLine($"violations {violations}/{trials}, plug-in violations {naiveViolations}/{trials}, early exit certified in {exitedEarly}/{trials}");
        // Learn-then-Test promises P(risk > δ) ≤ 1 − confidence = 10 %; allow three binomial standard deviations.
        double allowed = trials * (1 - confidence) + 3 * Math.Sqrt(trials * 0.1 * 0.9);
        Assert.True(violations <= allowed, $"{violations} of {trials} calibrations exceeded δ (allowed {allowed:0})");
        // The check can fail: the plug-in rule breaks the bound far more often than the promise allows.
        Assert.True(naiveViolations > allowed, $"the plug-in rule exceeded δ in only {naiveViolations} of {trials}");
        // And the procedure is useful: it certifies an early-exit λ in most splits.
        Assert.True(exitedEarly >= trials * 0.8, $"only {exitedEarly} of {trials} calibrations allowed early exit");
    }

    [Fact]
    public void TooFewSamplesCertifyNothingAndNeverExitEarly()
    {
        // 20 samples cannot certify δ = 1 %: 1 − 0.05^(1/20) ≈ 13.9 %.
        var set = Generate(20, new Random(5));
        var grid = RiskControlledCutoff.Grid(Generate(500, new Random(6)));
        var chosen = RiskControlledCutoff.Calibrate(set, 0.01, 0.95, grid);
        Assert.True(double.IsPositiveInfinity(chosen.Lambda));
        Assert.All(chosen.Thresholds, b => Assert.True(double.IsPositiveInfinity(b)));
        Assert.True(chosen.MinCertifiableDelta > 0.01);
        var outcome = CutoffSimulator.Apply(set, new RiskControlledTopKPolicy(chosen));
        Assert.All(outcome.ExitSteps, s => Assert.Equal(T, s));
    }

    [Fact]
    public void BinomialTailAndCertifiableDeltaByHand()
    {
        // P(Bin(10, 0.5) ≤ 2) = (1 + 10 + 45) / 1024.
        Assert.Equal(56 / 1024.0, RiskControlledCutoff.BinomialCdf(2, 10, 0.5), 12);
        Assert.Equal(Math.Pow(0.9, 30), RiskControlledCutoff.BinomialCdf(0, 30, 0.1), 12);
        Assert.Equal(1.0, RiskControlledCutoff.BinomialCdf(30, 30, 0.1));
        // n samples with no loss certify δ where (1 − δ)^n = α.
        double d = RiskControlledCutoff.MinCertifiableDelta(244, 0.95);
        Assert.Equal(0.05, Math.Pow(1 - d, 244), 9);
    }

    [Fact]
    public void BadArgumentsAreRefused()
    {
        var set = Generate(10, new Random(1));
        double[] grid = [1, 0.5, 0];
        Assert.Throws<ArgumentOutOfRangeException>(() => RiskControlledCutoff.Calibrate(set, 0, 0.95, grid));
        Assert.Throws<ArgumentOutOfRangeException>(() => RiskControlledCutoff.Calibrate(set, double.NaN, 0.95, grid));
        Assert.Throws<ArgumentOutOfRangeException>(() => RiskControlledCutoff.Calibrate(set, 0.1, 1.0, grid));
        Assert.Throws<ArgumentException>(() => RiskControlledCutoff.Calibrate(set, 0.1, 0.95, [0, 1]));
    }
}

public class OperatingPointTests
{
    [Fact]
    public void ChoosesTheEarliestSettingWithinOneErrorOfT()
    {
        // T = 3, K = 2, three samples of class 0. Gaps at t = 1: 0.5, 0.5, 3 (sample 2 leans to class 1 first).
        float[] o =
        [
            1.5f, 1f, /**/ 1f, 0f, /**/ 1f, 0f,
            1.5f, 1f, /**/ 1f, 0f, /**/ 1f, 0f,
            0f, 3f,   /**/ 4f, 0f, /**/ 1f, 0f,
        ];
        var set = new OutputSet(3, 3, 2, o, [0, 0, 0]);
        var aggressive = new TopKPolicy([0.1, 0.1, 0.1], 0.09);  // exits everyone at t = 1; sample 2 wrong
        var cautious = new TopKPolicy([5, 0.1, 0.1], 0);         // exits everyone at t = 2, all correct
        var op = OperatingPointSelector.Choose(set, [cautious, aggressive], maxExtraErrors: 0);
        Assert.Equal(("topk", 0.0), (op.Policy.Name(), op.Setting));
        Assert.Equal(2.0, op.CalibrationMeanTimesteps, 12);
        var loose = OperatingPointSelector.Choose(set, [cautious, aggressive], maxExtraErrors: 1);
        Assert.Equal(0.09, loose.Setting);
        Assert.Equal(1.0, loose.CalibrationMeanTimesteps, 12);
        // With no candidate good enough, classification at T is the operating point.
        var none = OperatingPointSelector.Choose(set, [aggressive], maxExtraErrors: 0);
        Assert.Equal(("fixed", 3.0), (none.Policy.Name(), none.Setting));
    }
}
