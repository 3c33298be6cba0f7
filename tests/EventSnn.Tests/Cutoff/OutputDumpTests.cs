using EventSnn.Model;
using EventSnn.Model.Cutoff;
using EventSnn.Model.Evaluation;

namespace EventSnn.Tests.Cutoff;

public class OutputDumpTests
{
    /// <summary>Random outputs whose class signal grows over time, so the policies exit at different steps.</summary>
    internal static OutputSet RandomOutputs(int n, int t, int k, int seed)
    {
        var rng = new Random(seed);
        var o = new float[n * t * k];
        var l = new long[n];
        for (int i = 0; i < n; i++)
        {
            l[i] = rng.Next(k);
            for (int s = 0; s < t; s++)
                for (int c = 0; c < k; c++)
                    o[(i * t + s) * k + c] = (float)(rng.NextDouble() * 2 - 1 + (c == l[i] ? 0.4 : 0));
        }
        return new OutputSet(n, t, k, o, l);
    }

    [Fact]
    public void MetricsRecomputedFromTheDumpEqualTheJson()
    {
        string dir = Fixtures.TempDir();
        try
        {
            var train = RandomOutputs(60, 6, 4, 1);
            var test = RandomOutputs(40, 6, 4, 2);
            var cal = CutoffCalibrator.Calibrate(train, new CalibrationSettings());
            string dump = Path.Combine(dir, "d.h5");
            OutputDump.Write(dump, test);
            string json = EvaluationResult.Compute(test, cal).ToJson();

            var back = OutputDump.Read(dump);
            Assert.Equal(test.Outputs, back.Outputs);
            Assert.Equal(test.Labels, back.Labels);
            var r = EvaluationResult.FromJson(json, "json");
            Assert.Equal(40, r.Samples);
            Assert.Equal(6, r.Timesteps);
            // Independent recomputation straight from the dumped arrays.
            var (accT, octMean, topk) = Recompute(back, r.Cutoffs.Single(c => c.Policy == CutoffPolicyKind.TopK && c.Setting == 0).Thresholds!);
            for (int t = 0; t < 6; t++) Assert.Equal(accT[t], r.AccuracyPerTimestep[t], 12);
            Assert.Equal(octMean, r.OctMean, 12);
            var entry = r.Cutoffs.Single(c => c.Policy == CutoffPolicyKind.TopK && c.Setting == 0);
            Assert.Equal(topk.Acc, entry.Accuracy, 12);
            Assert.Equal(topk.Mean, entry.MeanTimesteps, 12);
            Assert.Equal(6 / topk.Mean, entry.Speedup, 12);
            Assert.Equal(new[] { "conformal", "entropy", "fixed", "softmax", "topk" }, r.Cutoffs.Select(c => c.Policy.Name()).Distinct().Order());
            Assert.Equal(10, r.Cutoffs.Count(c => c.Policy == CutoffPolicyKind.TopK));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void UnreadableDumpNamesTheFile()
    {
        string dir = Fixtures.TempDir();
        try
        {
            string p = Path.Combine(dir, "bad.h5");
            File.WriteAllBytes(p, [1, 2, 3, 4]);
            var e = Assert.Throws<InvalidDataException>(() => OutputDump.Read(p));
            Assert.Contains("bad.h5", e.Message);
        }
        finally { Directory.Delete(dir, true); }
    }

    /// <summary>Straightforward double-precision recomputation (not the library's code path).</summary>
    internal static (double[] AccT, double OctMean, (double Acc, double Mean) TopK) Recompute(OutputSet s, double[] beta)
    {
        var acc = new double[s.T];
        double octSum = 0, topCorrect = 0, topSteps = 0;
        for (int i = 0; i < s.N; i++)
        {
            var y = new double[s.K];
            var correct = new bool[s.T];
            int exit = 0; bool exitCorrect = false;
            for (int t = 0; t < s.T; t++)
            {
                for (int k = 0; k < s.K; k++) y[k] += s.Outputs[(i * s.T + t) * s.K + k];
                var sorted = y.OrderDescending().ToArray();
                int arg = Array.IndexOf(y, sorted[0]);
                correct[t] = arg == s.Labels[i];
                if (correct[t]) acc[t] += 1.0 / s.N;
                if (exit == 0 && (sorted[0] - sorted[1] > beta[t] || t == s.T - 1)) { exit = t + 1; exitCorrect = correct[t]; }
            }
            int oct = s.T;
            if (correct[s.T - 1]) for (int t = s.T - 1; t >= 0 && correct[t]; t--) oct = t + 1;
            octSum += oct; topSteps += exit; if (exitCorrect) topCorrect++;
        }
        return (acc, octSum / s.N, (topCorrect / s.N, topSteps / s.N));
    }
}
