using EventSnn.Model;
using EventSnn.Model.Cutoff;
using EventSnn.Model.Evaluation;
using ScottPlot;
using ScottPlot.Panels;

namespace EventSnn.Cli.Report;

/// <summary>A rectangle of a rendered plot in image pixels (origin top left).</summary>
internal sealed record PixelBox(float Left, float Top, float Right, float Bottom)
{
    /// <summary>Whether the two rectangles share any area.</summary>
    public bool Overlaps(PixelBox o) => Left < o.Right && o.Left < Right && Top < o.Bottom && o.Top < Bottom;
}

/// <summary>Where ScottPlot put the data area and the legend in the last render of a plot.</summary>
/// <param name="Figure">The whole image.</param>
/// <param name="Data">The data area (inside the axes).</param>
/// <param name="Legend">The legend panel, or null when the plot has no legend.</param>
internal sealed record PlotLayout(PixelBox Figure, PixelBox Data, PixelBox? Legend);

/// <summary>One rendered plot: file name, caption, PNG bytes and the layout ScottPlot rendered it with.</summary>
internal sealed record ReportPlot(string Id, string FileName, string Caption, byte[] Png, PlotLayout Layout);

/// <summary>Renders the report's plots with ScottPlot (PNG).</summary>
internal static class ReportPlots
{
    public const int Width = 640;
    public const int Height = 460;

    /// <summary>The report's one font family, on its plots and its page (and on the live page).</summary>
    public const string FontFamily = "DejaVu Sans";

    /// <summary>CSS font stack of the pages, led by <see cref="FontFamily"/>.</summary>
    public const string CssFontStack = "\"DejaVu Sans\", \"Liberation Sans\", Verdana, sans-serif";

    // Drawn in this order: Top-K last, so it lies above the others.
    private static readonly CutoffPolicyKind[] PolicyOrder = [CutoffPolicyKind.Fixed, CutoffPolicyKind.Softmax, CutoffPolicyKind.Entropy, CutoffPolicyKind.Conformal, CutoffPolicyKind.TopKRisk, CutoffPolicyKind.TopK];

    private static Color ColorOf(int i) => new ScottPlot.Palettes.Category10().GetColor(i);

    private static Color PolicyColor(CutoffPolicyKind policy) => policy switch
    {
        CutoffPolicyKind.TopK => ColorOf(3),
        CutoffPolicyKind.Softmax => ColorOf(1),
        CutoffPolicyKind.Entropy => ColorOf(2),
        CutoffPolicyKind.Conformal => ColorOf(4),
        CutoffPolicyKind.TopKRisk => ColorOf(0),
        _ => ColorOf(7),
    };

    private static Plot NewPlot()
    {
        var plot = new Plot();
        plot.Font.Set(FontFamily);
        plot.Axes.Title.Label.FontSize = 15;
        return plot;
    }

    // Timesteps are whole numbers: ticks at integers only, at most about a dozen.
    private static void IntegerTicks(IAxis axis, double max) =>
        axis.TickGenerator = new ScottPlot.TickGenerators.NumericFixedInterval(Math.Max(1, Math.Ceiling(max / 12)));

    // Accuracy axes start from chance (1/K) with chance marked, and end at 100 %.
    private static void AccuracyAxis(Plot plot, int classes, string label)
    {
        double chance = classes > 0 ? 100.0 / classes : 0;
        double lower = Math.Max(0, Math.Floor((chance - 2.5) / 5) * 5);
        plot.Axes.SetLimitsY(lower, 102);
        plot.YLabel(label);
        if (classes > 0)
        {
            var line = plot.Add.HorizontalLine(chance, 1.5f, Colors.Gray, LinePattern.Dashed);
            line.LegendText = $"chance 1/{classes} = {chance:0.#}%";
        }
    }

    private static LegendPanel LegendBelow(Plot plot)
    {
        var panel = plot.ShowLegend(Edge.Bottom);
        panel.Legend.Orientation = Orientation.Horizontal;
        panel.Legend.FontName = FontFamily;
        return panel;
    }

    private static (byte[] Png, PlotLayout Layout) Render(Plot plot, LegendPanel? legend = null)
    {
        byte[] png = plot.GetImageBytes(Width, Height, ImageFormat.Png);
        var last = plot.RenderManager.LastRender;
        static PixelBox Box(PixelRect r) => new(r.Left, r.Top, r.Right, r.Bottom);
        var data = last.Layout.DataRect;
        PixelBox? legendBox = null;
        if (legend is not null && last.Layout.PanelOffsets.TryGetValue(legend, out float offset) && last.Layout.PanelSizes.TryGetValue(legend, out float size))
            legendBox = legend.Edge switch
            {
                Edge.Bottom => new PixelBox(data.Left, data.Bottom + offset, data.Right, data.Bottom + offset + size),
                Edge.Top => new PixelBox(data.Left, data.Top - offset - size, data.Right, data.Top - offset),
                Edge.Right => new PixelBox(data.Right + offset, data.Top, data.Right + offset + size, data.Bottom),
                _ => new PixelBox(data.Left - offset - size, data.Top, data.Left - offset, data.Bottom),
            };
        return (png, new PlotLayout(Box(last.Layout.FigureRect), Box(data), legendBox));
    }

