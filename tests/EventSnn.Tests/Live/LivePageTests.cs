using System.Globalization;
using System.Text.Json;
using EventSnn.Ingest;
using EventSnn.Model.Cutoff;
using EventSnn.Pipeline;
using EventSnn.Pipeline.Binning;
using EventSnn.Pipeline.Network;
using EventSnn.Tests.Browser;
using EventSnn.Tests.Pipeline;

namespace EventSnn.Tests.Live;

/// <summary>
/// `stream classify --http` watched in a real browser: three gesture recordings replayed at once over UDP, the
/// page opened in headless chromium (PuppeteerSharp), and what it shows checked against the JSON lines, the
/// /events feed and /metrics.
/// </summary>
[Collection(StreamCliCollection.Name)]
public class LivePageTests(GestureCheckpointFixture gestures)
{
    static readonly TimeSpan Limit = TimeSpan.FromSeconds(90);

    static JsonElement Json(string line) => JsonDocument.Parse(line).RootElement;

    /// <summary>
    /// A copy of the gesture checkpoint with a Top-K calibration whose β_t is half the largest Top-1/Top-2 gap the
    /// recordings reach at step t, so the cutoff fires on some and not on others.
    /// </summary>
    string CalibratedCheckpoint(string dir)
    {
        string ckpt = Path.Combine(dir, "gestures.ckpt");
        File.Copy(gestures.Checkpoint, ckpt);
        using var model = new CheckpointClassifierFactory(ckpt).Load(maxBatch: 1, initialSlots: 1);
        var maxGap = new double[GestureCheckpointFixture.T];
        bool Record(ReadOnlySpan<float> y, int t)
        {
            maxGap[t - 1] = Math.Max(maxGap[t - 1], OutputStatistics.Top2Gap(y));
            return false;
        }
        var binning = new OnlineBinningOptions { WindowUs = GestureCheckpointFixture.WindowUs / GestureCheckpointFixture.T, Width = 32, Height = 32, Downsample = 4 };
        foreach (var (path, _, _) in gestures.Gestures)
        {
            using var events = EventFile.ReadAll(path).Events;
            StreamPipeline.ClassifyOffline("calibration", events, binning, model, Record);
        }
        double[] beta = maxGap.Select(g => 0.5 * g).ToArray();
        new CutoffCalibration { T = GestureCheckpointFixture.T, Classes = 11, Samples = gestures.Gestures.Count, Epsilon = 0, Thresholds = beta, TopK = [new TopKThresholds(0, beta)] }
            .Save(CutoffCalibration.PathFor(ckpt));
        return ckpt;
    }

    internal static Dictionary<string, double> ParseMetrics(string text)
    {
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (string raw in text.Split('\n'))
        {
            string line = raw.Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            int space = line.LastIndexOf(' ');
            Assert.True(space > 0, $"metrics line without a value: '{line}'");
            values[line[..space]] = double.Parse(line[(space + 1)..], CultureInfo.InvariantCulture);
        }
        return values;
    }

    static double Sum(Dictionary<string, double> metrics, string name) =>
        metrics.Where(kv => kv.Key == name || kv.Key.StartsWith(name + "{", StringComparison.Ordinal)).Sum(kv => kv.Value);

