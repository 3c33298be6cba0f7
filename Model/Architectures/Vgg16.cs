using TorchSharp;
using static TorchSharp.torch;

namespace EventSnn.Model;

/// <summary>
/// VGG-16 for frame data (METHOD.md §7, the method's <c>models/VGG.py</c>): five blocks of 3×3 conv + BN +
/// activation (+ a no-op dropout, kept so parameter indices match) closed by 2×2 average pooling, then
/// Flatten → FC(512·H/32·W/32 → 4096) → act → FC(4096 → 4096) → act → FC(→ K). At 32×32 the flattened size is 512.
/// State-dict names: <c>layer1.0.weight</c> … <c>layer5.*</c>, <c>classifier.1.weight</c>, <c>classifier.4.*</c>,
/// <c>classifier.7.*</c>; activation thresholds at <c>layerB.I.vthr</c> and <c>classifier.2.vthr</c>/<c>classifier.5.vthr</c>.
/// </summary>
public sealed class Vgg16 : ActivationNetwork
{
    private static readonly int[][] Blocks =
    {
        new[] { 64, 64 }, new[] { 128, 128 }, new[] { 256, 256, 256 }, new[] { 512, 512, 512 }, new[] { 512, 512, 512 },
    };

    private readonly nn.Module<Tensor, Tensor>[] _layers;
    private readonly nn.Module<Tensor, Tensor> _classifier;

    public Vgg16(FrameNetworkShape shape, ActivationFactory activation, double dropout = 0.0) : base("Vgg16", "vgg16", shape)
    {
        if (shape.Height % 32 != 0 || shape.Width % 32 != 0)
            throw new ArgumentException($"vgg16 needs height and width divisible by 32 (got {shape.Height}×{shape.Width})");
        _dropout = dropout;
        int channels = shape.InputChannels;
        _layers = new nn.Module<Tensor, Tensor>[Blocks.Length];
        for (int b = 0; b < Blocks.Length; b++)
        {
            var seq = nn.Sequential();
            int index = 0;
            foreach (int width in Blocks[b])
            {
                seq.append((index++).ToString(), nn.Conv2d(channels, width, 3, padding: 1));
                seq.append((index++).ToString(), new StableBatchNorm2d(width));
                seq.append((index++).ToString(), NextActivation(activation));
                seq.append((index++).ToString(), nn.Dropout(dropout));
                channels = width;
            }
            seq.append((index++).ToString(), nn.AvgPool2d(2, 2));
            _layers[b] = seq;
            register_module($"layer{b + 1}", seq);
        }
        long features = 512L * (shape.Height / 32) * (shape.Width / 32);
        _classifier = nn.Sequential(
            ("0", nn.Flatten()),
            ("1", nn.Linear(features, 4096)),
            ("2", NextActivation(activation)),
            ("3", nn.Dropout(dropout)),
            ("4", nn.Linear(4096, 4096)),
            ("5", NextActivation(activation)),
            ("6", nn.Dropout(dropout)),
            ("7", nn.Linear(4096, shape.Classes)));
        register_module("classifier", _classifier);
        InitialiseLikeReference();
    }

    private readonly double _dropout;

    public override ActivationNetwork WithActivations(ActivationFactory activation) => new Vgg16(Shape, activation, _dropout);

    public override Tensor forward(Tensor x)
    {
        // No dispose scope here: converted networks keep neuron state across calls; callers own the scope.
        var h = x;
        foreach (var layer in _layers) h = layer.forward(h);
        return _classifier.forward(h);
    }
}
