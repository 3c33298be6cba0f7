using TorchSharp;
using static EventSnn.Model.TensorMath;
using static TorchSharp.torch;

namespace EventSnn.Model.Conversion;

/// <summary>
/// The ANN form of the RCS regulariser (METHOD.md §3.3), applied while training the ANN that will be converted.
/// Per activation layer l with pre-activation Z (batch first) and A = ReLU(Z) flattened to [N, D]:
/// <c>q_l[n] = max(A) / sqrt(mean_j A[n,j]² + 1e-5)</c>, where the max runs over the whole batch and all neurons
/// (so the gradient of the numerator reaches only the arg-max element). The loss is
/// <c>L_RCS = mean_l max_n (mask[n]·q_l[n])</c> with mask[n] = 1 when the ANN classifies sample n correctly (no gradient).
/// </summary>
public static class AnnRcs
{
    /// <summary>q_l[n] for one layer: the layer's batch maximum divided by each sample's RMS activation. Shape [N].</summary>
    public static Tensor LayerRatio(Tensor preActivation)
    {
        if (preActivation.dim() < 1 || preActivation.shape[0] < 1)
            throw new ArgumentException("pre-activation must have a batch dimension with at least one sample", nameof(preActivation));
        using var scope = torch.NewDisposeScope();
        var a = nn.functional.relu(preActivation).reshape(preActivation.shape[0], -1);
        var layerMax = a.max();
        var rms = Add(a.mul(a).mean(new long[] { 1 }), RcsRegulariser.Epsilon).sqrt();   // √(mean a² + ε)
        return layerMax.div(rms).MoveToOuterDisposeScope();
    }

    /// <summary>mask[n] = 1 where argmax of the ANN output equals the label, else 0; detached. Shape [N].</summary>
    public static Tensor CorrectMask(Tensor logits, Tensor labels)
    {
        using var scope = torch.NewDisposeScope();
        var mask = logits.detach().argmax(1).eq(labels).to_type(logits.dtype);
        return mask.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// <c>mean_l max_n (mask[n]·q_l[n])</c>. With no layers the loss is a zero scalar. When no sample is correct the
    /// masked maximum is 0 for every layer, so the regulariser contributes nothing to that batch.
    /// </summary>
    public static Tensor Loss(IReadOnlyList<Tensor> layerRatios, Tensor mask)
    {
        if (layerRatios.Count == 0) return torch.zeros(1, dtype: mask.dtype, device: mask.device).squeeze();
        using var scope = torch.NewDisposeScope();
        var perLayer = new Tensor[layerRatios.Count];
        for (int l = 0; l < layerRatios.Count; l++)
        {
            if (layerRatios[l].shape[0] != mask.shape[0])
                throw new ArgumentException($"layer {l}: {layerRatios[l].shape[0]} ratios for {mask.shape[0]} mask entries");
            perLayer[l] = layerRatios[l].mul(mask).max();
        }
        return torch.stack(perLayer).mean().MoveToOuterDisposeScope();
    }
}

/// <summary>
/// Collects the per-layer RCS ratios of one forward pass. Attach it to every <see cref="AnnActivation"/> for a
/// training step, compute <see cref="AnnRcs.Loss"/> and then <see cref="Clear"/> (inside the step's dispose scope).
/// </summary>
public sealed class AnnRcsRecorder
{
    private readonly List<Tensor> _ratios = new();

    /// <summary>Ratios in forward order, one [N] tensor per activation layer.</summary>
    public IReadOnlyList<Tensor> Ratios => _ratios;

    public void Add(Tensor ratio) => _ratios.Add(ratio);

    /// <summary>Forgets the recorded tensors (their lifetime is owned by the caller's dispose scope).</summary>
    public void Clear() => _ratios.Clear();
}
