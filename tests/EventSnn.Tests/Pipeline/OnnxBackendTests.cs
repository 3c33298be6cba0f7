using EventSnn.Model.Cutoff;
using System.Text.Json;
using EventSnn.Ingest;
using EventSnn.Pipeline;
using EventSnn.Pipeline.Binning;
using EventSnn.Pipeline.Network;

namespace EventSnn.Tests.Pipeline;

/// <summary>The ONNX Runtime backend of the network stage against the TorchSharp backend on the streaming tests' gestures.</summary>
[Collection(StreamCliCollection.Name)]
public class OnnxBackendTests(GestureCheckpointFixture gestures)
{
    static readonly TimeSpan Limit = TimeSpan.FromSeconds(90);

    static OnlineBinningOptions Binning => new() { WindowUs = GestureCheckpointFixture.WindowUs / GestureCheckpointFixture.T, Width = 32, Height = 32, Downsample = 4 };

    [Fact]
    public void OnnxRuntimeBackendGivesTheTorchBackendsDecisionsOnEveryGesture()
    {
        var factory = new CheckpointClassifierFactory(gestures.Checkpoint);
        using var torchModel = factory.Load(maxBatch: 4);
        using var onnxModel = factory.LoadOnnx(maxBatch: 4, threads: 1);
        Assert.Equal(torchModel.StateBytesPerSlot, onnxModel.StateBytesPerSlot);
        var (rule, _) = factory.LoadExitRule(CutoffPolicyKind.Fixed);
        int decisions = 0;
        foreach (var (path, _, _) in gestures.Gestures)
        {
            using var recording = EventFile.ReadAll(path).Events;
            var a = StreamPipeline.ClassifyOffline("s", recording, Binning, torchModel, rule);
            var b = StreamPipeline.ClassifyOffline("s", recording, Binning, onnxModel, rule);
            Assert.Equal(a.Select(d => (d.Class, d.Timestep, d.EventTimeUs, d.Events)), b.Select(d => (d.Class, d.Timestep, d.EventTimeUs, d.Events)));
            for (int i = 0; i < a.Count; i++) Assert.Equal(a[i].Confidence, b[i].Confidence, 4);
            decisions += a.Count;
        }
        Assert.True(decisions >= gestures.Gestures.Count, "every gesture should be decided at least once");
    }

    [Fact]
    public void SlotsAreIndependent()
    {
        // Two streams interleaved in one model give what each gives alone.
        var factory = new CheckpointClassifierFactory(gestures.Checkpoint);
        using var model = factory.LoadOnnx(maxBatch: 2);
        model.EnsureSlots(3);
        var rng = new Random(4);
        int frame = 2 * 32 * 32, k = model.Info.Classes;
        var frames = Enumerable.Range(0, 2 * frame).Select(_ => (float)rng.Next(0, 3)).ToArray();
        var together = new float[2 * k];
        model.Step([2, 0], frames, together);
        var alone = new float[k];
        model.Reset(1);
        model.Step([1], frames.AsSpan(0, frame), alone);
        Assert.Equal(alone, together.AsSpan(0, k).ToArray());
        model.Reset(1);
        model.Step([1], frames.AsSpan(frame, frame), alone);
        Assert.Equal(alone, together.AsSpan(k, k).ToArray());
    }

    [Fact]
    public async Task StreamClassifyWithTheOnnxRuntimeBackendGivesTheOfflineTorchDecisions()
    {
        var (path, cls, count) = gestures.Gestures[1];
        using var replay = new ChildProcess("stream", "replay", path, "--tcp-listen", "127.0.0.1:0", "--speed", "0", "--json");
        string listening = await replay.WaitForLine(l => l.StartsWith("listening on "), Limit, stderr: true);
        string port = listening[(listening.LastIndexOf(':') + 1)..];
        var (code, stdout, stderr) = EventSnnProcess.Run(Limit, null, "stream", "classify", "--tcp", $"127.0.0.1:{port}", "--once", "--policy", "wait", "--quiet-ms", "0",
            "--model", gestures.Checkpoint, "--json", "--cutoff", "fixed", "--backend", "onnxruntime", "--threads", "1");
        Assert.True(code == 0, stderr);
        Assert.Equal(0, await replay.WaitForExit(Limit));
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var start = lines.First(l => l.GetProperty("type").GetString() == "start");
        Assert.Equal("onnxruntime", start.GetProperty("backend").GetString());
        var decisions = lines.Where(l => l.GetProperty("type").GetString() == "decision").ToList();
        Assert.Equal(count, lines.Last(l => l.GetProperty("type").GetString() == "counters").GetProperty("counters").GetProperty("events_received").GetInt64());

        var factory = new CheckpointClassifierFactory(gestures.Checkpoint);
        using var model = factory.Load(maxBatch: 1);
        var (rule, _) = factory.LoadExitRule(CutoffPolicyKind.Fixed);
        using var recording = EventFile.ReadAll(path).Events;
        var offline = StreamPipeline.ClassifyOffline("offline", recording, Binning, model, rule);
        Assert.Equal(offline.Select(d => (d.Class, d.Timestep, d.EventTimeUs, d.Events)),
                     decisions.Select(d => (d.GetProperty("class").GetInt32(), d.GetProperty("timestep").GetInt32(), d.GetProperty("event_time_us").GetInt64(), d.GetProperty("events").GetInt64())));
        Assert.Equal(cls, decisions[0].GetProperty("class").GetInt32());
    }
}