    private static ReportPlot Made(string id, string file, string caption, Plot plot, LegendPanel? legend = null)
    {
        var (png, layout) = Render(plot, legend);
        return new ReportPlot(id, file, caption, png, layout);
    }

    /// <summary>acc(t) for every model, one line each.</summary>
    public static ReportPlot AccuracyVsTimestep(IReadOnlyList<EvaluationResult> models)
    {
        var plot = NewPlot();
        AccuracyAxis(plot, models.Max(r => r.Classes), "accuracy of argmax Y(t) (%)");
        for (int m = 0; m < models.Count; m++)
        {
            var r = models[m];
            double[] xs = Enumerable.Range(1, r.Timesteps).Select(t => (double)t).ToArray();
            var s = plot.Add.Scatter(xs, r.AccuracyPerTimestep.Select(a => a * 100).ToArray(), ColorOf(m));
            s.LegendText = r.Name ?? $"model {m + 1}";
            s.LineWidth = 2;
        }
        int maxT = models.Max(r => r.Timesteps);
        plot.Axes.SetLimitsX(0.5, maxT + 0.5);
        IntegerTicks(plot.Axes.Bottom, maxT);
        plot.Title("Accuracy vs timestep (no cutoff)");
        plot.XLabel("timestep t");
        var legend = LegendBelow(plot);
        return Made("accuracy-vs-timestep", "accuracy_vs_timestep.png", "Accuracy of argmax Y(t) at every timestep t.", plot, legend);
    }

    /// <summary>Accuracy vs mean exit step for every policy of one model, with the Top-K operating point marked.</summary>
    public static ReportPlot Tradeoff(EvaluationResult r, int index, string slug)
    {
        var plot = NewPlot();
        AccuracyAxis(plot, r.Classes, "accuracy (%)");
        foreach (var policy in PolicyOrder)
        {
            var pts = r.Cutoffs.Where(x => x.Policy == policy).OrderBy(x => x.MeanTimesteps).ToList();
            if (pts.Count == 0) continue;
            bool topk = policy == CutoffPolicyKind.TopK;
            var s = plot.Add.Scatter(pts.Select(p => p.MeanTimesteps).ToArray(), pts.Select(p => p.Accuracy * 100).ToArray(), PolicyColor(policy));
            s.LegendText = topk ? "Top-K" : policy.Name();
            s.MarkerSize = topk ? 7 : 4;
            s.LineWidth = topk ? 3f : 1.2f;
            if (!topk) s.LinePattern = policy == CutoffPolicyKind.Fixed ? LinePattern.Dashed : LinePattern.Solid;
        }
        var full = plot.Add.Marker(r.Timesteps, r.AccuracyAtT * 100, MarkerShape.FilledSquare, 11, Colors.Gray);
        full.LegendText = $"all T={r.Timesteps} steps: {r.AccuracyAtT * 100:0.0}%";
        var op = OperatingPoint(r);
        if (op != null)
        {
            // Drawn last: the operating point and its label lie above every curve.
            var mk = plot.Add.Marker(op.MeanTimesteps, op.Accuracy * 100, MarkerShape.OpenCircle, 18, Colors.Black);
            mk.LineWidth = 2;
            var label = plot.Add.Text($"Top-K ε={op.Setting:0.##}: {op.Accuracy * 100:0.0}% at {op.MeanTimesteps:0.00} steps", op.MeanTimesteps, op.Accuracy * 100);
            label.LabelFontName = FontFamily;
            label.LabelFontSize = 12;
            label.LabelBackgroundColor = Colors.White.WithAlpha(0.85);
            label.LabelBorderColor = PolicyColor(CutoffPolicyKind.TopK);
            label.LabelBorderWidth = 1;
            label.LabelPadding = 3;
            // Below the point, towards the middle of the axis so it stays inside.
            label.LabelAlignment = op.MeanTimesteps > (r.Timesteps + 1) / 2.0 ? Alignment.UpperRight : Alignment.UpperLeft;
            label.OffsetY = 12;
        }
        plot.Axes.SetLimitsX(0.5, r.Timesteps + 0.5);
        IntegerTicks(plot.Axes.Bottom, r.Timesteps);
        plot.Title($"Accuracy vs mean timesteps: {r.Name}");
        plot.XLabel("mean exit step (timesteps)");
        var legend = LegendBelow(plot);
        return Made($"tradeoff-{slug}", $"tradeoff_{slug}.png",
            $"{r.Name}: accuracy vs mean timesteps for every policy and setting; circled and labelled: the Top-K operating point.", plot, legend);
    }

