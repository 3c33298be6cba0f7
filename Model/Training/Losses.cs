using TorchSharp;
using static EventSnn.Model.TensorMath;
using static TorchSharp.torch;

namespace EventSnn.Model;

/// <summary>Task losses over per-step outputs <c>O [T, N, K]</c> and labels <c>y [N]</c> (METHOD.md §6.1, §6.2).</summary>
public static class Losses
{
    /// <summary>Mean-output cross-entropy: <c>CE(mean_t O(t), y)</c>.</summary>
    public static Tensor MeanOutput(Tensor outputs, Tensor labels)
    {
        using var scope = torch.NewDisposeScope();
        var mean = outputs.mean(new long[] { 0 });
        return nn.functional.cross_entropy(mean, labels).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// TET: <c>(1 − λ)·(1/T)·Σ_t CE(O(t), y) + λ·MSE(O, φ)</c>, the MSE over all T·N·K logits against the constant φ.
    /// Defaults λ = 1e-3, φ = 1.
    /// </summary>
    public static Tensor Tet(Tensor outputs, Tensor labels, double lambda = 1e-3, double phi = 1.0)
    {
        using var scope = torch.NewDisposeScope();
        long t = outputs.shape[0], n = outputs.shape[1], k = outputs.shape[2];
        // mean over T of per-step CE (each a mean over N) equals the CE averaged over all T·N rows
        var ce = nn.functional.cross_entropy(outputs.reshape(t * n, k), labels.repeat(t));
        var mse = Square(Subtract(outputs, phi)).mean();                              // mean (O − φ)²
        return Add(Scale(ce, 1 - lambda), Scale(mse, lambda)).MoveToOuterDisposeScope();   // (1 − λ)·CE + λ·MSE
    }

    /// <summary>The task loss <paramref name="loss"/>.</summary>
    public static Func<Tensor, Tensor, Tensor> For(TaskLoss loss) => loss switch
    {
        TaskLoss.Tet => (o, y) => Tet(o, y),
        TaskLoss.Mean => MeanOutput,
        _ => throw new ArgumentException($"unknown loss '{loss}' (expected 'tet' or 'mean')"),
    };

    /// <summary>The task loss spelled <paramref name="name"/>: "tet" or "mean" (any case).</summary>
    public static TaskLoss Parse(string name) => EnumNames.Parse<TaskLoss>(name.ToLowerInvariant())
        ?? throw new ArgumentException($"unknown loss '{name}' (expected 'tet' or 'mean')");
}

/// <summary>Task loss of direct training (spelled "tet" or "mean").</summary>
public enum TaskLoss
{
    /// <summary>Temporal efficient training: cross-entropy at every step plus an MSE pull towards φ (<see cref="Losses.Tet"/>).</summary>
    Tet,

    /// <summary>Cross-entropy of the mean output over the steps (<see cref="Losses.MeanOutput"/>).</summary>
    Mean,
}
