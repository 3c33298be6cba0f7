using TorchSharp;
using TorchSharp.Modules;
using static EventSnn.Model.TensorMath;
using static TorchSharp.torch;

namespace EventSnn.Model;

/// <summary>
/// The update of TorchSharp 0.107's <see cref="SGD"/> (<c>optimizer.step()</c>) with the same maths, in the same
/// order, on the optimizer's own state, without its temporary Scalars: <c>SGD.step</c> passes the weight decay,
/// momentum, 1 − dampening and −lr as doubles (<c>grad.add(param, alpha: weight_decay)</c>, <c>buf.mul_(momentum)</c>,
/// <c>param.add_(grad, alpha: -lr)</c>), i.e. four implicit Scalars per parameter per step, each of which a GC
/// finaliser can free while the native call still reads it. Here each product goes through <see cref="TensorMath"/>.
/// </summary>
/// <remarks>
/// The momentum buffers live in the optimizer's <see cref="SGD.State"/> objects, so <c>save_state_dict</c> /
/// <c>load_state_dict</c> and learning-rate changes through <c>ParamGroups</c> (or a scheduler) work as before, and
/// steps taken here and by <c>optimizer.step()</c> can be mixed.
/// </remarks>
public static class StableSgd
{
    /// <summary>One optimisation step of <paramref name="optimizer"/> on the current gradients (no closure).</summary>
    public static void Step(SGD optimizer)
    {
        // state_dict() hands out the optimizer's live options and state objects: groups in order, and within a group
        // the state of each parameter in the order group.Parameters enumerates them, the order used below.
        var dict = optimizer.state_dict();
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        int g = 0;
        foreach (var controller in optimizer.ParamGroups)
        {
            var group = (ParamGroup)controller;
            var options = (SGD.Options)dict.Options[g];
            var stateIndex = dict.StateIndexRef[g];
            g++;
            double momentum = options.momentum!.Value, dampening = options.dampening!.Value, weightDecay = options.weight_decay!.Value;
            bool nesterov = options.nesterov!.Value, maximize = options.maximize!.Value;
            double lr = options.LearningRate!.Value;
            int i = 0;
            foreach (var param in group.Parameters)
            {
                var state = (SGD.State)dict.State[stateIndex[i++]];
                var grad = param.grad;
                if (grad is null) continue;
                if (weightDecay != 0) grad = AddScaled(grad, param, weightDecay);            // g + λ·θ
                if (momentum != 0)
                {
                    var buf = state.momentum_buffer;
                    if (buf is null) buf = grad.clone().detach().DetachFromDisposeScope();
                    else AddScaledInPlace(ScaleInPlace(buf, momentum), grad, 1 - dampening);  // b ← μ·b + (1 − d)·g
                    grad = nesterov ? AddScaled(grad, buf, momentum) : buf;                 // g + μ·b | b
                    state.momentum_buffer = buf;
                }
                AddScaledInPlace(param, grad, maximize ? lr : -lr);                         // θ ← θ ∓ lr·g
            }
        }
    }
}
