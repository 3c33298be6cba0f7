using TorchSharp;
using TorchSharp.Modules;
using static EventSnn.Model.TensorMath;
using static TorchSharp.torch;

namespace EventSnn.Model;

/// <summary>
/// The forward of a TorchSharp <see cref="BatchNorm"/> module (<c>BatchNorm1d/2d/3d</c>) without the module's own
/// <c>forward</c>: TorchSharp 0.107 counts a training batch with <c>num_batches_tracked.add_(1)</c>, whose implicit
/// temporary Scalars a GC finaliser can free while the native call still reads them (a long training run crashed in
/// c10::Scalar::toLong). Here the count goes through <see cref="TensorMath"/>; everything else is the module's own code path,
/// so outputs, running statistics and <c>num_batches_tracked</c> are bit-identical to <c>module.call(input)</c>, and the
/// module (with its state-dict keys) stays as it is.
/// </summary>
public static class StableBatchNorm
{
    /// <summary>
    /// <paramref name="module"/> applied to <paramref name="input"/> in the module's current train/eval mode, as
    /// TorchSharp 0.107's <c>BatchNorm.forward</c> does it (running statistics and batch count updated in training).
    /// Forward hooks of the module are not run.
    /// </summary>
    public static Tensor Forward(BatchNorm module, Tensor input)
    {
        CheckDimensions(module, input);
        double exponentialAverageFactor = module.momentum ?? 0.0;
        if (module.training && module.track_running_stats && module.num_batches_tracked is { } count)
        {
            IncrementInPlace(count);
            // Cumulative average: 1 / batches seen (the int64 count read without a Scalar).
            if (module.momentum is null) exponentialAverageFactor = 1.0 / count.item<long>();
        }
        bool useBatchStatistics = module.training || (module.running_mean is null && module.running_var is null);
        bool passRunning = !module.training || module.track_running_stats;
        return nn.functional.batch_norm(input, passRunning ? module.running_mean : null, passRunning ? module.running_var : null,
            module.weight, module.bias, useBatchStatistics, exponentialAverageFactor, module.eps);
    }

    /// <summary>The modules' own input-rank checks (their <c>ValidateInputDimensions</c> is protected).</summary>
    internal static void CheckDimensions(BatchNorm module, Tensor input)
    {
        long d = input.ndim;
        switch (module)
        {
            case BatchNorm1d when d != 2 && d != 3:
                throw new ArgumentException($"expected 2D or 3D input, but got {d}D input.");
            case BatchNorm2d or StableBatchNorm2d when d != 4:
                throw new ArgumentException($"expected 4D input, but got {d}D input.");
            case BatchNorm3d when d != 5:
                throw new ArgumentException($"expected 5D input, but got {d}D input.");
        }
    }
}
