using EventSnn.Model.Cutoff;
using System.Text.Json;
using EventSnn.Ingest;
using EventSnn.Pipeline;
using EventSnn.Pipeline.Binning;
using EventSnn.Pipeline.Network;

namespace EventSnn.Tests.Pipeline;

/// <summary>`eventsnn stream replay` into `eventsnn stream classify`, as separate processes on loopback.</summary>
[Collection(StreamCliCollection.Name)]
public class StreamCliTests(GestureCheckpointFixture gestures)
{
    static readonly TimeSpan Limit = TimeSpan.FromSeconds(90);

    static JsonElement Json(string line) => JsonDocument.Parse(line).RootElement;

    [Fact]
    public async Task UdpReplayOfGestureRecordingsIntoClassifyPrintsTheOfflineDecisionsAndCountersThatAddUp()
    {
        using var classify = new ChildProcess("stream", "classify", "--udp-listen", "127.0.0.1:0", "--model", gestures.Checkpoint, "--json",
            "--quiet-ms", "1000", "--counters-every", "0.5", "--cutoff", "fixed");
        var start = Json(await classify.WaitForLine(l => l.Contains("\"type\":\"start\""), Limit));
        string source = start.GetProperty("source").GetString()!;
        Assert.StartsWith("udp://127.0.0.1:", source);
        Assert.Equal(GestureCheckpointFixture.WindowUs / GestureCheckpointFixture.T, start.GetProperty("bin_us").GetInt64());
        string port = source[(source.LastIndexOf(':') + 1)..];

        var streams = new List<(string Stream, string Path, int Class)>();
        foreach (var (path, cls, _) in gestures.Gestures)
        {
            var (code, stdout, stderr) = EventSnnProcess.Run(Limit, null, "stream", "replay", path, "--udp", $"127.0.0.1:{port}", "--timestamps", "--speed", "4", "--json");
            Assert.True(code == 0, stderr);
            var summary = Json(stdout.Trim().Split('\n')[^1]);
            Assert.Equal(gestures.Gestures.First(g => g.Path == path).Events, summary.GetProperty("events").GetInt64());
            // Each replay sends from its own port: its own stream. Let the quiet period close it before the next.
            await Task.Delay(1300);
            streams.Add((path, path, cls));
        }
        // Once every event sent has been received and classified, stop it as a user would (Ctrl+C).
        long sent = gestures.Gestures.Sum(g => (long)g.Events);
        await classify.WaitForLine(l =>
        {
            var j = Json(l);
            return j.GetProperty("type").GetString() == "counters" && j.GetProperty("counters").GetProperty("events_received").GetInt64() == sent
                   && j.GetProperty("events_in_flight").GetInt64() == 0;
        }, Limit);
        classify.Interrupt();
        Assert.Equal(0, await classify.WaitForExit(Limit));

        var lines = classify.Out.Select(Json).ToList();
        var decisions = lines.Where(l => l.GetProperty("type").GetString() == "decision").ToList();
        var final = lines.Last(l => l.GetProperty("type").GetString() == "counters");
        Assert.True(final.GetProperty("final").GetBoolean());
        Assert.Contains(lines, l => l.GetProperty("type").GetString() == "counters" && !l.GetProperty("final").GetBoolean());
        var c = final.GetProperty("counters");
        long received = c.GetProperty("events_received").GetInt64();
        Assert.Equal(gestures.Gestures.Sum(g => (long)g.Events), received);
        Assert.Equal(received, final.GetProperty("events_accounted").GetInt64());
        Assert.Equal(0, final.GetProperty("events_in_flight").GetInt64());
        Assert.Equal(received, c.GetProperty("events_classified").GetInt64() + c.GetProperty("events_dropped_out_of_range").GetInt64()
                               + c.GetProperty("events_dropped_late").GetInt64());
        Assert.Equal(0, c.GetProperty("datagrams_malformed").GetInt64());
        Assert.Equal(decisions.Count, c.GetProperty("decisions").GetInt64());

        // Group decisions by stream (one per replay, in order of appearance) and compare with offline classification.
        var byStream = decisions.GroupBy(d => d.GetProperty("stream").GetString()!).ToList();
        Assert.Equal(gestures.Gestures.Count, byStream.Count);
        var factory = new CheckpointClassifierFactory(gestures.Checkpoint);
        using var model = factory.Load(maxBatch: 1);
        var (rule, _) = factory.LoadExitRule(CutoffPolicyKind.Fixed);
        var binning = new OnlineBinningOptions { WindowUs = GestureCheckpointFixture.WindowUs / GestureCheckpointFixture.T, Width = 32, Height = 32, Downsample = 4 };
        int correct = 0;
        for (int g = 0; g < byStream.Count; g++)
        {
            using var recording = EventFile.ReadAll(gestures.Gestures[g].Path).Events;
            var offline = StreamPipeline.ClassifyOffline("offline", recording, binning, model, rule);
            var online = byStream[g].ToList();
            Assert.Equal(offline.Select(d => (d.Class, d.Timestep, d.EventTimeUs, d.Events)),
                         online.Select(d => (d.GetProperty("class").GetInt32(), d.GetProperty("timestep").GetInt32(), d.GetProperty("event_time_us").GetInt64(), d.GetProperty("events").GetInt64())));
            for (int i = 0; i < online.Count; i++)
                Assert.Equal(offline[i].Confidence, online[i].GetProperty("confidence").GetDouble(), 5);
            Assert.All(online, d => Assert.True(d.GetProperty("latency_ms").GetDouble() >= 0));
            Assert.All(online, d => Assert.Equal(GestureCheckpointFixture.ClassNames[d.GetProperty("class").GetInt32()], d.GetProperty("label").GetString()));
            if (online[0].GetProperty("class").GetInt32() == gestures.Gestures[g].Class) correct++;
        }
        // The network was trained on these gestures: its first decision on each should name it.
        Assert.True(correct >= 2, $"only {correct} of {byStream.Count} gestures recognised (training accuracy {gestures.TrainAccuracy}); {classify.Transcript}");
    }

