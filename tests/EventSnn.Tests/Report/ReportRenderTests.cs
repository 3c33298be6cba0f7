using System.Text.RegularExpressions;
using EventSnn.Model.Cutoff;
using EventSnn.Model.Evaluation;
using EventSnn.Tests.Cutoff;
using SkiaSharp;

namespace EventSnn.Tests.Report;

public class ReportRenderTests
{
    /// <summary>Layout of one &lt;img class="plot"&gt; as measured in the browser.</summary>
    internal sealed record PlotBox(string Id, bool Loaded, int Left, int Top, int Width, int Height);

    /// <summary>
    /// Loads a copy of the page with a probe script that records, on load, whether each plot image decoded and
    /// where it sits; returns the boxes and the page size.
    /// </summary>
    /// <summary>Viewport width of both the probe and the screenshot, so both see the same layout.</summary>
    private const int PageWidth = 1400;

    internal static (List<PlotBox> Boxes, int PageWidth, int PageHeight) Probe(string html)
    {
        string probe = Path.Combine(Path.GetDirectoryName(html)!, "probe-" + Path.GetFileName(html));
        const string script = """
            <script>
            window.addEventListener('load', function () {
              var lines = [];
              document.querySelectorAll('img.plot').forEach(function (i) {
                var r = i.getBoundingClientRect();
                // content box (inside the border), in page coordinates
                lines.push(['plot', i.id, (i.complete && i.naturalWidth > 0) ? 1 : 0, Math.round(r.left + window.scrollX + i.clientLeft),
                            Math.round(r.top + window.scrollY + i.clientTop), i.clientWidth, i.clientHeight].join(' '));
              });
              lines.push(['page', document.documentElement.scrollWidth, document.documentElement.scrollHeight].join(' '));
              var pre = document.createElement('pre'); pre.id = 'probe'; pre.textContent = lines.join('\n');
              document.body.appendChild(pre);
            });
            </script>
            """;
        File.WriteAllText(probe, File.ReadAllText(html).Replace("</body>", script + "</body>"));
        string dom = HeadlessChromium.DumpDom(probe, PageWidth);
        File.Delete(probe);
        var pre = Regex.Match(dom, "<pre id=\"probe\">(.*?)</pre>", RegexOptions.Singleline);
        Assert.True(pre.Success, "the probe script did not run; DOM ends with:\n" + dom[Math.Max(0, dom.Length - 300)..]);
        string text = pre.Groups[1].Value;
        var boxes = Regex.Matches(text, @"^plot (\S+) (\d) (-?\d+) (-?\d+) (\d+) (\d+)$", RegexOptions.Multiline)
            .Select(m => new PlotBox(m.Groups[1].Value, m.Groups[2].Value == "1", int.Parse(m.Groups[3].Value), int.Parse(m.Groups[4].Value),
                                     int.Parse(m.Groups[5].Value), int.Parse(m.Groups[6].Value))).ToList();
        var page = Regex.Match(text, @"^page (\d+) (\d+)$", RegexOptions.Multiline);
        Assert.True(page.Success, "the probe reported no page size: " + text);
        return (boxes, int.Parse(page.Groups[1].Value), int.Parse(page.Groups[2].Value));
    }

    /// <summary>
    /// Checks that every plot of a report page is visible in a real screenshot: each image decoded, lies inside the
    /// page, and the screenshot's pixels in its box match the PNG file of that plot (so it was actually painted).
    /// </summary>
    internal static void AssertEveryPlotVisible(string reportDir, int expectedPlots)
    {
        string html = Path.Combine(reportDir, "index.html");
        var (boxes, w, h) = Probe(html);
        Assert.Equal(expectedPlots, boxes.Count);
        Assert.All(boxes, b => Assert.True(b.Loaded, $"plot {b.Id} did not load"));
        string shot = Path.Combine(reportDir, "screenshot.png");
        HeadlessChromium.Screenshot(html, shot, Math.Max(w, PageWidth), h);
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
    }

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
    public void TwoModelReportRendersEveryPlotInHeadlessChromium()
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
            AssertEveryPlotVisible(outDir, 8);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void VisibilityCheckCatchesABrokenPlot()
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
            var (boxes, _, _) = Probe(html);
            Assert.Equal(4, boxes.Count);
            Assert.False(boxes.Single(b => b.Id == "oct-m1").Loaded);
            Assert.True(boxes.Where(b => b.Id != "oct-m1").All(b => b.Loaded));
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
