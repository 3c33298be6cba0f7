using EventSnn.Model.Evaluation;
using ScottPlot;

namespace EventSnn.Cli.Report;

/// <summary>One rendered plot: file name, caption and PNG bytes.</summary>
internal sealed record ReportPlot(string Id, string FileName, string Caption, byte[] Png);

/// <summary>Renders the report's plots with ScottPlot (PNG).</summary>
internal static class ReportPlots
{
    public const int Width = 640;
    public const int Height = 420;

    private static readonly string[] PolicyOrder = ["topk", "topk-risk", "softmax", "entropy", "conformal", "fixed"];

    private static Color ColorOf(int i) => new ScottPlot.Palettes.Category10().GetColor(i);

    private static byte[] Png(Plot plot) => plot.GetImageBytes(Width, Height, ImageFormat.Png);

    /// <summary>acc(t) for every model, one line each.</summary>
    public static ReportPlot AccuracyVsTimestep(IReadOnlyList<EvaluationResult> models)
    {
        var plot = new Plot();
        for (int m = 0; m < models.Count; m++)
        {
            var r = models[m];
            double[] xs = Enumerable.Range(1, r.Timesteps).Select(t => (double)t).ToArray();
            var s = plot.Add.Scatter(xs, r.AccuracyPerTimestep.Select(a => a * 100).ToArray(), ColorOf(m));
            s.LegendText = r.Name ?? $"model {m + 1}";
            s.LineWidth = 2;
        }
        plot.Title("Accuracy vs timestep (no cutoff)");
        plot.XLabel("timestep t");
        plot.YLabel("accuracy of argmax Y(t) (%)");
        plot.ShowLegend(Alignment.LowerRight);
        return new ReportPlot("accuracy-vs-timestep", "accuracy_vs_timestep.png", "Accuracy of argmax Y(t) at every timestep t.", Png(plot));
    }

    /// <summary>Accuracy vs mean exit step for every policy of one model, with the Top-K operating point marked.</summary>
    public static ReportPlot Tradeoff(EvaluationResult r, int index, string slug)
    {
        var plot = new Plot();
        int c = 0;
        foreach (string policy in PolicyOrder)
        {
            var pts = r.Cutoffs.Where(x => x.Policy == policy).OrderBy(x => x.MeanTimesteps).ToList();
            if (pts.Count == 0) { c++; continue; }
            var s = plot.Add.Scatter(pts.Select(p => p.MeanTimesteps).ToArray(), pts.Select(p => p.Accuracy * 100).ToArray(), ColorOf(c++));
            s.LegendText = policy;
            s.MarkerSize = 6;
            s.LineWidth = policy == "topk" ? 2.5f : 1.5f;
        }
        var op = OperatingPoint(r);
        if (op != null)
        {
            var mk = plot.Add.Marker(op.MeanTimesteps, op.Accuracy * 100, MarkerShape.OpenCircle, 18, Colors.Black);
            mk.LegendText = $"top-k ε={op.Setting:0.##}: {op.Accuracy * 100:0.0}% at {op.MeanTimesteps:0.00} steps";
        }
        var full = plot.Add.Marker(r.Timesteps, r.AccuracyAtT * 100, MarkerShape.FilledSquare, 12, Colors.Gray);
        full.LegendText = $"all T={r.Timesteps} steps: {r.AccuracyAtT * 100:0.0}%";
        plot.Title($"Accuracy vs mean timesteps: {r.Name}");
        plot.XLabel("mean exit step (timesteps)");
        plot.YLabel("accuracy (%)");
        plot.ShowLegend(Alignment.LowerRight);
        return new ReportPlot($"tradeoff-{slug}", $"tradeoff_{slug}.png",
            $"{r.Name}: accuracy vs mean timesteps for every policy and setting; circled: the Top-K operating point.", Png(plot));
    }

