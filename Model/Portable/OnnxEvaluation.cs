using System.Diagnostics;
using EventSnn.Datasets;
using EventSnn.Model.Cutoff;
using EventSnn.Model.Evaluation;

namespace EventSnn.Model.Portable;

/// <summary>
/// <c>eval --backend onnxruntime</c>: the test frames run through an <see cref="OnnxStepSession"/> step by step, one slot
/// per sample of a batch, then every metric and cutoff policy as for TorchSharp (<see cref="EvaluationResult.Compute"/>).
/// Spike counts per layer are not reported (the step graph does not output spikes).
/// </summary>
public static class OnnxEvaluation
{
    /// <summary>Per-step outputs of every sample (or the first <paramref name="maxSamples"/>) and the mean wall-clock time per step (ms).</summary>
    public static (OutputSet Outputs, double[] StepMs) Run(OnnxStepSession session, FrameSet data, int batchSize = 32, int? maxSamples = null, CancellationToken cancel = default)
    {
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), "batch size must be ≥ 1");
        if (session.InputShape[0] != data.Channels || session.InputShape[1] != data.Height || session.InputShape[2] != data.Width)
            throw new ArgumentException($"frames are {data.Channels}x{data.Height}x{data.Width}, the ONNX model takes {string.Join("x", session.InputShape)}");
        int n = Math.Min(data.Count, maxSamples ?? int.MaxValue), T = data.T, K = session.Classes;
        int frame = data.Channels * data.Height * data.Width;
        var outputs = new float[checked(n * T * K)];
        var labels = new long[n];
        var stepMs = new double[T];
        int batches = 0;
        session.EnsureSlots(batchSize);
        var sample = new float[data.SampleSize];
        var frames = new float[batchSize * frame];
        var stepOut = new float[batchSize * K];
        var samples = new float[batchSize][];
        for (int start = 0; start < n; start += batchSize)
        {
            cancel.ThrowIfCancellationRequested();
            int b = Math.Min(batchSize, n - start);
            var slots = Enumerable.Range(0, b).ToArray();
            for (int i = 0; i < b; i++)
            {
                samples[i] ??= new float[data.SampleSize];
                data.CopySample(start + i, samples[i]);
                labels[start + i] = data.Labels[start + i];
                session.Reset(i);
            }
            for (int t = 0; t < T; t++)
            {
                for (int i = 0; i < b; i++) samples[i].AsSpan(t * frame, frame).CopyTo(frames.AsSpan(i * frame, frame));
                var sw = Stopwatch.StartNew();
                session.Step(slots, frames.AsSpan(0, b * frame), stepOut.AsSpan(0, b * K));
                sw.Stop();
                stepMs[t] += sw.Elapsed.TotalMilliseconds;
                for (int i = 0; i < b; i++) stepOut.AsSpan(i * K, K).CopyTo(outputs.AsSpan(((start + i) * T + t) * K, K));
            }
            batches++;
        }
        return (new OutputSet(n, T, K, outputs, labels), stepMs.Select(s => batches == 0 ? 0 : s / batches).ToArray());
    }

    /// <summary>Runs the test frames and computes every metric and policy.</summary>
    public static (EvaluationResult Result, OutputSet Outputs) Evaluate(OnnxStepSession session, FrameSet test, CutoffCalibration? calibration, int batchSize = 32, int? maxSamples = null)
    {
        var (outputs, ms) = Run(session, test, batchSize, maxSamples);
        var r = EvaluationResult.Compute(outputs, calibration);
        r.WallClockMsPerTimestep = ms;
        r.WallClockBatchSize = batchSize;
        return (r, outputs);
    }
}
