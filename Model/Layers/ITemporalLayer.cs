using static TorchSharp.torch;

namespace EventSnn.Model;

/// <summary>
/// A layer that runs in both modes of a <see cref="SpikingNetwork"/>: multi-step on <c>[T, N, ...]</c> and
/// single-step on <c>[N, ...]</c> with state carried between calls.
/// </summary>
public interface ITemporalLayer
{
    /// <summary>All T timesteps at once; input and output have time as the leading dimension.</summary>
    Tensor ForwardMultiStep(Tensor x);

    /// <summary>One timestep; state (membranes, step counters) is carried to the next call.</summary>
    Tensor ForwardSingleStep(Tensor x);

    /// <summary>
    /// One timestep with explicit state: the layer takes its state entries from <paramref name="state"/> in order
    /// (<see cref="StepState.Next"/>) and updates them in place; its own carried state is untouched. Inference only
    /// (called under no_grad).
    /// </summary>
    Tensor StepWithState(Tensor x, StepState state);

    /// <summary>Forgets carried state (start of a new sample).</summary>
    void ResetState();
}
