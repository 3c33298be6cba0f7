using TorchSharp;
using static TorchSharp.torch;

namespace EventSnn.Model;

/// <summary>
/// A small VGG-style frame network for tests and quick runs: two blocks of 3×3 conv (8, then 16 channels) + BN +
/// activation + 2×2 average pooling, then Flatten → FC(16·H/4·W/4 → K). Names follow <see cref="Vgg16"/>
/// (<c>layer1.0.weight</c>, <c>layer1.2.vthr</c>, <c>classifier.1.weight</c>).
/// </summary>
public sealed class TinyVgg : ActivationNetwork
{
    private readonly nn.Module<Tensor, Tensor> _layer1;
    private readonly nn.Module<Tensor, Tensor> _layer2;
    private readonly nn.Module<Tensor, Tensor> _classifier;

    public TinyVgg(FrameNetworkShape shape, ActivationFactory activation, int width = 8) : base("TinyVgg", "tiny-vgg", shape)
    {
        if (shape.Height % 4 != 0 || shape.Width % 4 != 0)
            throw new ArgumentException($"tiny-vgg needs height and width divisible by 4 (got {shape.Height}×{shape.Width})");
        _width = width;
        _layer1 = nn.Sequential(
            ("0", nn.Conv2d(shape.InputChannels, width, 3, padding: 1)),
            ("1", new StableBatchNorm2d(width)),
            ("2", NextActivation(activation)),
            ("3", nn.AvgPool2d(2, 2)));
        register_module("layer1", _layer1);
        _layer2 = nn.Sequential(
            ("0", nn.Conv2d(width, 2 * width, 3, padding: 1)),
            ("1", new StableBatchNorm2d(2 * width)),
            ("2", NextActivation(activation)),
            ("3", nn.AvgPool2d(2, 2)));
        register_module("layer2", _layer2);
        _classifier = nn.Sequential(
            ("0", nn.Flatten()),
            ("1", nn.Linear(2L * width * (shape.Height / 4) * (shape.Width / 4), shape.Classes)));
        register_module("classifier", _classifier);
        InitialiseLikeReference();
    }

    private readonly int _width;

    public override ActivationNetwork WithActivations(ActivationFactory activation) => new TinyVgg(Shape, activation, _width);

    public override Tensor forward(Tensor x) => _classifier.forward(_layer2.forward(_layer1.forward(x)));
}
