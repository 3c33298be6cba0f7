using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using EventSnn.Datasets;
using EventSnn.Model;
using EventSnn.Model.Cutoff;
using EventSnn.Model.Evaluation;
using ScottPlot;

namespace EventSnn.Cli.Cutoff;

/// <summary>Mean and two-sided 95 % Student-t interval of one quantity over seeds.</summary>
internal sealed record Interval(double Mean, double Low, double High, int N)
{
    private static readonly double[] T975 =
        [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
         2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042];

    /// <summary>Mean ± t(0.975, n−1)·s/√n; with one value the interval is that value (no spread can be given).</summary>
    public static Interval Of(IReadOnlyList<double> values)
    {
        int n = values.Count;
        if (n == 0) return new Interval(double.NaN, double.NaN, double.NaN, 0);
        double mean = values.Average();
        if (n == 1) return new Interval(mean, mean, mean, 1);
        double sd = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (n - 1));
        double t = n - 1 <= T975.Length ? T975[n - 2] : 1.960;
        double half = t * sd / Math.Sqrt(n);
        return new Interval(mean, mean - half, mean + half, n);
    }

    public string Format(string number, double scale = 1) =>
        N > 1 ? string.Create(CultureInfo.InvariantCulture, $"{(Mean * scale).ToString(number, CultureInfo.InvariantCulture)} [{(Low * scale).ToString(number, CultureInfo.InvariantCulture)}, {(High * scale).ToString(number, CultureInfo.InvariantCulture)}]")
              : (Mean * scale).ToString(number, CultureInfo.InvariantCulture);
}

/// <summary>One policy setting aggregated over the seeds of one α.</summary>
internal sealed record StudyPolicy(CutoffPolicyKind Policy, double Setting, Interval Accuracy, Interval MeanTimesteps, Interval Speedup);

/// <summary>Everything measured for one α over its seeds.</summary>
internal sealed record StudyArm(double Alpha, int[] Seeds, Interval AccuracyAtT, Interval OctMean, List<StudyPolicy> Policies);

/// <summary>Paired difference (this α minus the first α, seed by seed) of one quantity.</summary>
internal sealed record StudyDifference(double Alpha, double BaselineAlpha, string Quantity, Interval Difference);