    /// <summary>Exit-step histogram of the Top-K operating point of one model.</summary>
    public static ReportPlot ExitHistogram(EvaluationResult r, int index, string slug)
    {
        var op = OperatingPoint(r) ?? r.Cutoffs.Single(x => x.Policy == "fixed" && x.Setting == r.Timesteps);
        var plot = StepHistogram(r.Timesteps, op.ExitHistogram, index, $"Exit steps, {op.Policy} {op.Parameter}={op.Setting:0.##}: {r.Name}", "exit step");
        return new ReportPlot($"exit-histogram-{slug}", $"exit_histogram_{slug}.png",
            $"{r.Name}: number of test samples exiting at each step ({op.Policy}, {op.Parameter} = {op.Setting:0.##}; mean {op.MeanTimesteps:0.00}).", Png(plot));
    }

    /// <summary>Distribution of the optimal cutoff timestep (oracle) of one model.</summary>
    public static ReportPlot OctDistribution(EvaluationResult r, int index, string slug)
    {
        var plot = StepHistogram(r.Timesteps, r.OctHistogram, index, $"OCT distribution (mean {r.OctMean:0.00}): {r.Name}", "optimal cutoff timestep");
        return new ReportPlot($"oct-{slug}", $"oct_{slug}.png",
            $"{r.Name}: the earliest step from which each sample stays correct (T for samples wrong at T); mean {r.OctMean:0.00}.", Png(plot));
    }

    // Samples per step 1..T as bars in the model's colour.
    private static Plot StepHistogram(int timesteps, IReadOnlyList<int> counts, int index, string title, string xLabel)
    {
        var plot = new Plot();
        var bars = plot.Add.Bars(Enumerable.Range(1, timesteps).Select(t => (double)t).ToArray(), counts.Select(v => (double)v).ToArray());
        bars.Color = ColorOf(index);
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel("samples");
        plot.Axes.Margins(bottom: 0);
        return plot;
    }

    /// <summary>Top-K curves of two models on one axis with the equal-accuracy comparison marked.</summary>
    public static ReportPlot Comparison(EvaluationResult a, EvaluationResult b, EqualAccuracyPoint? at)
    {
        var plot = new Plot();
        int m = 0;
        foreach (var r in new[] { a, b })
        {
            foreach (string policy in new[] { "topk", "fixed" })
            {
                var pts = r.Cutoffs.Where(x => x.Policy == policy).OrderBy(x => x.MeanTimesteps).ToList();
                if (pts.Count == 0) continue;
                var s = plot.Add.Scatter(pts.Select(p => p.MeanTimesteps).ToArray(), pts.Select(p => p.Accuracy * 100).ToArray(), ColorOf(m));
                s.LegendText = $"{r.Name}: {policy}";
                s.LineWidth = policy == "topk" ? 2.5f : 1;
                s.LinePattern = policy == "topk" ? LinePattern.Solid : LinePattern.Dashed;
                s.MarkerSize = policy == "topk" ? 7 : 4;
            }
            m++;
        }
        string title = "Top-K: accuracy vs mean timesteps";
        if (at is { StepsA: double sa, StepsB: double sb })
        {
            var line = plot.Add.HorizontalLine(at.Accuracy * 100, 1, Colors.Gray, LinePattern.Dotted);
            line.LegendText = $"equal accuracy {at.Accuracy * 100:0.0}%";
            plot.Add.Marker(sa, at.Accuracy * 100, MarkerShape.OpenDiamond, 16, ColorOf(0));
            plot.Add.Marker(sb, at.Accuracy * 100, MarkerShape.OpenDiamond, 16, ColorOf(1));
            title += $" (Δ steps {sb - sa:+0.00;-0.00} at {at.Accuracy * 100:0.0}%)";
        }
        plot.Title(title);
        plot.XLabel("mean exit step (timesteps)");
        plot.YLabel("accuracy (%)");
        plot.ShowLegend(Alignment.LowerRight);
        return new ReportPlot("comparison", "comparison.png",
            $"Top-K curves (solid) and fixed-timestep baselines (dashed) of both models; diamonds: steps each needs at equal accuracy.", Png(plot));
    }

    /// <summary>Top-K at the calibrated ε (or ε = 0), the point the summary quotes.</summary>
    public static CutoffResult? OperatingPoint(EvaluationResult r) =>
        r.Find("topk", r.CalibrationEpsilon ?? 0) ?? r.Cutoffs.Where(c => c.Policy == "topk").MinBy(c => c.Setting);
}
