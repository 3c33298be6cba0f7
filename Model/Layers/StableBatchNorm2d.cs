using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace EventSnn.Model;

/// <summary>
/// A drop-in <c>nn.BatchNorm2d</c> (same defaults, parameters, buffers and state-dict keys: <c>weight</c>,
/// <c>bias</c>, <c>running_mean</c>, <c>running_var</c>, <c>num_batches_tracked</c>) whose forward is
/// <see cref="StableBatchNorm.Forward"/>: TorchSharp's own forward counts every training batch with temporary Scalars.
/// For modules that sit inside <c>nn.Sequential</c> (the frame networks trained for conversion), where
/// <see cref="TimeDistributed"/> cannot route the call.
/// </summary>
public sealed class StableBatchNorm2d : BatchNorm
{
    /// <summary>BatchNorm over the channels of <c>[N, C, H, W]</c>, with <c>nn.BatchNorm2d</c>'s defaults.</summary>
    public StableBatchNorm2d(long numFeatures, double eps = 1e-05, double momentum = 0.1, bool affine = true, bool trackRunningStats = true)
        : base(numFeatures, eps, momentum, affine, trackRunningStats, null, null, "BatchNorm2d") { }

    /// <inheritdoc/>
    public override Tensor forward(Tensor input) => StableBatchNorm.Forward(this, input);

    /// <inheritdoc/>
    protected override void ValidateInputDimensions(Tensor input) => StableBatchNorm.CheckDimensions(this, input);
}
