using EventSnn.Model.Cutoff;
using EventSnn.Ingest;
using EventSnn.Ingest.Binning;
using EventSnn.Model;
using EventSnn.Pipeline;
using EventSnn.Pipeline.Binning;
using EventSnn.Pipeline.Flow;
using EventSnn.Pipeline.Network;
using EventSnn.Pipeline.Sources;
using TorchSharp;
using static TorchSharp.torch;

namespace EventSnn.Tests.Pipeline;

/// <summary>The network stage with a real checkpoint against an independent offline computation.</summary>
[Collection(StreamCliCollection.Name)]
public class NetworkStageTests(GestureCheckpointFixture gestures)
{
    [Fact(Timeout = 60_000)]
    public async Task StreamedDecisionsEqualMultiStepForwardOverOfflineFrames()
    {
        const int T = GestureCheckpointFixture.T;
        const long window = GestureCheckpointFixture.WindowUs / T;
        // Two gestures back to back as one stream, so a decision and a reset happen inside it.
        using var a = EventFile.ReadAll(gestures.Gestures[0].Path).Events;
        using var b = EventFile.ReadAll(gestures.Gestures[1].Path).Events;
        using var events = new EventBatch(a.Count + b.Count, 128, 128);
        long shift = a.T[a.Count - 1] + 1 - b.T[0];
        for (int i = 0; i < a.Count; i++) events.Add(a.T[i], a.X[i], a.Y[i], a.P[i]);
        for (int i = 0; i < b.Count; i++) events.Add(b.T[i] + shift, b.X[i], b.Y[i], b.P[i]);

        // Exit as soon as the top class leads the runner-up by 0.5 per step (any fixed rule will do here).
        ExitRule rule = (acc, t) =>
        {
            var sorted = acc.ToArray().OrderDescending().ToArray();
            return sorted[0] - sorted[1] > 0.5f * t;
        };

        // Online: replay through the queued pipeline (lossless), one stream.
        var factory = new CheckpointClassifierFactory(gestures.Checkpoint);
        using var model = factory.Load(maxBatch: 4);
        var binning = new OnlineBinningOptions { WindowUs = window, Width = 32, Height = 32, Downsample = 4 };
        var pipeline = new StreamPipeline(new PipelineOptions { Binning = binning, Policy = DropPolicy.Wait, BinCapacity = 2, IngressCapacity = 2 }, model, rule);
        var online = new List<StreamDecision>();
        pipeline.Decisions.Subscribe(online.Add);
        await pipeline.RunAsync(RecordingReplaySource.FromBatch("s", events, chunkEvents: 5000), CancellationToken.None);
        Assert.Equal(events.Count, pipeline.Counters.Snapshot().EventsClassified);

        // Offline: the ingest binner's Tonic time-window frames, the network's multi-step forward, the same rule.
        var frames = EventBinner.Bin(events, BinningRule.TonicTimeWindow(window, includeIncomplete: true), 128, 128, 4);
        var (net, _) = Checkpoint.Load(gestures.Checkpoint);
        using var _net = net;
        net.eval();
        var offline = new List<(int Class, int Step, float[] Acc)>();
        int frameSize = frames.FrameSize, start = 0;
        while (start < frames.T)
        {
            int n = Math.Min(T, frames.T - start);
            float[] o;
            using (NewDisposeScope())
            using (no_grad())
            {
                var x = tensor(frames.Data.AsSpan(start * frameSize, n * frameSize).ToArray(), [n, 1, 2, 32, 32]);
                o = net.forward(x).data<float>().ToArray(); // [n, 1, K]
            }
            int k = o.Length / n;
            var acc = new float[k];
            int step = 0;
            while (true)
            {
                for (int c = 0; c < k; c++) acc[c] += o[step * k + c];
                step++;
                if (rule(acc, step) || step == n) break;
            }
            offline.Add((Array.IndexOf(acc, acc.Max()), step, acc));
            start += step;
        }

        Assert.True(online.Count >= 2, $"expected a decision per gesture at least, got {online.Count}");
        Assert.Equal(offline.Select(d => (d.Class, d.Step)), online.Select(d => (d.Class, d.Timestep)));
        for (int i = 0; i < online.Count; i++)
            for (int c = 0; c < offline[i].Acc.Length; c++)
                Assert.True(Math.Abs(offline[i].Acc[c] - online[i].Accumulated[c]) <= 1e-4, $"decision {i} class {c}: offline {offline[i].Acc[c]}, online {online[i].Accumulated[c]}");
    }

    /// <summary>
    /// The trained gesture network (ordinary float weights), folded and batched: 12 streams (the 3 gesture recordings, 4
    /// times each) interleaved through one network against each recording alone, unfolded, at batch 1. A different
    /// summation order may flip a spike, so the share of differing decisions is reported and bounded.
    /// </summary>
    [Fact(Timeout = 120_000)]
    public async Task BatchedFoldedTrainedNetworkDecidesAsEachStreamAlone()
    {
        var binning = new OnlineBinningOptions { WindowUs = GestureCheckpointFixture.WindowUs / GestureCheckpointFixture.T, Width = 32, Height = 32, Downsample = 4 };
        var factory = new CheckpointClassifierFactory(gestures.Checkpoint);
        var (rule, _) = factory.LoadExitRule(CutoffPolicyKind.Fixed, 4);
        var recordings = gestures.Gestures.Select(g => EventFile.ReadAll(g.Path).Events).ToList();
        try
        {
            var counters = new PipelineCounters();
            var binner = new OnlineBinner(binning, counters);
            var perStream = new List<List<EventBin>>();
            for (int i = 0; i < 12; i++)
            {
                var bins = new List<EventBin>();
                binner.Add(new StreamBatch($"s{i}", recordings[i % 3], 0), bins.Add);
                binner.EndStream($"s{i}", bins.Add);
                perStream.Add(bins);
            }
            var queue = new StageChannel<EventBin>(perStream.Sum(b => b.Count), DropPolicy.Wait);
            for (int k = 0; perStream.Any(b => k < b.Count); k++)
                foreach (var bins in perStream)
                    if (k < bins.Count) queue.Offer(bins[k]);
            queue.Complete();
            using var model = factory.Load(maxBatch: 64, initialSlots: 4, fold: true);
            var stage = new NetworkStage(model, rule, counters);
            var online = new List<StreamDecision>();
            stage.Decisions.Subscribe(online.Add);
            await stage.Run(queue, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));

            using var alone = factory.Load(maxBatch: 1, initialSlots: 1, fold: false);
            int compared = 0, differing = 0;
            for (int i = 0; i < 12; i++)
            {
                var offline = StreamPipeline.ClassifyOffline($"s{i}", recordings[i % 3], binning, alone, rule);
                var mine = online.Where(d => d.Stream == $"s{i}").ToList();
                Assert.Equal(offline.Count, mine.Count);
                for (int k = 0; k < mine.Count; k++)
                {
                    compared++;
                    if ((offline[k].Class, offline[k].Timestep) != (mine[k].Class, mine[k].Timestep)) differing++;
                }
            }
            Assert.True(counters.Snapshot().NetworkSteps < counters.Snapshot().BinsClassified / 4);
            Assert.True(differing <= compared / 20, $"{differing} of {compared} decisions differ");
        }
        finally
        {
            foreach (var r in recordings) r.Dispose();
        }
    }
}
