using TorchSharp;
using static EventSnn.Model.TensorMath;
using static TorchSharp.torch;

namespace EventSnn.Model;

/// <summary>The value of the RCS term for one batch and what was excluded from it.</summary>
/// <param name="Loss">Scalar <c>L_RCS</c> (differentiable).</param>
/// <param name="MaskedSamples">Samples of the batch that passed the correctness mask.</param>
/// <param name="SilentExclusions">(layer, sample) pairs left out because the layer's reference response was all zero.</param>
public sealed record RcsResult(Tensor Loss, int MaskedSamples, int SilentExclusions);

/// <summary>
/// RCS, the SNN form of METHOD.md §3.2. Per spiking layer l and sample n, with responses
/// <c>R[t,n,:] = s + ReLU(u'/θ)</c>:
/// <code>
/// Rd[n]   = stopgrad(mean of R over the last k steps),       k = ⌊ReferenceFraction·T⌋
/// cos[t,n]= R[t,n]·Rd[n] / (sqrt(|R[t,n]|² + 1e-5)·sqrt(|Rd[n]|² + 1e-5))
/// q_l[n]  = 1 / (mean_t cos[t,n] + 1e-5)
/// mask[n] = 1 if argmax O(t)[n] == y_n for every one of the last kp steps, kp = ⌊MaskFraction·T⌋
/// L_RCS   = mean_l max_n mask[n]·q_l[n]
/// </code>
/// Two deliberate departures from the public code:
/// <list type="bullet">
/// <item>When <c>⌊0.3·T⌋ = 0</c> (T ≤ 3) the public code's Python slice <c>[-0:]</c> silently takes ALL steps; here k
/// (and kp) are raised to 1, i.e. the reference is the last timestep and the mask checks the last output,
/// which is what "the last 30 %" means for short sequences (METHOD.md §13.5).</item>
/// <item>A sample whose layer has an all-zero reference (no spike and no positive membrane in the last k steps) would
/// give <c>cos = 0</c> and <c>q = 1e5</c>, swamping the loss. Such (layer, sample) pairs are left out of the max and
/// counted in <see cref="RcsResult.SilentExclusions"/> so training logs show it.</item>
/// </list>
/// </summary>
public sealed class RcsRegulariser
{
    /// <summary>The ε = 1e-5 added under the square roots of the norms and to the mean cosine, as in the method's code.</summary>
    public const double Epsilon = 1e-5;

    /// <summary>Fraction of the last timesteps that form the reference response (0.3).</summary>
    public double ReferenceFraction { get; init; } = 0.3;

    /// <summary>Fraction of the last per-step outputs that must be correct for a sample to count (0.3).</summary>
    public double MaskFraction { get; init; } = 0.3;

    /// <summary>Number of trailing steps for fraction <paramref name="fraction"/> of T, at least 1.</summary>
    public static int TrailingSteps(int t, double fraction) => Math.Max(1, (int)(t * fraction));

    /// <summary>Inverse mean cosine similarity per sample, <c>q[n]</c>, for one layer's responses <c>[T, N, D]</c>; also returns which samples had an all-zero reference.</summary>
    public (Tensor Q, Tensor Silent) InverseCosine(Tensor response)
    {
        using var scope = torch.NewDisposeScope();
        int t = (int)response.shape[0];
        int k = TrailingSteps(t, ReferenceFraction);
        var r = response.flatten(2);
        var reference = r.narrow(0, t - k, k).mean(new long[] { 0 }).detach();       // [N, D]
        var refSq = Square(reference).sum(1);                                         // [N]
        var dot = (r * reference.unsqueeze(0)).sum(2);                                // [T, N]
        var norm = Add(Square(r).sum(2), Epsilon).sqrt()
                   * Add(refSq, Epsilon).sqrt().unsqueeze(0);
        var cos = (dot / norm).mean(new long[] { 0 });                                // [N]
        var q = Add(cos, Epsilon).reciprocal();
        var silent = Equal(refSq, 0);
        return (q.MoveToOuterDisposeScope(), silent.MoveToOuterDisposeScope());
    }

    /// <summary>The correctness mask over the last kp per-step outputs <c>O [T, N, K]</c> (no gradient), as 0/1 floats <c>[N]</c>.</summary>
    public Tensor Mask(Tensor outputs, Tensor labels)
    {
        using var scope = torch.NewDisposeScope();
        int t = (int)outputs.shape[0];
        int kp = TrailingSteps(t, MaskFraction);
        var pred = outputs.detach().narrow(0, t - kp, kp).argmax(2);                 // [kp, N]
        var correct = pred.eq(labels.unsqueeze(0)).all(0);                            // [N]
        return correct.to_type(outputs.dtype).MoveToOuterDisposeScope();
    }

    /// <summary><c>L_RCS</c> over the layers' responses (each <c>[T, N, D]</c>) given outputs <c>O [T, N, K]</c> and labels <c>[N]</c>.</summary>
    public RcsResult Compute(IReadOnlyList<Tensor> responses, Tensor outputs, Tensor labels)
    {
        if (responses.Count == 0) throw new ArgumentException("RCS needs at least one spiking layer response");
        using var scope = torch.NewDisposeScope();
        var mask = Mask(outputs, labels);
        int masked = (int)mask.sum().to_type(ScalarType.Float64).item<double>();
        int silentCount = 0;
        var perLayer = new List<Tensor>(responses.Count);
        foreach (var response in responses)
        {
            var (q, silent) = InverseCosine(response);
            silentCount += (int)(silent.logical_and(Greater(mask, 0))).sum().item<long>();
            var keep = mask * silent.logical_not().to_type(mask.dtype);
            perLayer.Add((keep * q).max());
        }
        var loss = torch.stack(perLayer).mean();
        return new RcsResult(loss.MoveToOuterDisposeScope(), masked, silentCount);
    }
}