/// <summary>
/// `eventsnn study`: for every α, trains K seeds of the demo's network on the demo's data, calibrates and evaluates
/// each, and reports per α the mean and a 95 % interval of accuracy at T, of the mean exit step and the speed-up of
/// each policy setting, and the paired (same seed) difference between α values. Each run lives in
/// <c>OUT/alphaA/seedS/</c>; a run whose <c>eval.json</c> exists is reused, so a stopped study continues where it was.
/// </summary>
internal static class StudyRunner
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>The policy settings the summary table shows (all are in study.json).</summary>
    private static readonly (CutoffPolicyKind Policy, double Setting)[] Headline = [(CutoffPolicyKind.TopK, 0), (CutoffPolicyKind.TopK, 0.01), (CutoffPolicyKind.TopK, 0.05)];

    public static int Run(string outDir, DemoSettings s, IReadOnlyList<double> alphas, int seeds, CancellationToken cancel)
    {
        var total = Stopwatch.StartNew();
        outDir = Path.GetFullPath(outDir);
        Directory.CreateDirectory(outDir);
        var log = new DemoRunner.StageLog("study");
        // The libtorch threads a run trains with change its figures (sums in another order), so they are a setting too.
        int threadsPerRun = s.Jobs > 1 ? Math.Max(1, Environment.ProcessorCount / s.Jobs) : Environment.ProcessorCount;
        string settingsJson = JsonSerializer.Serialize(new { s.Arch, s.T, s.Downsample, s.Epochs, s.BatchSize, s.LearningRate, s.Loss, s.TrainDropout, s.Augment, s.Synthetic.Trials, s.WindowEndUs, threadsPerRun }, ProjectJson.Lines);
        string stamp = Path.Combine(outDir, "study-settings.json");
        if (File.Exists(stamp) && File.ReadAllText(stamp) != settingsJson)
            throw new ArgumentException($"{outDir} holds a study with other settings ({stamp}); use another --out");
        File.WriteAllText(stamp, settingsJson);

        FrameSet? train = null, test = null;
        ModelInfo? info = null;
        try
        {
            var runs = new Dictionary<(double Alpha, int Seed), EvaluationResult>();
            var pending = new List<(double Alpha, int Seed, string Folder)>();
            int reused = 0;
            foreach (double alpha in alphas)
                for (int k = 0; k < seeds; k++)
                {
                    int seed = s.Seed + k;
                    string folder = Path.Combine(outDir, "alpha" + alpha.ToString("0.####", Inv), "seed" + seed.ToString(Inv));
                    string evalJson = Path.Combine(folder, "eval.json");
                    if (File.Exists(evalJson))
                    {
                        runs[(alpha, seed)] = EvaluationResult.Load(evalJson);
                        reused++;
                    }
                    else pending.Add((alpha, seed, folder));
                }
            if (reused > 0) Console.Error.WriteLine($"study: reused {reused} finished run(s) in {outDir}");
            if (pending.Count > 0)
            {
                (train, test, info) = DemoRunner.PrepareData(outDir, s, log);
                // Same-seed runs of different α go side by side (pending is α-major, so interleave by seed first).
                var order = pending.OrderBy(p => p.Seed).ThenBy(p => p.Alpha).ToList();
                var jobs = order.Select(p => (Func<CancellationToken, EvaluationResult>)(ct =>
                {
                    string name = $"alpha={p.Alpha.ToString("0.####", Inv)} seed={p.Seed}";
                    var runLog = s.Jobs > 1 ? new DemoRunner.StageLog($"study[{name}]", interactive: false) : log;
                    return DemoRunner.TrainAndEvaluate(name, p.Alpha, p.Folder, info!, s with { Seed = p.Seed }, train, test!, runLog, ct, resume: true).Result;
                })).ToList();
                var results = TorchThreads.RunSideBySide(jobs, s.Jobs, cancel);
                for (int i = 0; i < order.Count; i++) runs[(order[i].Alpha, order[i].Seed)] = results[i];
            }

            var arms = alphas.Select(a => Arm(a, Enumerable.Range(0, seeds).Select(k => s.Seed + k).ToArray(), runs)).ToList();
            var diffs = new List<StudyDifference>();
            for (int i = 1; i < alphas.Count; i++)
                diffs.AddRange(Differences(alphas[i], alphas[0], Enumerable.Range(0, seeds).Select(k => s.Seed + k).ToArray(), runs));

            string table = Table(arms, diffs, s.T, seeds);
            File.WriteAllText(Path.Combine(outDir, "study.md"), table);
            byte[] png = ExitPlot(arms, s.T);
            File.WriteAllBytes(Path.Combine(outDir, "study_exit_steps.png"), png);
            File.WriteAllText(Path.Combine(outDir, "index.html"), Html(table, png));
            File.WriteAllText(Path.Combine(outDir, "study.json"), JsonSerializer.Serialize(new
            {
                settings = JsonDocument.Parse(settingsJson).RootElement, seeds = Enumerable.Range(0, seeds).Select(k => s.Seed + k), alphas,
                arms, differences = diffs, seconds = total.Elapsed.TotalSeconds,
            }, ProjectJson.Options));
            Console.WriteLine();
            Console.Write(table);
            Console.WriteLine($"study: {Path.Combine(outDir, "index.html")} (study.json, study.md, study_exit_steps.png)");
            Console.WriteLine($"total time: {total.Elapsed.TotalSeconds:0} s");
            return 0;
        }
        finally
        {
            train?.Dispose();
            test?.Dispose();
        }
    }

    private static StudyArm Arm(double alpha, int[] seeds, Dictionary<(double, int), EvaluationResult> runs)
    {
        var results = seeds.Select(sd => runs[(alpha, sd)]).ToList();
        var settings = results[0].Cutoffs.Select(c => (c.Policy, c.Setting))
            .Where(ps => results.All(r => r.Find(ps.Policy, ps.Setting) != null)).ToList();
        var policies = settings.Select(ps =>
        {
            var cs = results.Select(r => r.Find(ps.Policy, ps.Setting)!).ToList();
            return new StudyPolicy(ps.Policy, ps.Setting, Interval.Of(cs.Select(c => c.Accuracy).ToList()),
                Interval.Of(cs.Select(c => c.MeanTimesteps).ToList()), Interval.Of(cs.Select(c => c.Speedup).ToList()));
        }).ToList();
        return new StudyArm(alpha, seeds, Interval.Of(results.Select(r => r.AccuracyAtT).ToList()), Interval.Of(results.Select(r => r.OctMean).ToList()), policies);
    }

    private static IEnumerable<StudyDifference> Differences(double alpha, double baseline, int[] seeds, Dictionary<(double, int), EvaluationResult> runs)
    {
        var a = seeds.Select(sd => runs[(alpha, sd)]).ToList();
        var b = seeds.Select(sd => runs[(baseline, sd)]).ToList();
        yield return new StudyDifference(alpha, baseline, "accuracy_at_t", Interval.Of(a.Zip(b, (x, y) => x.AccuracyAtT - y.AccuracyAtT).ToList()));
        foreach (var (policy, setting) in Headline)
        {
            if (a.Concat(b).Any(r => r.Find(policy, setting) == null)) continue;
            string key = $"{policy.Name()} {setting.ToString("0.##", Inv)}";
            yield return new StudyDifference(alpha, baseline, key + " mean_timesteps",
                Interval.Of(a.Zip(b, (x, y) => x.Find(policy, setting)!.MeanTimesteps - y.Find(policy, setting)!.MeanTimesteps).ToList()));
            yield return new StudyDifference(alpha, baseline, key + " accuracy",
                Interval.Of(a.Zip(b, (x, y) => x.Find(policy, setting)!.Accuracy - y.Find(policy, setting)!.Accuracy).ToList()));
        }
    }

    private static string Table(List<StudyArm> arms, List<StudyDifference> diffs, int T, int seeds)
    {
        var sb = new StringBuilder();
        sb.AppendLine(string.Create(Inv, $"Means over {seeds} seed(s) with 95 % t-intervals in brackets; T = {T}."));
        sb.AppendLine();
        sb.AppendLine("| RCS α | accuracy at T (%) | mean OCT | policy | accuracy (%) | mean exit step | speed-up |");
        sb.AppendLine("|---|---|---|---|---|---|---|");
        foreach (var arm in arms)
            foreach (var (policy, setting) in Headline.Concat(arm.Policies.Where(p => p.Policy == CutoffPolicyKind.TopKRisk).Select(p => (p.Policy, p.Setting))))
            {
                var p = arm.Policies.FirstOrDefault(x => x.Policy == policy && Math.Abs(x.Setting - setting) < 1e-9);
                if (p == null) continue;
                string label = policy == CutoffPolicyKind.TopK ? $"top-k ε={setting.ToString("0.##", Inv)}" : $"{policy.Name()} {setting.ToString("0.###", Inv)}";
                sb.AppendLine($"| {arm.Alpha.ToString("0.####", Inv)} | {arm.AccuracyAtT.Format("0.0", 100)} | {arm.OctMean.Format("0.00")} | {label} | {p.Accuracy.Format("0.0", 100)} | {p.MeanTimesteps.Format("0.00")} | {p.Speedup.Format("0.00")}× |");
            }
        if (diffs.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine("Paired differences (α minus the first α, same seed; an interval that excludes 0 is a difference these seeds support):");
            sb.AppendLine();
            sb.AppendLine("| α − baseline α | quantity | difference |");
            sb.AppendLine("|---|---|---|");
            foreach (var d in diffs)
            {
                bool share = d.Quantity.EndsWith("accuracy", StringComparison.Ordinal) || d.Quantity == "accuracy_at_t";
                sb.AppendLine($"| {d.Alpha.ToString("0.####", Inv)} − {d.BaselineAlpha.ToString("0.####", Inv)} | {d.Quantity}{(share ? " (points)" : "")} | {d.Difference.Format("+0.00;-0.00;0.00", share ? 100 : 1)} |");
            }
        }
        return sb.ToString();
    }

    /// <summary>Mean exit step of Top-K at each ε per α, with the 95 % interval drawn as error bars.</summary>
    private static byte[] ExitPlot(List<StudyArm> arms, int T)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        for (int i = 0; i < arms.Count; i++)
        {
            var pts = arms[i].Policies.Where(p => p.Policy == CutoffPolicyKind.TopK).OrderBy(p => p.Setting).ToList();
            if (pts.Count == 0) continue;
            var color = palette.GetColor(i);
            double offset = (i - (arms.Count - 1) / 2.0) * 0.0015;
            double[] xs = pts.Select(p => p.Setting + offset).ToArray();
            var s = plot.Add.Scatter(xs, pts.Select(p => p.MeanTimesteps.Mean).ToArray(), color);
            s.LegendText = $"α = {arms[i].Alpha.ToString("0.####", Inv)}";
            for (int j = 0; j < pts.Count; j++)
            {
                var line = plot.Add.Line(xs[j], pts[j].MeanTimesteps.Low, xs[j], pts[j].MeanTimesteps.High);
                line.Color = color;
                line.LineWidth = 1.5f;
            }
        }
        plot.Axes.Bottom.Label.Text = "Top-K ε";
        plot.Axes.Left.Label.Text = $"mean exit step (T = {T})";
        plot.Axes.SetLimitsY(0, T + 0.5);
        plot.ShowLegend(Edge.Right);
        return plot.GetImageBytes(640, 420, ImageFormat.Png);
    }

    private static string Html(string table, byte[] png)
    {
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>EventSnn study</title>");
        sb.Append("<style>body{font-family:sans-serif;margin:2em;max-width:1100px}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px}</style></head><body>");
        sb.Append("<h1>Seeds study</h1>");
        bool inTable = false;
        foreach (string raw in table.Split('\n'))
        {
            string line = raw.TrimEnd('\r');
            if (line.StartsWith('|'))
            {
                if (line.StartsWith("|---", StringComparison.Ordinal)) continue;
                if (!inTable) { sb.Append("<table>"); inTable = true; }
                var cells = line.Trim('|').Split('|').Select(c => System.Net.WebUtility.HtmlEncode(c.Trim()));
                sb.Append("<tr>").Append(string.Concat(cells.Select(c => $"<td>{c}</td>"))).Append("</tr>");
            }
            else
            {
                if (inTable) { sb.Append("</table>"); inTable = false; }
                if (line.Length > 0) sb.Append("<p>").Append(System.Net.WebUtility.HtmlEncode(line)).Append("</p>");
            }
        }
        if (inTable) sb.Append("</table>");
        sb.Append("<figure><img alt=\"mean exit step with 95 % intervals\" src=\"data:image/png;base64,").Append(Convert.ToBase64String(png)).Append("\"><figcaption>Mean exit step of Top-K per ε and α; bars are 95 % intervals over seeds.</figcaption></figure>");
        sb.Append("</body></html>");
        return sb.ToString();
    }
}
