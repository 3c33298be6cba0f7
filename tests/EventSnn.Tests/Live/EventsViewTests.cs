using EventSnn.Ingest;
using EventSnn.Tests.Browser;
using EventSnn.Tests.Pipeline;

namespace EventSnn.Tests.Live;

/// <summary>`eventsnn events view PATH --http PORT`: a recording on the live page, no model.</summary>
public class EventsViewTests
{
    /// <summary>A dot circling on a 128x128 sensor for 0.4 s, ON events ahead of it and OFF behind.</summary>
    internal static string WriteCirclingDot(string dir, int events = 20_000)
    {
        var batch = new EventBatch(events, 128, 128);
        for (int i = 0; i < events; i++)
        {
            double a = 2 * Math.PI * i / events;
            batch.TArray[i] = 1_000 + i * 20L;
            batch.XArray[i] = (ushort)(64 + 40 * Math.Cos(a) + (i % 5));
            batch.YArray[i] = (ushort)(64 + 40 * Math.Sin(a) + (i % 7 / 2));
            batch.PArray[i] = (byte)(i % 3 == 0 ? 0 : 1);
        }
        batch.Count = events;
        string path = Path.Combine(dir, "circling_dot.aedat");
        EventFile.Write(path, batch);
        batch.Dispose();
        return path;
    }

    [Fact]
    public async Task ViewPlaysARecordingOnTheLivePageWithCountsThatMatchTheFile()
    {
        string dir = Fixtures.TempDir("eventsnn-view");
        try
        {
            string path = WriteCirclingDot(dir);
            long count;
            using (var all = EventFile.ReadAll(path).Events) count = all.Count;
            using var view = new ChildProcess("events", "view", path, "--http", "127.0.0.1:0", "--bin-us", "20000", "--speed", "2", "--http-linger", "60");
            var url = new Uri(await view.WaitForLine(l => l.StartsWith("http://", StringComparison.Ordinal), TimeSpan.FromSeconds(60)));
            await using var browser = await HeadlessBrowser.LaunchAsync();
            var page = await browser.NewPageAsync(900, 600);
            await page.GoToAsync(url.ToString());
            await page.WaitForFunctionAsync("() => document.body.dataset.ended === '1'", new PuppeteerSharp.WaitForFunctionOptions { Timeout = 30_000 });
            Assert.Equal(["circling_dot.aedat"], await page.EvaluateFunctionAsync<string[]>("() => Array.from(document.querySelectorAll('.tile')).map(t => t.dataset.stream)"));
            int lit = await page.EvaluateFunctionAsync<int>("""
                () => { const c = document.querySelector('canvas.bin'); if (c.width < 2) return 0;
                  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0;
                  for (let i = 0; i < d.length; i += 4) if (d[i] !== 20 || d[i + 1] !== 24 || d[i + 2] !== 29) n++; return n; }
                """);
            Assert.True(lit > 0, "the bin image is blank");
            string shown = await page.EvaluateFunctionAsync<string>("() => document.querySelector('[data-counter=events_received] b').textContent");
            Assert.Equal(count, long.Parse(shown.Replace(",", ""), System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(0, await page.EvaluateFunctionAsync<int>("() => document.querySelectorAll('tr.decision').length"));

            using var http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(30) };
            var metrics = LivePageTests.ParseMetrics(await http.GetStringAsync("metrics"));
            Assert.Equal(count, metrics["eventsnn_events_received_total"]);
            Assert.Equal(count, metrics["eventsnn_events_classified_total"]);
            // 0.4 s of events in bins of 20 ms.
            Assert.Equal(20, metrics["eventsnn_bins_classified_total"]);
            view.Interrupt();
            Assert.Equal(0, await view.WaitForExit(TimeSpan.FromSeconds(20)));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void ViewOfAMissingFileEndsWithOneErrorLineAndCode2()
    {
        var (code, _, err) = EventSnnProcess.Run("events", "view", "/nonexistent/x.aedat", "--http", "127.0.0.1:0");
        Assert.Equal(2, code);
        var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("error: ", lines[0]);
        Assert.Contains("x.aedat", lines[0]);
    }
}