    /// <summary>Exit-step histogram of the Top-K operating point of one model.</summary>
    public static ReportPlot ExitHistogram(EvaluationResult r, int index, string slug)
    {
        var op = OperatingPoint(r) ?? r.Cutoffs.Single(x => x.Policy == CutoffPolicyKind.Fixed && x.Setting == r.Timesteps);
        var plot = StepHistogram(r.Timesteps, op.ExitHistogram, index, $"Exit steps, {op.Policy.Name()} {op.Parameter}={op.Setting:0.##}: {r.Name}", "exit step");
        IntegerTicks(plot.Axes.Bottom, r.Timesteps);
        return Made($"exit-histogram-{slug}", $"exit_histogram_{slug}.png",
            $"{r.Name}: number of test samples exiting at each step ({op.Policy.Name()}, {op.Parameter} = {op.Setting:0.##}; mean {op.MeanTimesteps:0.00}).", plot);
    }

    /// <summary>Distribution of the optimal cutoff timestep (oracle) of one model.</summary>
    public static ReportPlot OctDistribution(EvaluationResult r, int index, string slug)
    {
        int T = r.Timesteps;
        int wrong = WrongAtT(r);
        // The OCT histogram counts samples wrong at T at T; they get their own bar here.
        var counts = r.OctHistogram.Select(v => (double)v).Append(wrong).ToArray();
        counts[T - 1] -= wrong;
        var plot = StepHistogram(T, counts.Take(T).Select(v => (int)v).ToArray(), index, $"OCT distribution (mean {r.OctMean:0.00}): {r.Name}", "optimal cutoff timestep");
        var bar = plot.Add.Bar(T + 1.5, wrong);
        bar.Color = Colors.Gray;
        double interval = Math.Max(1, Math.Ceiling(T / 12.0));
        var ticks = Enumerable.Range(1, T).Where(t => (t - 1) % (int)interval == 0 || t == T).Select(t => new Tick(t, t.ToString(System.Globalization.CultureInfo.InvariantCulture)))
            .Append(new Tick(T + 1.5, "wrong at T")).ToArray();
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks);
        plot.Axes.SetLimitsX(0.4, T + 2.1);
        return Made($"oct-{slug}", $"oct_{slug}.png",
            $"{r.Name}: the earliest step from which each sample stays correct (grey: {wrong} samples wrong at T, counted at T in the mean {r.OctMean:0.00}).", plot);
    }

    /// <summary>Test samples whose prediction at T is wrong: N − round(acc(T)·N).</summary>
    public static int WrongAtT(EvaluationResult r) => r.Samples - (int)Math.Round(r.AccuracyAtT * r.Samples);

    // Samples per step 1..T as bars in the model's colour.
    private static Plot StepHistogram(int timesteps, IReadOnlyList<int> counts, int index, string title, string xLabel)
    {
        var plot = NewPlot();
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
        var plot = NewPlot();
        AccuracyAxis(plot, Math.Max(a.Classes, b.Classes), "accuracy (%)");
        // Baselines first, Top-K curves above them.
        foreach (var policy in new[] { CutoffPolicyKind.Fixed, CutoffPolicyKind.TopK })
        {
            int m = 0;
            foreach (var r in new[] { a, b })
            {
                var pts = r.Cutoffs.Where(x => x.Policy == policy).OrderBy(x => x.MeanTimesteps).ToList();
                if (pts.Count == 0) { m++; continue; }
                var s = plot.Add.Scatter(pts.Select(p => p.MeanTimesteps).ToArray(), pts.Select(p => p.Accuracy * 100).ToArray(), ColorOf(m));
                s.LegendText = $"{r.Name}: {(policy == CutoffPolicyKind.TopK ? "Top-K" : policy.Name())}";
                s.LineWidth = policy == CutoffPolicyKind.TopK ? 2.5f : 1;
                s.LinePattern = policy == CutoffPolicyKind.TopK ? LinePattern.Solid : LinePattern.Dashed;
                s.MarkerSize = policy == CutoffPolicyKind.TopK ? 7 : 4;
                m++;
            }
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
        int maxT = Math.Max(a.Timesteps, b.Timesteps);
        plot.Axes.SetLimitsX(0.5, maxT + 0.5);
        IntegerTicks(plot.Axes.Bottom, maxT);
        plot.Title(title);
        plot.XLabel("mean exit step (timesteps)");
        var legend = LegendBelow(plot);
        return Made("comparison", "comparison.png",
            $"Top-K curves (solid) and fixed-timestep baselines (dashed) of both models; diamonds: steps each needs at equal accuracy.", plot, legend);
    }

    /// <summary>Top-K at the calibrated ε (or ε = 0), the point the summary quotes.</summary>
    public static CutoffResult? OperatingPoint(EvaluationResult r) =>
        r.Find(CutoffPolicyKind.TopK, r.CalibrationEpsilon ?? 0) ?? r.Cutoffs.Where(c => c.Policy == CutoffPolicyKind.TopK).MinBy(c => c.Setting);
}
