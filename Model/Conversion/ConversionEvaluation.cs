using EventSnn.Datasets;
using TorchSharp;
using static EventSnn.Model.TensorMath;
using static TorchSharp.torch;

namespace EventSnn.Model.Conversion;

/// <summary>How faithfully a converted SNN reproduces its ANN, per timestep t = 1..T.</summary>
/// <param name="Samples">Number of test samples.</param>
/// <param name="AnnAccuracy">ANN top-1 accuracy, fraction.</param>
/// <param name="SnnAccuracy">SNN accuracy of argmax Y(t) at t = 1..T (index t−1), fraction.</param>
/// <param name="RelativeError">Mean over samples of ‖Y(t)/t − f(x)‖₂ / ‖f(x)‖₂, the conversion error of the logits.</param>
/// <param name="Agreement">Fraction of samples whose SNN prediction at t equals the ANN's.</param>
public sealed record ConversionReport(int Samples, double AnnAccuracy, double[] SnnAccuracy, double[] RelativeError, double[] Agreement)
{
    /// <summary>Timesteps evaluated.</summary>
    public int T => SnnAccuracy.Length;
}

/// <summary>Runs a converted network next to its ANN and measures accuracy and output error per timestep.</summary>
public static class ConversionEvaluation
{

    /// <summary>
    /// Feeds <paramref name="x"/> [N, C, H, W] at every one of <paramref name="timesteps"/> steps (single-step mode,
    /// state reset first and after) and returns the running mean outputs Y(t)/t as [T, N, K].
    /// </summary>
    public static Tensor MeanOutputs(ConvertedNetwork snn, Tensor x, int timesteps)
    {
        using var _ = torch.no_grad();
        return MeanOutputs(snn, t => x, timesteps);
    }

    private static Tensor MeanOutputs(ConvertedNetwork snn, Func<int, Tensor> inputAt, int timesteps)
    {
        if (timesteps < 1) throw new ArgumentOutOfRangeException(nameof(timesteps));
        var means = new Tensor[timesteps];
        snn.ResetState();
        try
        {
            Tensor? sum = null;
            for (int t = 0; t < timesteps; t++)
            {
                using var scope = torch.NewDisposeScope();
                var o = snn.Step(inputAt(t));
                var next = sum is null ? o.clone() : Add(sum, o);
                next.DetachFromDisposeScope();
                sum?.Dispose();
                sum = next;
                means[t] = Divide(sum, t + 1).DetachFromDisposeScope();   // Y(t) / t
            }
            sum?.Dispose();
            var y = torch.stack(means);
            return y;
        }
        finally
        {
            foreach (var m in means) m?.Dispose();
            snn.ResetState();
        }
    }

    /// <summary>
    /// Evaluates ANN and SNN on <paramref name="source"/> for T = <paramref name="timesteps"/> steps. In repeat mode the
    /// ANN's frame (image or collapsed event sample) is fed unchanged at every step; in causal mode the source must be an
    /// <see cref="ITimestepFrameSource"/> and feeds slice t at step t (cycling if T exceeds the slices).
    /// </summary>
    public static ConversionReport Run(ActivationNetwork ann, ConvertedNetwork snn, IStaticFrameSource source, int timesteps, int batchSize = 128)
    {
        if (source.Count == 0) throw new ArgumentException("the evaluation source is empty");
        var device = AnnObjective.DeviceOf(ann);
        ann.eval();
        snn.eval();
        var correct = new long[timesteps];
        var agree = new long[timesteps];
        var error = new double[timesteps];
        long annCorrect = 0;
        int sampleSize = source.Channels * source.Height * source.Width;
        ITimestepFrameSource? sliced = null;
        if (snn.InputMode == ConversionInputMode.Causal)
            sliced = source as ITimestepFrameSource
                ?? throw new ArgumentException($"causal input needs time slices; '{source.Name}' only has single frames");
        var indices = Enumerable.Range(0, source.Count).ToArray();
        using var noGrad = torch.no_grad();
        for (int start = 0; start < source.Count; start += batchSize)
        {
            int n = Math.Min(batchSize, source.Count - start);
            using var scope = torch.NewDisposeScope();
            var (x, y) = StaticFrameBatches.Stack(source, indices.AsSpan(start, n), sampleSize, null, device);
            var reference = ann.forward(x);
            var annPrediction = reference.argmax(1);
            annCorrect += annPrediction.eq(y).sum().item<long>();
            var referenceNorm = ClampMin(reference.norm(1), 1e-12);
            Tensor Input(int t)
            {
                if (sliced is null) return x;
                var data = new float[n * sampleSize];
                for (int i = 0; i < n; i++)
                    sliced.CopyTimestep(start + i, t % sliced.Timesteps, data.AsSpan(i * sampleSize, sampleSize));
                return torch.tensor(data, new long[] { n, source.Channels, source.Height, source.Width }).to(device);
            }
            var means = MeanOutputs(snn, Input, timesteps);
            for (int t = 0; t < timesteps; t++)
            {
                var m = means[t];
                var prediction = m.argmax(1);
                correct[t] += prediction.eq(y).sum().item<long>();
                agree[t] += prediction.eq(annPrediction).sum().item<long>();
                error[t] += Subtract(m, reference).norm(1).div(referenceNorm).sum().item<float>();
            }
        }
        int count = source.Count;
        return new ConversionReport(count, (double)annCorrect / count,
            correct.Select(c => (double)c / count).ToArray(),
            error.Select(e => e / count).ToArray(),
            agree.Select(a => (double)a / count).ToArray());
    }
}
