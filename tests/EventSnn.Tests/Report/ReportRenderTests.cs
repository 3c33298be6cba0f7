using System.Text.RegularExpressions;
using EventSnn.Model.Cutoff;
using EventSnn.Model.Evaluation;
using EventSnn.Tests.Cutoff;
using EventSnn.Tests.Browser;
using SkiaSharp;

namespace EventSnn.Tests.Report;

public class ReportRenderTests
{
    /// <summary>Layout of one &lt;img class="plot"&gt; as measured in the browser.</summary>
    internal sealed record PlotBox(string Id, bool Loaded, int Left, int Top, int Width, int Height);

    /// <summary>Viewport width of both the probe and the screenshot, so both see the same layout.</summary>
    private const int PageWidth = 1400;

    /// <summary>
    /// Opens the page in headless chromium (PuppeteerSharp) and returns, after load, whether each plot image decoded
    /// and where it sits (content box, page coordinates), and the page size.
    /// </summary>
    internal static async Task<(List<PlotBox> Boxes, int PageWidth, int PageHeight)> Probe(HeadlessBrowser browser, string html)
    {
        var page = await browser.NewPageAsync(PageWidth, 1000);
        await page.GoToAsync(new Uri(Path.GetFullPath(html)).AbsoluteUri, new PuppeteerSharp.NavigationOptions { WaitUntil = [PuppeteerSharp.WaitUntilNavigation.Load] });
        var found = await page.EvaluateFunctionAsync<System.Text.Json.JsonElement>("""
            () => Array.from(document.querySelectorAll('img.plot')).map(i => {
              const r = i.getBoundingClientRect();
              return { Id: i.id, Loaded: i.complete && i.naturalWidth > 0, Left: Math.round(r.left + window.scrollX + i.clientLeft),
                       Top: Math.round(r.top + window.scrollY + i.clientTop), Width: i.clientWidth, Height: i.clientHeight };
            })
            """);
        var boxes = found.EnumerateArray().Select(b => new PlotBox(b.GetProperty("Id").GetString()!, b.GetProperty("Loaded").GetBoolean(), b.GetProperty("Left").GetInt32(),
            b.GetProperty("Top").GetInt32(), b.GetProperty("Width").GetInt32(), b.GetProperty("Height").GetInt32())).ToList();
        int w = await page.EvaluateExpressionAsync<int>("document.documentElement.scrollWidth");
        int h = await page.EvaluateExpressionAsync<int>("document.documentElement.scrollHeight");
        await page.CloseAsync();
        return (boxes, w, h);
    }

    /// <summary>
    /// Checks that every plot of a report page is visible in a real screenshot: each image decoded, lies inside the
    /// page, and the screenshot's pixels in its box match the PNG file of that plot (so it was actually painted).
    /// Then checks, from the layout ScottPlot rendered each plot with (report.json), that no legend overlaps the data area.
    /// </summary>
    internal static void AssertEveryPlotVisible(string reportDir, int expectedPlots, string? screenshotCopy = null) =>
        Task.Run(() => AssertEveryPlotVisibleAsync(reportDir, expectedPlots, screenshotCopy)).GetAwaiter().GetResult();