    [Fact]
    public async Task CtrlCStopsClassifyCleanlyWithFinalCountersThatAddUp()
    {
        using var classify = new ChildProcess("stream", "classify", "--udp-listen", "127.0.0.1:0", "--model", gestures.Checkpoint, "--json", "--cutoff", "fixed");
        var start = Json(await classify.WaitForLine(l => l.Contains("\"type\":\"start\""), Limit));
        string source = start.GetProperty("source").GetString()!;
        string port = source[(source.LastIndexOf(':') + 1)..];
        // A paced replay that is still running when the classifier is interrupted.
        using var replay = new ChildProcess("stream", "replay", gestures.Gestures[0].Path, "--udp", $"127.0.0.1:{port}", "--timestamps", "--speed", "0.5");
        await PipelineRun.Until(() => classify.Out.Any(l => l.Contains("\"decision\"")) , TimeSpan.FromSeconds(3));
        await Task.Delay(300);
        classify.Interrupt();
        Assert.Equal(0, await classify.WaitForExit(TimeSpan.FromSeconds(20)));
        var final = Json(classify.Out.Last(l => l.Contains("\"type\":\"counters\"")));
        Assert.True(final.GetProperty("final").GetBoolean(), classify.Transcript);
        Assert.True(final.GetProperty("counters").GetProperty("events_received").GetInt64() > 0, classify.Transcript);
        Assert.Equal(0, final.GetProperty("events_in_flight").GetInt64());
        replay.Interrupt();
        await replay.WaitForExit(TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task TcpReplayAsADvCameraIntoClassifyGivesTheOfflineDecisions()
    {
        var (path, cls, count) = gestures.Gestures[1];
        using var replay = new ChildProcess("stream", "replay", path, "--tcp-listen", "127.0.0.1:0", "--speed", "0", "--compression", "zstd", "--json");
        string listening = await replay.WaitForLine(l => l.StartsWith("listening on "), Limit, stderr: true);
        string port = listening[(listening.LastIndexOf(':') + 1)..];
        // Lossless (--policy wait), no reconnect (--once): the stream ends when the recording does, so no quiet
        // period is needed (--quiet-ms 0); a wall-clock quiet period would cut bins wherever the sender stalls.
        var (code, stdout, stderr) = EventSnnProcess.Run(Limit, null, "stream", "classify", "--tcp", $"127.0.0.1:{port}", "--once", "--policy", "wait", "--quiet-ms", "0",
            "--model", gestures.Checkpoint, "--json", "--cutoff", "fixed");
        Assert.True(code == 0, stderr);
        Assert.Equal(0, await replay.WaitForExit(Limit));
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(Json).ToList();
        var decisions = lines.Where(l => l.GetProperty("type").GetString() == "decision").ToList();
        var final = lines.Last(l => l.GetProperty("type").GetString() == "counters");
        var c = final.GetProperty("counters");
        Assert.Equal(count, c.GetProperty("events_received").GetInt64());
        Assert.Equal(0, final.GetProperty("events_in_flight").GetInt64());
        Assert.Equal(1, c.GetProperty("connections").GetInt64());
        Assert.Equal(0, c.GetProperty("packets_malformed").GetInt64() + c.GetProperty("packets_truncated").GetInt64());

        var factory = new CheckpointClassifierFactory(gestures.Checkpoint);
        using var model = factory.Load(maxBatch: 1);
        var (rule, _) = factory.LoadExitRule(CutoffPolicyKind.Fixed);
        var binning = new OnlineBinningOptions { WindowUs = GestureCheckpointFixture.WindowUs / GestureCheckpointFixture.T, Width = 32, Height = 32, Downsample = 4 };
        using var recording = EventFile.ReadAll(path).Events;
        var offline = StreamPipeline.ClassifyOffline("offline", recording, binning, model, rule);
        Assert.Equal(offline.Select(d => (d.Class, d.Timestep, d.EventTimeUs, d.Events)),
                     decisions.Select(d => (d.GetProperty("class").GetInt32(), d.GetProperty("timestep").GetInt32(), d.GetProperty("event_time_us").GetInt64(), d.GetProperty("events").GetInt64())));
        Assert.All(decisions, d => Assert.StartsWith("tcp://127.0.0.1:", d.GetProperty("stream").GetString()));
        Assert.Equal(cls, decisions[0].GetProperty("class").GetInt32());
    }
}

[CollectionDefinition(Name)]
public sealed class StreamCliCollection : ICollectionFixture<GestureCheckpointFixture>
{
    public const string Name = "streaming end-to-end with a trained gesture network";
}
