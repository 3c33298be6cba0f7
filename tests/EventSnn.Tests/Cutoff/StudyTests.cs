using EventSnn.Model.Cutoff;
using System.Text.Json;
using EventSnn.Model.Evaluation;

namespace EventSnn.Tests.Cutoff;

/// <summary>A tiny `eventsnn study` through the real program: means and intervals from the runs it leaves, and resuming.</summary>
public class StudyTests
{
    [Fact]
    public void TinyStudyAggregatesItsRunsAndResumes()
    {
        string dir = Fixtures.TempDir("eventsnn-study");
        try
        {
            string[] args = ["study", "--quick", "--seeds", "2", "--epochs", "1", "--alpha", "0", "--alpha", "0.01", "--out", dir];
            var (code, stdout, stderr) = EventSnnProcess.Run(TimeSpan.FromMinutes(6), null, args);
            Assert.True(code == 0, $"study failed ({code}):\n{stderr}\n{stdout}");
            Assert.Contains("| RCS α | accuracy at T (%)", stdout);
            Assert.Contains("Paired differences", stdout);
            foreach (string f in new[] { "study.json", "study.md", "study_exit_steps.png", "index.html" })
                Assert.True(File.Exists(Path.Combine(dir, f)), f + " missing");

            // The study's figures are the means of the runs' own evaluations.
            var runs = new Dictionary<string, EvaluationResult[]>
            {
                ["0"] = [EvaluationResult.Load(Path.Combine(dir, "alpha0", "seed1200", "eval.json")), EvaluationResult.Load(Path.Combine(dir, "alpha0", "seed1201", "eval.json"))],
                ["0.01"] = [EvaluationResult.Load(Path.Combine(dir, "alpha0.01", "seed1200", "eval.json")), EvaluationResult.Load(Path.Combine(dir, "alpha0.01", "seed1201", "eval.json"))],
            };
            string firstJson = File.ReadAllText(Path.Combine(dir, "study.json"));
            using (var doc = JsonDocument.Parse(firstJson))
            {
                var arms = doc.RootElement.GetProperty("arms");
                Assert.Equal(2, arms.GetArrayLength());
                foreach (var arm in arms.EnumerateArray())
                {
                    var r = runs[arm.GetProperty("alpha").GetDouble().ToString(System.Globalization.CultureInfo.InvariantCulture)];
                    var acc = arm.GetProperty("accuracy_at_t");
                    Assert.Equal((r[0].AccuracyAtT + r[1].AccuracyAtT) / 2, acc.GetProperty("mean").GetDouble(), 12);
                    Assert.True(acc.GetProperty("low").GetDouble() <= acc.GetProperty("mean").GetDouble());
                    Assert.True(acc.GetProperty("high").GetDouble() >= acc.GetProperty("mean").GetDouble());
                    var topk = arm.GetProperty("policies").EnumerateArray()
                        .First(p => p.GetProperty("policy").GetString() == "topk" && p.GetProperty("setting").GetDouble() == 0);
                    double meanExit = (r[0].Find(CutoffPolicyKind.TopK, 0)!.MeanTimesteps + r[1].Find(CutoffPolicyKind.TopK, 0)!.MeanTimesteps) / 2;
                    Assert.Equal(meanExit, topk.GetProperty("mean_timesteps").GetProperty("mean").GetDouble(), 12);
                }
                var diff = doc.RootElement.GetProperty("differences").EnumerateArray()
                    .First(d => d.GetProperty("quantity").GetString() == "topk 0 mean_timesteps");
                double paired = ((runs["0.01"][0].Find(CutoffPolicyKind.TopK, 0)!.MeanTimesteps - runs["0"][0].Find(CutoffPolicyKind.TopK, 0)!.MeanTimesteps)
                               + (runs["0.01"][1].Find(CutoffPolicyKind.TopK, 0)!.MeanTimesteps - runs["0"][1].Find(CutoffPolicyKind.TopK, 0)!.MeanTimesteps)) / 2;
                Assert.Equal(paired, diff.GetProperty("difference").GetProperty("mean").GetDouble(), 12);
            }

            // Run again: every run is reused, nothing retrains, and the figures are the same.
            var again = EventSnnProcess.Run(TimeSpan.FromMinutes(2), null, args);
            Assert.True(again.Code == 0, again.Err + again.Out);
            Assert.Contains("reused 4 finished run(s)", again.Err);
            Assert.DoesNotContain("train alpha", again.Err);
            using (var a = JsonDocument.Parse(firstJson))
            using (var b = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "study.json"))))
                Assert.Equal(a.RootElement.GetProperty("arms").GetRawText(), b.RootElement.GetProperty("arms").GetRawText());

            // Another setting in the same folder is refused, not mixed in.
            var other = EventSnnProcess.Run(TimeSpan.FromMinutes(2), null, "study", "--quick", "--seeds", "2", "--epochs", "2", "--out", dir);
            Assert.Equal(2, other.Code);
            Assert.Contains("other settings", other.Err);
            var bad = EventSnnProcess.Run("study", "--seeds", "0", "--out", dir);
            Assert.Equal(2, bad.Code);
            Assert.StartsWith("error: --seeds", bad.Err.Trim());
        }
        finally { Directory.Delete(dir, true); }
    }
}