    internal static async Task AssertEveryPlotVisibleAsync(string reportDir, int expectedPlots, string? screenshotCopy = null)
    {
        string html = Path.Combine(reportDir, "index.html");
        await using var browser = await HeadlessBrowser.LaunchAsync();
        var (boxes, w, h) = await Probe(browser, html);
        Assert.Equal(expectedPlots, boxes.Count);
        Assert.All(boxes, b => Assert.True(b.Loaded, $"plot {b.Id} did not load"));
        string shot = Path.Combine(reportDir, "screenshot.png");
        var page = await browser.NewPageAsync(Math.Max(w, PageWidth), h);
        await page.GoToAsync(new Uri(Path.GetFullPath(html)).AbsoluteUri);
        await page.ScreenshotAsync(shot, new PuppeteerSharp.ScreenshotOptions { FullPage = true });
        if (screenshotCopy is not null) File.Copy(shot, screenshotCopy, true);
        if (Environment.GetEnvironmentVariable("EVENTSNN_KEEP_REPORT") is string keep) CopyDir(reportDir, keep);
        using var screen = SKBitmap.Decode(shot);
        Assert.NotNull(screen);
        foreach (var b in boxes)
        {
            Assert.True(b.Width > 100 && b.Height > 100, $"plot {b.Id} is only {b.Width}x{b.Height} px");
            Assert.True(b.Left >= 0 && b.Top >= 0 && b.Left + b.Width <= screen.Width && b.Top + b.Height <= screen.Height,
                $"plot {b.Id} at ({b.Left},{b.Top}) {b.Width}x{b.Height} lies outside the {screen.Width}x{screen.Height} screenshot");
            string png = Path.Combine(reportDir, FileOf(b.Id));
            using var source = SKBitmap.Decode(png);
            int same = 0, ink = 0, total = 0;
            for (int y = 0; y < b.Height; y += 2)
                for (int x = 0; x < b.Width; x += 2)
                {
                    var s = screen.GetPixel(b.Left + x, b.Top + y);
                    var o = source.GetPixel(x * source.Width / b.Width, y * source.Height / b.Height);
                    total++;
                    if (Math.Abs(s.Red - o.Red) + Math.Abs(s.Green - o.Green) + Math.Abs(s.Blue - o.Blue) < 60) same++;
                    if (s.Red + s.Green + s.Blue < 600) ink++;
                }
            Assert.True(same > 0.9 * total, $"plot {b.Id}: only {same}/{total} screenshot pixels match {Path.GetFileName(png)}");
            Assert.True(ink > 0.005 * total, $"plot {b.Id}: the screenshot region is blank");
        }
        AssertNoLegendOverlapsData(reportDir);
    }

