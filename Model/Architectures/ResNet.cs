using TorchSharp;
using static EventSnn.Model.TensorMath;
using static TorchSharp.torch;

namespace EventSnn.Model;

/// <summary>
/// Basic residual block of the method's <c>models/ResNet.py</c>: <c>residual_function</c> = conv3×3(stride) → BN →
/// act → conv3×3 → BN (convs without bias); <c>shortcut</c> = 1×1 conv(stride) + BN when the shape changes, identity
/// otherwise; the activation <c>relu</c> comes after the addition.
/// </summary>
public sealed class ResNetBasicBlock : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module<Tensor, Tensor> _residual;
    private readonly nn.Module<Tensor, Tensor>? _shortcut;
    private readonly nn.Module<Tensor, Tensor> _activation;

    internal ResNetBasicBlock(int inChannels, int outChannels, int stride, Func<nn.Module<Tensor, Tensor>> nextActivation)
        : base("BasicBlock")
    {
        _residual = nn.Sequential(
            ("0", nn.Conv2d(inChannels, outChannels, 3, stride: stride, padding: 1, bias: false)),
            ("1", new StableBatchNorm2d(outChannels)),
            ("2", nextActivation()),
            ("3", nn.Conv2d(outChannels, outChannels, 3, padding: 1, bias: false)),
            ("4", new StableBatchNorm2d(outChannels)));
        register_module("residual_function", _residual);
        if (stride != 1 || inChannels != outChannels)
        {
            _shortcut = nn.Sequential(
                ("0", nn.Conv2d(inChannels, outChannels, 1, stride: stride, bias: false)),
                ("1", new StableBatchNorm2d(outChannels)));
            register_module("shortcut", _shortcut);
        }
        _activation = nextActivation();
        register_module("relu", _activation);
    }

    public override Tensor forward(Tensor x)
    {
        var residual = _residual.forward(x);
        var shortcut = _shortcut is null ? x : _shortcut.forward(x);
        return _activation.forward(Add(residual, shortcut));
    }
}

/// <summary>
/// ResNet-18 and ResNet-20 for 32×32 frames (METHOD.md §7; the method's <c>ResNet</c> and <c>ResNet4Cifar</c>):
/// a 3×3 stem (<c>conv1</c> = conv + BN + act, no max-pool: the reference forward's <c>self.maxpool</c> is a defect,
/// METHOD.md §13.3), stages <c>conv2_x</c>… of basic blocks, global average pooling and <c>fc</c>.
/// ResNet-18: widths 64/128/256/512, blocks [2,2,2,2], strides 1/2/2/2. ResNet-20: widths 16/32/64, blocks [3,3,3].
/// </summary>
public sealed class ResNet : ActivationNetwork
{
    private readonly nn.Module<Tensor, Tensor> _stem;
    private readonly nn.Module<Tensor, Tensor>[] _stages;
    private readonly nn.Module<Tensor, Tensor> _pool;
    private readonly nn.Module<Tensor, Tensor>? _flatten;
    private readonly nn.Module<Tensor, Tensor> _fc;

    private ResNet(string arch, FrameNetworkShape shape, ActivationFactory activation, int[] widths, int[] blocks, bool flattenModule)
        : base("ResNet", arch, shape)
    {
        int channels = widths[0];
        _stem = nn.Sequential(
            ("0", nn.Conv2d(shape.InputChannels, channels, 3, padding: 1, bias: false)),
            ("1", new StableBatchNorm2d(channels)),
            ("2", NextActivation(activation)));
        register_module("conv1", _stem);
        _stages = new nn.Module<Tensor, Tensor>[widths.Length];
        for (int s = 0; s < widths.Length; s++)
        {
            var stage = nn.Sequential();
            for (int b = 0; b < blocks[s]; b++)
            {
                int stride = b == 0 && s > 0 ? 2 : 1;
                stage.append(b.ToString(), new ResNetBasicBlock(channels, widths[s], stride, () => NextActivation(activation)));
                channels = widths[s];
            }
            _stages[s] = stage;
            register_module($"conv{s + 2}_x", stage);
        }
        _pool = nn.AdaptiveAvgPool2d(1);
        register_module("avg_pool", _pool);
        if (flattenModule)
        {
            // The reference ResNet (not ResNet4Cifar) has a Flatten child; registering it keeps child positions equal.
            _flatten = nn.Flatten(1, -1);
            register_module("flatten", _flatten);
        }
        _fc = nn.Linear(channels, shape.Classes);
        register_module("fc", _fc);
    }

    /// <summary>ResNet-18 (CIFAR form).</summary>
    public static ResNet ResNet18(FrameNetworkShape shape, ActivationFactory activation) =>
        new("resnet18", shape, activation, new[] { 64, 128, 256, 512 }, new[] { 2, 2, 2, 2 }, flattenModule: true);

    /// <summary>ResNet-20 (<c>ResNet4Cifar</c>).</summary>
    public static ResNet ResNet20(FrameNetworkShape shape, ActivationFactory activation) =>
        new("resnet20", shape, activation, new[] { 16, 32, 64 }, new[] { 3, 3, 3 }, flattenModule: false);

    public override ActivationNetwork WithActivations(ActivationFactory activation) =>
        Arch == "resnet18" ? ResNet18(Shape, activation) : ResNet20(Shape, activation);

    public override Tensor forward(Tensor x)
    {
        // No dispose scope here: converted networks keep neuron state across calls; callers own the scope.
        var h = _stem.forward(x);
        foreach (var stage in _stages) h = stage.forward(h);
        h = _flatten is null ? _pool.forward(h).flatten(1) : _flatten.forward(_pool.forward(h));
        return _fc.forward(h);
    }
}
