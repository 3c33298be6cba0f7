namespace EventSnn.Model.Cutoff;

/// <summary>
/// Per-timestep network outputs of a labelled sample set: <c>O(t)</c> (not accumulated) for N samples,
/// T timesteps and K classes, laid out row-major as <c>[N, T, K]</c>, with one label per sample.
/// Everything the cutoff and the metrics compute is derived from this (METHOD.md §1).
/// </summary>
public sealed class OutputSet
{
    /// <summary>Number of samples.</summary>
    public int N { get; }

    /// <summary>Number of timesteps per sample.</summary>
    public int T { get; }

    /// <summary>Number of classes (length of one output vector).</summary>
    public int K { get; }

    /// <summary>Per-step outputs <c>O(t)</c>, index <c>(n*T + t)*K + k</c> with t 0-based.</summary>
    public float[] Outputs { get; }

    /// <summary>Class label of each sample, in <c>[0, K)</c>.</summary>
    public long[] Labels { get; }

    /// <summary>Wraps arrays (not copied); checks their sizes and the label range.</summary>
    /// <exception cref="ArgumentException">sizes disagree or a label is outside [0, K).</exception>
    public OutputSet(int n, int t, int k, float[] outputs, long[] labels)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentNullException.ThrowIfNull(labels);
        if (n < 0 || t < 1 || k < 1) throw new ArgumentException($"invalid shape N={n}, T={t}, K={k}");
        if ((long)n * t * k != outputs.LongLength)
            throw new ArgumentException($"outputs has {outputs.LongLength} values, expected N*T*K = {n}*{t}*{k} = {(long)n * t * k}");
        if (labels.Length != n) throw new ArgumentException($"labels has {labels.Length} entries, expected N = {n}");
        for (int i = 0; i < n; i++)
            if (labels[i] < 0 || labels[i] >= k)
                throw new ArgumentException($"label {labels[i]} of sample {i} is outside [0, {k})");
        N = n; T = t; K = k; Outputs = outputs; Labels = labels;
    }

    /// <summary>The per-step output <c>O(t)</c> of sample <paramref name="n"/> at 0-based step <paramref name="t"/>.</summary>
    public ReadOnlySpan<float> Step(int n, int t) => Outputs.AsSpan((n * T + t) * K, K);

    /// <summary>
    /// The accumulated outputs <c>Y(1..T)</c> of one sample as <c>[T, K]</c>: a running float sum in time order,
    /// the same arithmetic a streaming run performs, so offline and online exits agree exactly.
    /// </summary>
    public float[] Accumulated(int n)
    {
        var y = new float[T * K];
        var src = Outputs.AsSpan(n * T * K, T * K);
        for (int k = 0; k < K; k++) y[k] = src[k];
        for (int t = 1; t < T; t++)
            for (int k = 0; k < K; k++)
                y[t * K + k] = y[(t - 1) * K + k] + src[t * K + k];
        return y;
    }

    /// <summary>A subset of the samples (copied), e.g. for splitting.</summary>
    public OutputSet Select(IReadOnlyList<int> indices)
    {
        var o = new float[indices.Count * T * K];
        var l = new long[indices.Count];
        for (int i = 0; i < indices.Count; i++)
        {
            Outputs.AsSpan(indices[i] * T * K, T * K).CopyTo(o.AsSpan(i * T * K));
            l[i] = Labels[indices[i]];
        }
        return new OutputSet(indices.Count, T, K, o, l);
    }
}