    /// <summary>From report.json's layouts (ScottPlot's last render of each plot): every legend lies in the figure and outside the data area.</summary>
    internal static void AssertNoLegendOverlapsData(string reportDir)
    {
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(reportDir, "report.json")));
        int legends = 0;
        foreach (var plot in doc.RootElement.GetProperty("plots").EnumerateArray())
        {
            string id = plot.GetProperty("id").GetString()!;
            var layout = plot.GetProperty("layout");
            var data = Box(layout.GetProperty("data"));
            var figure = Box(layout.GetProperty("figure"));
            Assert.True(data.Right - data.Left > 200 && data.Bottom - data.Top > 150, $"plot {id}: data area {data} is too small");
            if (!layout.TryGetProperty("legend", out var l) || l.ValueKind == System.Text.Json.JsonValueKind.Null) continue;
            var legend = Box(l);
            legends++;
            Assert.False(Overlaps(legend, data), $"plot {id}: legend {legend} overlaps the data area {data}");
            Assert.True(legend.Left >= figure.Left && legend.Top >= figure.Top && legend.Right <= figure.Right && legend.Bottom <= figure.Bottom,
                $"plot {id}: legend {legend} lies outside the figure {figure}");
        }
        Assert.True(legends > 0, "no plot has a legend");
    }

    internal readonly record struct Rect(double Left, double Top, double Right, double Bottom);

    static Rect Box(System.Text.Json.JsonElement e) =>
        new(e.GetProperty("left").GetDouble(), e.GetProperty("top").GetDouble(), e.GetProperty("right").GetDouble(), e.GetProperty("bottom").GetDouble());

    internal static bool Overlaps(Rect a, Rect b) => a.Left < b.Right && b.Left < a.Right && a.Top < b.Bottom && b.Top < a.Bottom;

    private static void CopyDir(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string f in Directory.GetFiles(from)) File.Copy(f, Path.Combine(to, Path.GetFileName(f)), true);
    }

    /// <summary>Plot ids are the PNG file names with dashes for underscores.</summary>
    private static string FileOf(string id) => id.Replace('-', '_') + ".png";

    internal static string WriteEval(string dir, string name, int seed, double signal)
    {
        var train = Noisy(80, 8, 5, seed, signal);
        var test = Noisy(60, 8, 5, seed + 100, signal);
        var r = EvaluationResult.Compute(test, CutoffCalibrator.Calibrate(train, new CalibrationSettings()));
        r.Name = name;
        string path = Path.Combine(dir, name + ".json");
        File.WriteAllText(path, r.ToJson());
        return path;
    }

    private static OutputSet Noisy(int n, int t, int k, int seed, double signal)
    {
        var s = OutputDumpTests.RandomOutputs(n, t, k, seed);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < t; j++) s.Outputs[(i * t + j) * k + s.Labels[i]] += (float)signal;
        return s;
    }

    [Fact]
    public async Task TwoModelReportRendersEveryPlotInHeadlessChromium()
    {
        string dir = Fixtures.TempDir();
        try
        {
            string a = WriteEval(dir, "alpha0", 1, 0.0);
            string b = WriteEval(dir, "alpha-rcs", 2, 0.3);
            string outDir = Path.Combine(dir, "report");
            var (code, stdout, stderr) = EventSnnProcess.Run("report", a, b, "--out", outDir);
            Assert.True(code == 0, stderr + stdout);
            foreach (string f in new[] { "index.html", "report.json", "accuracy_per_timestep.csv", "cutoffs.csv", "exit_histograms.csv", "oct_histogram.csv", "comparison.csv",
                                         "accuracy_vs_timestep.png", "comparison.png", "tradeoff_m1.png", "tradeoff_m2.png", "exit_histogram_m1.png", "exit_histogram_m2.png", "oct_m1.png", "oct_m2.png" })
                Assert.True(File.Exists(Path.Combine(outDir, f)), f + " missing");
            string html = File.ReadAllText(Path.Combine(outDir, "index.html"));
            Assert.DoesNotContain("http://", html);
            Assert.DoesNotContain("https://", html);
            Assert.Contains("id=\"headline\"", html);
            var cutoffs = File.ReadAllLines(Path.Combine(outDir, "cutoffs.csv"));
            Assert.Contains(cutoffs, l => l.StartsWith("alpha0,topk,epsilon,0,"));
            string? shots = Environment.GetEnvironmentVariable("EVENTSNN_SCREENSHOTS") is { Length: > 0 } d ? d : null;
            if (shots is not null) Directory.CreateDirectory(shots);
            await AssertEveryPlotVisibleAsync(outDir, 8, shots is null ? null : Path.Combine(shots, "report.png"));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public async Task VisibilityCheckCatchesABrokenPlot()
    {
        string dir = Fixtures.TempDir();
        try
        {
            string a = WriteEval(dir, "only", 3, 0.2);
            string outDir = Path.Combine(dir, "report");
            Assert.Equal(0, EventSnnProcess.Run("report", a, "--out", outDir).Code);
            string html = Path.Combine(outDir, "index.html");
            // Corrupt one embedded image: the probe must report it as not loaded.
            string text = File.ReadAllText(html);
            int at = text.IndexOf("id=\"oct-m1\"", StringComparison.Ordinal);
            int src = text.IndexOf("base64,", at, StringComparison.Ordinal) + 7;
            File.WriteAllText(html, text[..src] + "AAAA" + text[(src + 40)..]);
            await using var browser = await HeadlessBrowser.LaunchAsync();
            var (boxes, _, _) = await Probe(browser, html);
            Assert.Equal(4, boxes.Count);
            Assert.False(boxes.Single(b => b.Id == "oct-m1").Loaded);
            Assert.True(boxes.Where(b => b.Id != "oct-m1").All(b => b.Loaded));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void LegendCheckCatchesALegendOverTheDataAndTheOctPlotCountsWrongAtTApart()
    {
        string dir = Fixtures.TempDir();
        try
        {
            string a = WriteEval(dir, "only", 4, 0.1);
            string outDir = Path.Combine(dir, "report");
            Assert.Equal(0, EventSnnProcess.Run("report", a, "--out", outDir).Code);
            AssertNoLegendOverlapsData(outDir);

            var eval = EvaluationResult.Load(a);
            int wrong = eval.Samples - (int)Math.Round(eval.AccuracyAtT * eval.Samples);
            string json = File.ReadAllText(Path.Combine(outDir, "report.json"));
            Assert.Contains($"grey: {wrong} samples wrong at T", json);

            // Move one legend onto the data area: the check must fail.
            var root = System.Text.Json.Nodes.JsonNode.Parse(json)!;
            var plot = root["plots"]!.AsArray().First(p => p!["layout"]!["legend"] is not null)!;
            plot["layout"]!["legend"] = plot["layout"]!["data"]!.DeepClone();
            File.WriteAllText(Path.Combine(outDir, "report.json"), root.ToJsonString());
            var failure = Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => AssertNoLegendOverlapsData(outDir));
            Assert.Contains("overlaps the data area", failure.Message);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void ReportRejectsAFileThatIsNoEvaluation()
    {
        string dir = Fixtures.TempDir();
        try
        {
            string bad = Path.Combine(dir, "x.json");
            File.WriteAllText(bad, "{\"hello\": 1}");
            var (code, _, err) = EventSnnProcess.Run("report", bad, "--out", Path.Combine(dir, "r"));
            Assert.Equal(2, code);
            Assert.Contains("x.json", err);
        }
        finally { Directory.Delete(dir, true); }
    }
}
