using System.Diagnostics;
using EventSnn.Datasets;
using EventSnn.Model.Cutoff;
using TorchSharp;
using static TorchSharp.torch;

namespace EventSnn.Model.Evaluation;

/// <summary>Settings of <see cref="Evaluator.Run"/>.</summary>
public sealed record EvaluatorOptions
{
    /// <summary>Samples per batch.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Device (default: the network's).</summary>
    public Device? Device { get; init; }

    /// <summary>
    /// Dropout probability after every spiking layer while running (0 = off). Top-K calibration uses 0.3
    /// (METHOD.md §2.2); the rest of the network stays in eval mode.
    /// </summary>
    public double Dropout { get; init; }

    /// <summary>Seed of the dropout masks (a run with the same seed and batches draws the same masks).</summary>
    public long DropoutSeed { get; init; } = 1;

    /// <summary>Use only the first this many samples (null = all).</summary>
    public int? MaxSamples { get; init; }
}

/// <summary>The per-step outputs of a run plus what was measured while it ran.</summary>
public sealed record NetworkRun(OutputSet Outputs, string[] LayerNames, double[] SpikesPerSamplePerLayer, double[] WallClockMsPerTimestep, int BatchSize);

/// <summary>
/// Runs a <see cref="SpikingNetwork"/> over a <see cref="FrameSet"/> step by step (the same single-step path
/// streaming uses), batch by batch, and records every O(t), the spikes each spiking layer emits and the
/// wall-clock time of each timestep.
/// </summary>
public static class Evaluator
{
    /// <summary>
    /// Runs every sample (or the first <see cref="EvaluatorOptions.MaxSamples"/>) for all T steps; <paramref name="progress"/>
    /// receives the number of samples done.
    /// </summary>
    public static NetworkRun Run(SpikingNetwork net, FrameSet data, EvaluatorOptions? options = null, IProgress<int>? progress = null, CancellationToken cancel = default)
    {
        options ??= new EvaluatorOptions();
        if (options.BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(options), "batch size must be ≥ 1");
        int n = Math.Min(data.Count, options.MaxSamples ?? int.MaxValue);
        int T = data.T, K = net.Classes;
        var device = options.Device ?? net.Device;
        var outputs = new float[checked(n * T * K)];
        var labels = new long[n];
        var stepMs = new double[T];
        int batches = 0;
        var layers = net.SpikingLayers;
        bool wasTraining = net.training;
        double oldDropout = net.SpikeDropout;
        long oldSeed = net.SpikeDropoutSeed;
        net.eval();
        net.SpikeDropoutSeed = options.DropoutSeed;
        net.SpikeDropout = options.Dropout;
        foreach (var l in layers) { l.CountSpikes = true; l.ResetSpikeCount(); }
        try
        {
            var sample = new float[data.SampleSize];
            var stepOut = new float[options.BatchSize * K];
            using var _ = torch.no_grad();
            for (int start = 0; start < n; start += options.BatchSize)
            {
                cancel.ThrowIfCancellationRequested();
                int b = Math.Min(options.BatchSize, n - start);
                var batch = new float[(long)b * data.SampleSize];
                for (int i = 0; i < b; i++)
                {
                    data.CopySample(start + i, batch.AsSpan(i * data.SampleSize, data.SampleSize));
                    labels[start + i] = data.Labels[start + i];
                }
                using var scope = torch.NewDisposeScope();
                // [N, T, C, H, W] → [T, N, C, H, W]
                var x = torch.tensor(batch, [b, T, data.Channels, data.Height, data.Width]).to(device).transpose(0, 1).contiguous();
                net.ResetState();
                for (int t = 0; t < T; t++)
                {
                    var sw = Stopwatch.StartNew();
                    using var o = net.Step(x[t]);
                    var host = o.to(torch.CPU).contiguous();
                    host.data<float>().CopyTo(stepOut.AsSpan(0, b * K)); // the copy waits for the step to finish
                    sw.Stop();
                    stepMs[t] += sw.Elapsed.TotalMilliseconds;
                    for (int i = 0; i < b; i++)
                        stepOut.AsSpan(i * K, K).CopyTo(outputs.AsSpan(((start + i) * T + t) * K, K));
                }
                net.ResetState();
                batches++;
                progress?.Report(start + b);
            }
            var spikes = layers.Select(l => n == 0 ? 0 : l.SpikeCount / n).ToArray();
            return new NetworkRun(new OutputSet(n, T, K, outputs, labels), layers.Select(l => l.Name).ToArray(), spikes,
                stepMs.Select(s => batches == 0 ? 0 : s / batches).ToArray(), options.BatchSize);
        }
        finally
        {
            foreach (var l in layers) { l.CountSpikes = false; l.ResetSpikeCount(); }
            net.SpikeDropout = oldDropout;
            net.SpikeDropoutSeed = oldSeed;
            net.train(wasTraining);
        }
    }

    /// <summary>
    /// Top-K (and SpikeCP) calibration of a network on its training frames, METHOD.md §2.2: outputs with
    /// <paramref name="dropout"/> after every spiking layer (default 0.3, seeded), then <see cref="CutoffCalibrator"/>.
    /// </summary>
    public static CutoffCalibration Calibrate(SpikingNetwork net, FrameSet train, CalibrationSettings settings, double dropout = 0.3, int seed = 1,
        int batchSize = 32, string? model = null, IProgress<int>? progress = null)
    {
        var run = Run(net, train, new EvaluatorOptions { BatchSize = batchSize, Dropout = dropout, DropoutSeed = seed }, progress);
        return CutoffCalibrator.Calibrate(run.Outputs, settings, dropout, dropout > 0 ? seed : null, model);
    }

    /// <summary>Runs the network on test frames and computes every metric and policy (<see cref="EvaluationResult.Compute"/>).</summary>
    public static (EvaluationResult Result, OutputSet Outputs) Evaluate(SpikingNetwork net, FrameSet test, CutoffCalibration? calibration,
        EvaluatorOptions? options = null, IProgress<int>? progress = null)
    {
        var run = Run(net, test, options, progress);
        var r = EvaluationResult.Compute(run.Outputs, calibration);
        r.LayerNames = run.LayerNames;
        r.SpikesPerSamplePerLayer = run.SpikesPerSamplePerLayer;
        r.WallClockMsPerTimestep = run.WallClockMsPerTimestep;
        r.WallClockBatchSize = run.BatchSize;
        return (r, run.Outputs);
    }
}