    [Fact]
    public async Task LivePageShowsTheStreamsAndTheDecisionsOfTheJsonLinesAndMetricsMatchTheFinalCounters()
    {
        string dir = Fixtures.TempDir("eventsnn-live");
        try
        {
            string ckpt = CalibratedCheckpoint(dir);
            using var classify = new ChildProcess("stream", "classify", "--udp-listen", "127.0.0.1:0", "--model", ckpt, "--json", "--quiet-ms", "300",
                "--counters-every", "0.5", "--idle-exit", "1.5", "--http", "127.0.0.1:0", "--http-linger", "60");
            var url = new Uri(Json(await classify.WaitForLine(l => l.Contains("\"type\":\"http\""), Limit)).GetProperty("url").GetString()!);
            var start = Json(await classify.WaitForLine(l => l.Contains("\"type\":\"start\""), Limit));
            string source = start.GetProperty("source").GetString()!;
            string port = source[(source.LastIndexOf(':') + 1)..];
            Assert.Equal("127.0.0.1", url.Host);

            await using var browser = await HeadlessBrowser.LaunchAsync();
            var page = await browser.NewPageAsync(1300, 1000);
            await page.GoToAsync(url.ToString());
            await page.WaitForFunctionAsync("() => document.getElementById('status').className === 'live'", new PuppeteerSharp.WaitForFunctionOptions { Timeout = 30_000 });

            // Three recordings at once, each from its own UDP port: three streams.
            var replays = gestures.Gestures.Select(g => new ChildProcess("stream", "replay", g.Path, "--udp", $"127.0.0.1:{port}", "--timestamps", "--speed", "0.5")).ToList();
            try
            {
                await page.WaitForFunctionAsync("() => document.querySelectorAll('tr.decision').length > 0", new PuppeteerSharp.WaitForFunctionOptions { Timeout = 60_000 });
                foreach (var r in replays) Assert.Equal(0, await r.WaitForExit(Limit));
            }
            finally { foreach (var r in replays) r.Dispose(); }

            // Input ends (--idle-exit); the final counters are printed and the server lingers.
            var final = Json(await classify.WaitForLine(l => l.Contains("\"type\":\"counters\"") && l.Contains("\"final\":true"), Limit));
            await page.WaitForFunctionAsync("() => document.body.dataset.ended === '1'", new PuppeteerSharp.WaitForFunctionOptions { Timeout = 30_000 });
            var c = final.GetProperty("counters");
            var decisions = classify.Out.Where(l => l.Contains("\"type\":\"decision\"")).Select(Json).ToList();
            Assert.NotEmpty(decisions);
            Assert.Equal(decisions.Count, c.GetProperty("decisions").GetInt64());

            // The page: one tile per stream, a bin image that is not blank, the class bars, and exactly the decisions of the JSON lines.
            var tiles = await page.EvaluateFunctionAsync<string[]>("() => Array.from(document.querySelectorAll('.tile')).map(t => t.dataset.stream)");
            Assert.Equal(decisions.Select(d => d.GetProperty("stream").GetString()!).Distinct().Order(), tiles.Order());
            Assert.Equal(gestures.Gestures.Count, tiles.Length);
            var lit = await page.EvaluateFunctionAsync<int[]>("""
                () => Array.from(document.querySelectorAll('canvas.bin')).map(c => {
                  if (c.width < 2) return 0;
                  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                  let n = 0;
                  for (let i = 0; i < d.length; i += 4) if (d[i] !== 20 || d[i + 1] !== 24 || d[i + 2] !== 29) n++;
                  return n;
                })
                """);
            Assert.All(lit, n => Assert.True(n > 0, "a stream tile's bin image is blank"));
            Assert.Equal(11 * tiles.Length, await page.EvaluateFunctionAsync<int>("() => document.querySelectorAll('.bar').length"));
            var shown = await page.EvaluateFunctionAsync<JsonElement>("() => Array.from(document.querySelectorAll('tr.decision')).map(r => Object.assign({}, r.dataset))");
            static string Key(string stream, string cls, string t, string time, string reason, string events) => $"{stream}|{cls}|{t}|{time}|{reason}|{events}";
            var onPage = shown.EnumerateArray().Select(r => Key(r.GetProperty("stream").GetString()!, r.GetProperty("class").GetString()!, r.GetProperty("timestep").GetString()!,
                r.GetProperty("eventTimeUs").GetString()!, r.GetProperty("reason").GetString()!, r.GetProperty("events").GetString()!)).Order().ToList();
            var inJson = decisions.Select(d => Key(d.GetProperty("stream").GetString()!, d.GetProperty("class").GetInt32().ToString(CultureInfo.InvariantCulture),
                d.GetProperty("timestep").GetInt32().ToString(CultureInfo.InvariantCulture), d.GetProperty("event_time_us").GetInt64().ToString(CultureInfo.InvariantCulture),
                d.GetProperty("reason").GetString()!, d.GetProperty("events").GetInt64().ToString(CultureInfo.InvariantCulture))).Order().ToList();
            Assert.Equal(inJson, onPage);
            // The cutoff was calibrated to fire on some: the page names the reason, the JSON lines agree.
            Assert.Contains(decisions, d => d.GetProperty("reason").GetString() == "cutoff");
            if (Environment.GetEnvironmentVariable("EVENTSNN_SCREENSHOTS") is { Length: > 0 } shots)
            {
                Directory.CreateDirectory(shots);
                await page.ScreenshotAsync(Path.Combine(shots, "live-page.png"), new PuppeteerSharp.ScreenshotOptions { FullPage = true });
            }

            using var http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(30) };
            // /metrics parses, and its totals are the final counters.
            var metrics = ParseMetrics(await http.GetStringAsync("metrics"));
            Assert.Equal(c.GetProperty("events_received").GetInt64(), metrics["eventsnn_events_received_total"]);
            Assert.Equal(c.GetProperty("events_classified").GetInt64(), metrics["eventsnn_events_classified_total"]);
            Assert.Equal(c.GetProperty("bins_classified").GetInt64(), metrics["eventsnn_bins_classified_total"]);
            Assert.Equal(c.GetProperty("datagrams_received").GetInt64(), metrics["eventsnn_datagrams_received_total"]);
            Assert.Equal(c.GetProperty("events_received").GetInt64(), metrics["eventsnn_events_classified_total"] + Sum(metrics, "eventsnn_events_dropped_total"));
            Assert.Equal(decisions.Count, Sum(metrics, "eventsnn_decisions_total"));
            Assert.Equal(decisions.Count, metrics["eventsnn_decisions_emitted_total"]);
            Assert.Equal(decisions.Count(d => d.GetProperty("reason").GetString() == "cutoff"),
                metrics.Where(kv => kv.Key.StartsWith("eventsnn_decisions_total{", StringComparison.Ordinal) && kv.Key.Contains("reason=\"cutoff\"")).Sum(kv => kv.Value));
            Assert.Equal(decisions.Count, metrics["eventsnn_exit_step_count"]);
            Assert.Equal(decisions.Sum(d => d.GetProperty("timestep").GetInt32()), metrics["eventsnn_exit_step_sum"], 6);
            Assert.Equal(decisions.Count, metrics["eventsnn_decision_latency_seconds_count"]);
            Assert.Equal(0, metrics["eventsnn_events_in_flight"]);
            Assert.Contains("eventsnn_queue_depth{queue=\"bins\"}", metrics.Keys);

            var health = Json(await http.GetStringAsync("healthz"));
            Assert.Equal("ok", health.GetProperty("status").GetString());
            Assert.Equal("ended", health.GetProperty("input").GetString());

            // /events for programs: a viewer connecting now still gets every decision, then the end.
            var feed = await ReadEventsUntilEnd(http);
            Assert.Equal(inJson, feed.Where(e => e.Type == "decision").Select(e => Key(e.Data.GetProperty("stream").GetString()!,
                e.Data.GetProperty("class").GetInt32().ToString(CultureInfo.InvariantCulture), e.Data.GetProperty("timestep").GetInt32().ToString(CultureInfo.InvariantCulture),
                e.Data.GetProperty("event_time_us").GetInt64().ToString(CultureInfo.InvariantCulture), e.Data.GetProperty("reason").GetString()!,
                e.Data.GetProperty("events").GetInt64().ToString(CultureInfo.InvariantCulture))).Order());
            Assert.Equal("hello", feed[0].Type);
            Assert.Equal(gestures.Gestures.Count, feed.Where(e => e.Type == "stream").Select(e => e.Data.GetProperty("stream").GetString()).Distinct().Count());

            // Ctrl+C ends the linger.
            classify.Interrupt();
            Assert.Equal(0, await classify.WaitForExit(TimeSpan.FromSeconds(20)));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void AnHttpPortInUseEndsClassifyWithAnErrorNamingIt()
    {
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        int port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port;
        var (code, _, err) = EventSnnProcess.Run(Limit, null, "stream", "classify", "--udp-listen", "127.0.0.1:0", "--model", gestures.Checkpoint,
            "--http", $"127.0.0.1:{port}", "--duration", "5");
        Assert.NotEqual(0, code);
        Assert.Contains(port.ToString(CultureInfo.InvariantCulture), err);
    }

    internal static async Task<List<(string Type, JsonElement Data)>> ReadEventsUntilEnd(HttpClient http)
    {
        using var response = await http.GetAsync("events", HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var events = new List<(string, JsonElement)>();
        string? type = null;
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal)) type = line[7..];
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                events.Add((type ?? "message", JsonDocument.Parse(line[6..]).RootElement.Clone()));
                if (type == "end") return events;
            }
        }
        throw new InvalidOperationException("the /events stream closed before its end event");
    }
}
