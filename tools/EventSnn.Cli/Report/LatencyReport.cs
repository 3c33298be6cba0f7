using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using EventSnn.Model;
using EventSnn.Model.Evaluation;

namespace EventSnn.Cli.Report;

/// <summary>Files written by <see cref="LatencyReport.Write"/>.</summary>
internal sealed record ReportFiles(string Html, IReadOnlyList<string> Pngs, IReadOnlyList<string> Csvs, string Json, EqualAccuracyPoint? Headline);

/// <summary>
/// The latency/accuracy report of one or two evaluated models: <c>index.html</c> (plots embedded as base64 PNG,
/// no external resources), the same plots as PNG files, the numbers as CSV, and <c>report.json</c>.
/// </summary>
internal static class LatencyReport
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Writes the report into <paramref name="outDir"/> (created if needed).</summary>
    public static ReportFiles Write(IReadOnlyList<EvaluationResult> models, string outDir)
    {
        if (models.Count is < 1 or > 2) throw new ArgumentException("the report takes one or two models");
        Directory.CreateDirectory(outDir);
        for (int i = 0; i < models.Count; i++) models[i].Name ??= $"model {i + 1}";
        if (models.Count == 2 && models[0].Name == models[1].Name) { models[0].Name += " (1)"; models[1].Name += " (2)"; }
        string[] slugs = models.Select((m, i) => $"m{i + 1}").ToArray();

        IReadOnlyList<EqualAccuracyPoint> comparison = models.Count == 2 ? ModelComparison.Compare(models[0], models[1]) : [];
        var headline = comparison.FirstOrDefault(p => p.Difference != null);

        var common = new List<ReportPlot> { ReportPlots.AccuracyVsTimestep(models) };
        if (models.Count == 2) common.Add(ReportPlots.Comparison(models[0], models[1], headline));
        var perModel = models.Select((r, i) => new[]
        {
            ReportPlots.Tradeoff(r, i, slugs[i]), ReportPlots.ExitHistogram(r, i, slugs[i]), ReportPlots.OctDistribution(r, i, slugs[i]),
        }).ToArray();

        var pngs = new List<string>();
        foreach (var p in common.Concat(perModel.SelectMany(x => x)))
        {
            string path = Path.Combine(outDir, p.FileName);
            File.WriteAllBytes(path, p.Png);
            pngs.Add(path);
        }
        var csvs = WriteCsvs(models, comparison, outDir);
        string json = Path.Combine(outDir, "report.json");
        File.WriteAllText(json, JsonSerializer.Serialize(new
        {
            models,
            comparison = comparison.Select(c => new { accuracy = c.Accuracy, steps_a = c.StepsA, steps_b = c.StepsB, difference = c.Difference }),
            plots = common.Concat(perModel.SelectMany(x => x)).Select(p => new { id = p.Id, file = p.FileName, caption = p.Caption, layout = p.Layout }),
        }, ProjectJson.Options));
        string html = Path.Combine(outDir, "index.html");
        File.WriteAllText(html, Html(models, common, perModel, comparison, headline));
        return new ReportFiles(html, pngs, csvs, json, headline);
    }

    private static string F(double v, string fmt = "0.####") => double.IsFinite(v) ? v.ToString(fmt, Inv) : v.ToString(Inv);

    private static string Csv(string s) => s.Contains(',') || s.Contains('"') ? "\"" + s.Replace("\"", "\"\"") + "\"" : s;

    private static List<string> WriteCsvs(IReadOnlyList<EvaluationResult> models, IReadOnlyList<EqualAccuracyPoint> comparison, string dir)
    {
        var files = new List<string>();
        void Write(string name, StringBuilder sb) { string p = Path.Combine(dir, name); File.WriteAllText(p, sb.ToString()); files.Add(p); }

        var acc = new StringBuilder("t," + string.Join(',', models.Select(m => Csv(m.Name!))) + "\n");
        int maxT = models.Max(m => m.Timesteps);
        for (int t = 0; t < maxT; t++)
            acc.Append(t + 1).Append(',').AppendJoin(',', models.Select(m => t < m.Timesteps ? F(m.AccuracyPerTimestep[t], "R") : "")).Append('\n');
        Write("accuracy_per_timestep.csv", acc);

        var cut = new StringBuilder("model,policy,parameter,setting,accuracy,mean_timesteps,speedup\n");
        var hist = new StringBuilder("model,policy,parameter,setting,exit_step,samples\n");
        foreach (var m in models)
            foreach (var c in m.Cutoffs)
            {
                cut.Append($"{Csv(m.Name!)},{c.Policy.Name()},{c.Parameter},{F(c.Setting, "R")},{F(c.Accuracy, "R")},{F(c.MeanTimesteps, "R")},{F(c.Speedup, "R")}\n");
                for (int t = 0; t < c.ExitHistogram.Length; t++)
                    hist.Append($"{Csv(m.Name!)},{c.Policy.Name()},{c.Parameter},{F(c.Setting, "R")},{t + 1},{c.ExitHistogram[t]}\n");
            }
        Write("cutoffs.csv", cut);
        Write("exit_histograms.csv", hist);

        var oct = new StringBuilder("model,oct,samples\n");
        foreach (var m in models)
            for (int t = 0; t < m.OctHistogram.Length; t++) oct.Append($"{Csv(m.Name!)},{t + 1},{m.OctHistogram[t]}\n");
        Write("oct_histogram.csv", oct);

        if (models.Count == 2)
        {
            var cmp = new StringBuilder($"accuracy,steps_{Csv(models[0].Name!)},steps_{Csv(models[1].Name!)},difference\n");
            foreach (var p in comparison)
                cmp.Append($"{F(p.Accuracy, "R")},{(p.StepsA is double a ? F(a, "R") : "")},{(p.StepsB is double b ? F(b, "R") : "")},{(p.Difference is double d ? F(d, "R") : "")}\n");
            Write("comparison.csv", cmp);
        }
        return files;
    }

    private static string E(string s) => WebUtility.HtmlEncode(s);

    private static string Img(ReportPlot p) =>
        $"<figure><img id=\"{p.Id}\" class=\"plot\" width=\"{ReportPlots.Width}\" height=\"{ReportPlots.Height}\" alt=\"{E(p.Caption)}\" src=\"data:image/png;base64,{Convert.ToBase64String(p.Png)}\"><figcaption>{E(p.Caption)}</figcaption></figure>";

    private static string Html(IReadOnlyList<EvaluationResult> models, List<ReportPlot> common, ReportPlot[][] perModel,
        IReadOnlyList<EqualAccuracyPoint> comparison, EqualAccuracyPoint? headline)
    {
        var h = new StringBuilder();
        h.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>EventSnn latency/accuracy report</title><style>")
         .Append("body{font-family:").Append(ReportPlots.CssFontStack).Append(";margin:16px;background:#fff;color:#1d232b;font-size:14px}table{border-collapse:collapse;margin:8px 0}")
         .Append("h1{font-size:22px}h2{font-size:17px;margin:22px 0 8px}")
         .Append("td,th{border:1px solid #d0d5db;padding:3px 8px;text-align:right;font-variant-numeric:tabular-nums}th{background:#f0f2f4;font-weight:normal;color:#444}td:first-child,th:first-child{text-align:left}")
         // One column on narrow screens, two side by side on wide ones.
         .Append(".row{display:grid;grid-template-columns:minmax(0,").Append(ReportPlots.Width).Append("px);gap:16px}")
         .Append("@media (min-width:").Append(2 * ReportPlots.Width + 64).Append("px){.row{grid-template-columns:repeat(2,minmax(0,").Append(ReportPlots.Width).Append("px))}}")
         .Append("figure{margin:0 0 12px 0}figcaption{font-size:13px;color:#555;margin-top:4px}img.plot{display:block;border:1px solid #e1e5ea;max-width:100%;height:auto}</style></head><body>");
        h.Append("<h1>Latency/accuracy report</h1><p>Accumulated output Y(t) = O(1) + … + O(t); a cutoff policy stops a sample at the first step its rule fires (the last step always stops). ")
         .Append("Speed-up = T / mean exit step. OCT = earliest step from which the prediction stays correct (oracle, uses the label).</p>");

        h.Append("<h2>Summary</h2><table><tr><th>model</th><th>samples</th><th>T</th><th>accuracy at T</th><th>mean OCT</th><th>top-k ε</th><th>top-k accuracy</th><th>top-k mean exit step</th><th>speed-up</th></tr>");
        foreach (var m in models)
        {
            var op = ReportPlots.OperatingPoint(m);
            h.Append($"<tr><td>{E(m.Name!)}</td><td>{m.Samples}</td><td>{m.Timesteps}</td><td>{F(m.AccuracyAtT * 100, "0.0")}%</td><td>{F(m.OctMean, "0.00")}</td>");
            h.Append(op == null ? "<td colspan=\"4\">not calibrated</td></tr>"
                : $"<td>{F(op.Setting, "0.##")}</td><td>{F(op.Accuracy * 100, "0.0")}%</td><td>{F(op.MeanTimesteps, "0.00")}</td><td>{F(op.Speedup, "0.00")}×</td></tr>");
        }
        h.Append("</table>");
        if (headline is { Difference: double d })
            h.Append($"<p id=\"headline\">At equal Top-K accuracy {F(headline.Accuracy * 100, "0.0")}%, {E(models[1].Name!)} needs {F(headline.StepsB!.Value, "0.00")} mean steps and {E(models[0].Name!)} {F(headline.StepsA!.Value, "0.00")}: ")
             .Append(d < 0 ? $"{E(models[1].Name!)} exits {F(-d, "0.00")} steps earlier.</p>" : d > 0 ? $"{E(models[0].Name!)} exits {F(d, "0.00")} steps earlier.</p>" : "the same.</p>");

        if (models.Count == 1)
        {
            // One model: its plots flow through the two columns.
            h.Append("<h2>Accuracy, exit steps and OCT</h2><div class=\"row\">");
            foreach (var p in common.Concat(perModel[0])) h.Append(Img(p));
            h.Append("</div>");
        }
        else
        {
            // Two models: one row per kind of plot, the models side by side.
            h.Append("<h2>Accuracy over time</h2><div class=\"row\">");
            foreach (var p in common) h.Append(Img(p));
            h.Append("</div>");
            string[] sections = ["Accuracy vs mean timesteps per policy", "Exit-step histogram", "OCT distribution"];
            for (int s = 0; s < sections.Length; s++)
            {
                h.Append($"<h2>{sections[s]}</h2><div class=\"row\">");
                foreach (var pm in perModel) h.Append(Img(pm[s]));
                h.Append("</div>");
            }
        }

        if (models.Count == 2)
        {
            h.Append($"<h2>Mean timesteps at equal Top-K accuracy</h2><table><tr><th>accuracy</th><th>{E(models[0].Name!)}</th><th>{E(models[1].Name!)}</th><th>difference</th></tr>");
            foreach (var p in comparison)
                h.Append($"<tr><td>{F(p.Accuracy * 100, "0.0")}%</td><td>{(p.StepsA is double a ? F(a, "0.00") : "not reached")}</td><td>{(p.StepsB is double b ? F(b, "0.00") : "not reached")}</td><td>{(p.Difference is double dd ? F(dd, "+0.00;-0.00;0.00") : "")}</td></tr>");
            h.Append("</table>");
        }

        h.Append("<h2>Every policy and setting</h2>");
        foreach (var m in models)
        {
            h.Append($"<details><summary>{E(m.Name!)}</summary><table><tr><th>policy</th><th>parameter</th><th>setting</th><th>accuracy</th><th>mean exit step</th><th>speed-up</th></tr>");
            foreach (var c in m.Cutoffs)
                h.Append($"<tr><td>{c.Policy.Name()}</td><td>{c.Parameter}</td><td>{F(c.Setting)}</td><td>{F(c.Accuracy * 100, "0.0")}%</td><td>{F(c.MeanTimesteps, "0.00")}</td><td>{F(c.Speedup, "0.00")}</td></tr>");
            h.Append("</table></details>");
        }
        h.Append("</body></html>");
        return h.ToString();
    }
}
