using TorchSharp;
using static EventSnn.Model.TensorMath;
using static TorchSharp.torch;

namespace EventSnn.Model;

/// <summary>
/// Supplies the nonlinearity for one activation slot of a frame network; called once per slot in forward order
/// with the slot's 0-based index. An ANN passes constraint modules (QCFS, clip, ...); conversion passes IF neurons.
/// </summary>
public delegate nn.Module<Tensor, Tensor> ActivationFactory(int index);

/// <summary>Shape of a frame network's input and output.</summary>
/// <param name="InputChannels">Channels of one frame (3 for RGB images, 2 for OFF/ON event frames).</param>
/// <param name="Height">Frame height in pixels.</param>
/// <param name="Width">Frame width in pixels.</param>
/// <param name="Classes">Number of output logits K.</param>
public sealed record FrameNetworkShape(int InputChannels, int Height, int Width, int Classes);

/// <summary>
/// A feed-forward frame network (input [N, C, H, W], output logits [N, K]) whose activation modules are supplied
/// by an <see cref="ActivationFactory"/>. Parameter names mirror the method's PyTorch models (METHOD.md §7), so the
/// same class serves the ANN trained for conversion and the body of the converted SNN.
/// </summary>
public abstract class ActivationNetwork : nn.Module<Tensor, Tensor>
{
    private readonly List<nn.Module<Tensor, Tensor>> _activations = new();

    protected ActivationNetwork(string name, string arch, FrameNetworkShape shape) : base(name)
    {
        Arch = arch;
        Shape = shape;
    }

    /// <summary>Architecture name as accepted by <see cref="FrameArchitectures.Create"/>.</summary>
    public string Arch { get; }

    public FrameNetworkShape Shape { get; }

    /// <summary>The activation modules in forward order.</summary>
    public IReadOnlyList<nn.Module<Tensor, Tensor>> Activations => _activations;

    /// <summary>A new network of the same architecture and shape with other activations (fresh weights).</summary>
    public abstract ActivationNetwork WithActivations(ActivationFactory activation);

    /// <summary>Asks the factory for the next activation and remembers it in forward order.</summary>
    protected nn.Module<Tensor, Tensor> NextActivation(ActivationFactory factory)
    {
        var module = factory(_activations.Count);
        _activations.Add(module);
        return module;
    }

    /// <summary>Kaiming-normal (fan-out, ReLU) convolutions, unit/zero BN and zero linear biases, as the method's VGG.</summary>
    protected void InitialiseLikeReference()
    {
        using var _ = torch.no_grad();
        foreach (var (_, m) in named_modules())
        {
            switch (m)
            {
                case TorchSharp.Modules.Conv2d conv:
                    nn.init.kaiming_normal_(conv.weight, mode: nn.init.FanInOut.FanOut, nonlinearity: nn.init.NonlinearityType.ReLU);
                    break;
                case TorchSharp.Modules.BatchNorm bn:
                    if (bn.weight is { } weight) FillInPlace(weight, 1.0);
                    bn.bias?.zero_();
                    break;
                case TorchSharp.Modules.Linear linear:
                    linear.bias?.zero_();
                    break;
            }
        }
    }
}
