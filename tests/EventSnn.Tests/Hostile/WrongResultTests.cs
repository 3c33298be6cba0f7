using EventSnn.Model.Cutoff;
using EventSnn.Model.Evaluation;
using EventSnn.Tests.Cutoff;
using EventSnn.Tests.Report;

namespace EventSnn.Tests.Hostile;

/// <summary>Results a user would trust that were silently wrong: each through the CLI.</summary>
public class WrongResultTests(EventSnn.Tests.Pipeline.GestureCheckpointFixture gestures) : IClassFixture<EventSnn.Tests.Pipeline.GestureCheckpointFixture>
{
    [Fact]
    public async Task AnUncalibratedCheckpointDecidesAtTWithoutCallingItACutoff()
    {
        var (path, _, _) = gestures.Gestures[1];
        using var replay = new EventSnn.Tests.Pipeline.ChildProcess("stream", "replay", path, "--tcp-listen", "127.0.0.1:0", "--speed", "0", "--json");
        string listening = await replay.WaitForLine(l => l.StartsWith("listening on "), TimeSpan.FromSeconds(90), stderr: true);
        string port = listening[(listening.LastIndexOf(':') + 1)..];
        Assert.False(File.Exists(CutoffCalibration.PathFor(gestures.Checkpoint)));
        var (code, stdout, stderr) = EventSnnProcess.Run(TimeSpan.FromSeconds(90), null, "stream", "classify", "--tcp", $"127.0.0.1:{port}", "--once",
            "--policy", "wait", "--quiet-ms", "0", "--model", gestures.Checkpoint, "--json");
        Assert.True(code == 0, stderr);
        await replay.WaitForExit(TimeSpan.FromSeconds(90));
        var reasons = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement)
            .Where(j => j.GetProperty("type").GetString() == "decision").Select(j => j.GetProperty("reason").ToString()).ToList();
        Assert.NotEmpty(reasons);
        Assert.DoesNotContain(reasons, r => r.Equals("cutoff", StringComparison.OrdinalIgnoreCase));
        Assert.Contains("uncalibrated", stdout);
    }

    [Fact]
    public void ReportAttachesCalibrationsToTheDumpsAndSaysWhenTopKIsMissing()
    {
        string dir = Fixtures.TempDir();
        try
        {
            string json = ReportRenderTests.WriteEval(dir, "from-json", 1, 0.2);
            var set = OutputDumpTests.RandomOutputs(40, 8, 5, 7);
            string dump = Path.Combine(dir, "dump.h5");
            OutputDump.Write(dump, set);
            string cal = Path.Combine(dir, "cal.json");
            CutoffCalibrator.Calibrate(OutputDumpTests.RandomOutputs(60, 8, 5, 8), new CalibrationSettings()).Save(cal);

            // the calibration follows the .h5 input, although the .json comes first
            var m = EventSnnProcess.RunMeasured("report", json, dump, "--calibration", cal, "--name", "a", "--name", "b", "--out", Path.Combine(dir, "r1"));
            Assert.True(m.Code == 0, m.ToString());
            var cutoffs = File.ReadAllLines(Path.Combine(dir, "r1", "cutoffs.csv"));
            Assert.Contains(cutoffs, l => l.StartsWith("b,topk,"));
            Assert.DoesNotContain("note:", m.Err);

            // without one, the report says Top-K is left out for that dump
            m = EventSnnProcess.RunMeasured("report", json, dump, "--out", Path.Combine(dir, "r2"));
            Assert.True(m.Code == 0, m.ToString());
            Assert.Contains("dump.h5 has no --calibration: Top-K and conformal are left out", m.Err);

            // more calibrations than dumps is an error, not a silent mismatch
            ErrorContractTests.AssertOneErrorLine(EventSnnProcess.RunMeasured("report", json, "--calibration", cal, "--out", Path.Combine(dir, "r3")), "--calibration");
        }
        finally { Directory.Delete(dir, true); }
    }
}
