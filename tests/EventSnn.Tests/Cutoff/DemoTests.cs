using System.Text.Json;
using EventSnn.Model.Cutoff;
using EventSnn.Model.Evaluation;
using EventSnn.Tests.Report;

namespace EventSnn.Tests.Cutoff;

/// <summary>
/// `eventsnn demo --quick` through the real program, then `eval` and `calibrate` on what it left behind.
/// One test so the (slow) demo runs once.
/// </summary>
public class DemoTests
{
    [Fact]
    public void QuickDemoLeavesEveryFileAndEvalMatchesItsDump()
    {
        string dir = Fixtures.TempDir("eventsnn-demo");
        try
        {
            var (code, stdout, stderr) = EventSnnProcess.Run(TimeSpan.FromMinutes(6), null, "demo", "--quick", "--out", dir);
            Assert.True(code == 0, $"demo failed ({code}):\n{stderr}\n{stdout}");
            Assert.Contains("| model | RCS α | accuracy at T |", stdout);
            Assert.Contains("| alpha=0 |", stdout);
            Assert.Contains("report: " + Path.Combine(dir, "report", "index.html"), stdout);

            string[] folders = Directory.GetDirectories(dir, "alpha*").Order().ToArray();
            Assert.Equal(2, folders.Length);
            foreach (string f in folders)
                foreach (string file in new[] { "best.ckpt", "best.ckpt.cutoff.json", "eval.json", "outputs.h5" })
                    Assert.True(File.Exists(Path.Combine(f, file)), $"{file} missing in {f}");
            foreach (string file in new[] { "index.html", "report.json", "cutoffs.csv", "comparison.csv", "accuracy_vs_timestep.png", "comparison.png" })
                Assert.True(File.Exists(Path.Combine(dir, "report", file)), file + " missing in the report");
            ReportRenderTests.AssertEveryPlotVisible(Path.Combine(dir, "report"), 8);

            // summary.json names each model's operating point, chosen on the validation split, with its test figures.
            Assert.Contains("Operating points, chosen on the validation split", stdout);
            using (var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "summary.json"))))
                foreach (var (m, folder) in summary.RootElement.GetProperty("models").EnumerateArray().Zip(folders))
                {
                    var op = m.GetProperty("operating_point");
                    Assert.Equal("validation", op.GetProperty("chosen_on").GetString());
                    var evalOf = EvaluationResult.Load(Path.Combine(folder, "eval.json"));
                    var point = evalOf.Find(CutoffPolicies.Parse(op.GetProperty("policy").GetString()!), op.GetProperty("setting").GetDouble());
                    Assert.NotNull(point);
                    Assert.Equal(point!.MeanTimesteps, op.GetProperty("test_mean_timesteps").GetDouble(), 12);
                    Assert.True(op.GetProperty("calibration_accuracy").GetDouble() >= op.GetProperty("calibration_accuracy_at_t").GetDouble() - 1.0 / op.GetProperty("calibration_samples").GetInt32() - 1e-12);
                    Assert.Single(CutoffCalibration.Load(Path.Combine(folder, "best.ckpt.cutoff.json")).Risk);

                    // The spread of the operating point over the Top-K calibration's dropout seeds (two in the quick setting).
                    var seeds = m.GetProperty("calibration_seeds");
                    Assert.Equal(2, seeds.GetProperty("seeds").GetArrayLength());
                    var steps = seeds.GetProperty("test_mean_timesteps");
                    double mean = steps.GetProperty("mean").GetDouble(), low = steps.GetProperty("low").GetDouble(), high = steps.GetProperty("high").GetDouble();
                    Assert.InRange(mean, low, high);
                    Assert.InRange(mean, 1.0, 8.0);
                    Assert.Equal(2, seeds.GetProperty("test_mean_timesteps").GetProperty("n").GetInt32());
                }

            // The demo's eval.json agrees with its own dump and calibration.
            string m0 = folders[0];
            var demoEval = EvaluationResult.Load(Path.Combine(m0, "eval.json"));
            var demoCal = CutoffCalibration.Load(Path.Combine(m0, "best.ckpt.cutoff.json"));
            AssertMatchesDump(demoEval, OutputDump.Read(Path.Combine(m0, "outputs.h5")));
            Assert.Equal(0.3, demoCal.Dropout);

            // `eval --json --dump` through the CLI: recomputed from its dump, and the same as the demo's evaluation.
            string dump = Path.Combine(dir, "again.h5");
            string ckpt = Path.Combine(m0, "best.ckpt");
            var eval = EventSnnProcess.Run(TimeSpan.FromMinutes(2), null, "eval", "--model", ckpt, "--data", Path.Combine(dir, "data"),
                "--cache", Path.Combine(dir, "frame-cache"), "--json", "--dump", dump);
            Assert.True(eval.Code == 0, eval.Err + eval.Out);
            using (var doc = JsonDocument.Parse(eval.Out))
            {
                var root = doc.RootElement;
                foreach (string key in new[] { "samples", "timesteps", "accuracy_per_timestep", "oct_mean", "cutoffs" })
                    Assert.True(root.TryGetProperty(key, out _), $"eval --json lacks '{key}'");
                var first = root.GetProperty("cutoffs")[0];
                foreach (string key in new[] { "policy", "setting", "thresholds", "accuracy", "mean_timesteps", "speedup" })
                    Assert.True(first.TryGetProperty(key, out _), $"cutoff entry lacks '{key}'");
            }
            var cliEval = EvaluationResult.FromJson(eval.Out, "eval --json");
            AssertMatchesDump(cliEval, OutputDump.Read(dump));
            // the dump says what it holds: class names, T, the model and the sample of each row
            using (var h5 = PureHDF.H5File.OpenRead(dump))
            {
                Assert.Equal(11, h5.Attribute("class_names").Read<string[]>().Length);
                Assert.Equal(cliEval.Timesteps, h5.Attribute("T").Read<int>());
                Assert.EndsWith("best.ckpt", h5.Attribute("model").Read<string>());
                Assert.Equal(cliEval.Samples, PureHDF.IH5GroupExtensions.Dataset(h5, "sample_ids").Read<string[]>().Length);
            }
            Assert.Equal(demoEval.AccuracyPerTimestep, cliEval.AccuracyPerTimestep);
            Assert.Equal(demoEval.Find(CutoffPolicyKind.TopK, 0)!.MeanTimesteps, cliEval.Find(CutoffPolicyKind.TopK, 0)!.MeanTimesteps);

            // `calibrate` with the same seed reproduces the demo's thresholds.
            string cal = Path.Combine(dir, "again.cutoff.json");
            var c = EventSnnProcess.Run(TimeSpan.FromMinutes(2), null, "calibrate", "--model", ckpt, "--data", Path.Combine(dir, "data"),
                "--cache", Path.Combine(dir, "frame-cache"), "--seed", "1200", "--out", cal);
            Assert.True(c.Code == 0, c.Err + c.Out);
            Assert.Equal(demoCal.Thresholds, CutoffCalibration.Load(cal).Thresholds);

            // `calibrate --risk`: risk-controlled thresholds chosen on the held-out validation part of the training
            // split, stored beside the method's, and evaluated as their own policy.
            string riskCal = Path.Combine(dir, "risk.cutoff.json");
            var rc = EventSnnProcess.Run(TimeSpan.FromMinutes(2), null, "calibrate", "--model", ckpt, "--data", Path.Combine(dir, "data"),
                "--cache", Path.Combine(dir, "frame-cache"), "--seed", "1200", "--risk", "0.2", "--confidence", "0.9", "--out", riskCal);
            Assert.True(rc.Code == 0, rc.Err + rc.Out);
            Assert.Contains("risk δ=0.2 at confidence 0.9", rc.Out);
            var withRisk = CutoffCalibration.Load(riskCal);
            Assert.Equal(demoCal.Thresholds, withRisk.Thresholds);
            var risk = Assert.Single(withRisk.Risk);
            Assert.Equal("validation", risk.Split);
            Assert.Equal(demoEval.Timesteps, risk.Thresholds.Length);
            Assert.True(risk.CorrectAtT > 0 && risk.CorrectAtT <= risk.CalibrationSamples);
            Assert.Equal(RiskControlledCutoff.MinCertifiableDelta(risk.CorrectAtT, 0.9), risk.MinCertifiableDelta, 12);
            var riskEval = EventSnnProcess.Run(TimeSpan.FromMinutes(2), null, "eval", "--model", ckpt, "--data", Path.Combine(dir, "data"),
                "--cache", Path.Combine(dir, "frame-cache"), "--calibration", riskCal, "--json");
            Assert.True(riskEval.Code == 0, riskEval.Err + riskEval.Out);
            var riskPoint = EvaluationResult.FromJson(riskEval.Out, "eval --json").Find(CutoffPolicyKind.TopKRisk, 0.2);
            Assert.NotNull(riskPoint);
            Assert.Equal(risk.Thresholds, riskPoint!.Thresholds);
            var badRisk = EventSnnProcess.Run("calibrate", "--model", ckpt, "--data", Path.Combine(dir, "data"), "--risk", "1.5");
            Assert.Equal(2, badRisk.Code);
            Assert.Contains("--risk", badRisk.Err);

            // Bad input: a missing checkpoint is a clear error, not a crash.
            var bad = EventSnnProcess.Run("eval", "--model", Path.Combine(dir, "nope.ckpt"), "--data", Path.Combine(dir, "data"));
            Assert.Equal(2, bad.Code);
            Assert.Contains("nope.ckpt", bad.Err);
        }
        finally { Directory.Delete(dir, true); }
    }

    /// <summary>Accuracy per step, OCT and the ε = 0 Top-K point recomputed independently from dumped outputs.</summary>
    private static void AssertMatchesDump(EvaluationResult r, OutputSet dumped)
    {
        Assert.Equal(dumped.N, r.Samples);
        Assert.Equal(dumped.T, r.Timesteps);
        var topk = r.Cutoffs.Single(x => x.Policy == CutoffPolicyKind.TopK && x.Setting == 0);
        var (acc, oct, tk) = OutputDumpTests.Recompute(dumped, topk.Thresholds!);
        for (int t = 0; t < dumped.T; t++) Assert.Equal(acc[t], r.AccuracyPerTimestep[t], 9);
        Assert.Equal(oct, r.OctMean, 9);
        Assert.Equal(tk.Acc, topk.Accuracy, 9);
        Assert.Equal(tk.Mean, topk.MeanTimesteps, 9);
    }
}
