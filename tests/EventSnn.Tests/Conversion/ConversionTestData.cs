using EventSnn.Datasets;
using EventSnn.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace EventSnn.Tests.Conversion;

/// <summary>Small learnable CIFAR-format images and a one-hidden-layer network for conversion tests.</summary>
internal static class ConversionTestData
{
    /// <summary>
    /// 3×32×32 images of <paramref name="classes"/> classes: class k (at most 9) is a bright 8×8 square whose position and
    /// colour depend on k, on a noisy background, jittered by a few pixels.
    /// </summary>
    public static ImageSet Images(int count, int classes, int seed, string name = "cifar10")
    {
        var rng = new Random(seed);
        var pixels = new byte[count * 3 * 32 * 32];
        var labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            int k = i % classes;
            labels[i] = k;
            var img = pixels.AsSpan(i * 3072, 3072);
            for (int j = 0; j < img.Length; j++) img[j] = (byte)rng.Next(0, 96);
            int y0 = 3 + (k / 3) * 10 + rng.Next(-1, 2), x0 = 3 + (k % 3) * 10 + rng.Next(-1, 2);
            for (int c = 0; c < 3; c++)
            {
                byte value = (byte)(((k + c) % 3 == 0) ? 250 : 140);
                for (int y = y0; y < y0 + 8; y++)
                for (int x = x0; x < x0 + 8; x++)
                    img[c * 1024 + y * 32 + x] = value;
            }
        }
        int names = name == "cifar100" ? 100 : 10;
        return new ImageSet(name, pixels, labels, 3, 32, 32, Enumerable.Range(0, names).Select(n => $"c{n}").ToArray());
    }

    /// <summary>True when both tensors have the same shape and exactly equal elements.</summary>
    public static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    /// <summary>Writes a CIFAR-10-format archive of synthetic images; returns its path.</summary>
    public static string WriteCifar10(string dir, int train, int test, int classes = 4)
    {
        string path = Path.Combine(dir, CifarArchive.ArchiveName(CifarVariant.Cifar10));
        CifarArchive.Write(path, CifarVariant.Cifar10, Images(train, classes, 1), Images(test, classes, 2));
        return path;
    }
}

/// <summary>Flatten → Linear → activation → Linear: the hidden layer sees a constant input when the frame is repeated.</summary>
internal sealed class OneHiddenLayerNet : ActivationNetwork
{
    private readonly TorchSharp.Modules.Linear _fc1, _fc2;
    private readonly nn.Module<Tensor, Tensor> _act;
    private readonly int _hidden;

    public OneHiddenLayerNet(FrameNetworkShape shape, int hidden, ActivationFactory activation) : base("OneHiddenLayerNet", "test-mlp", shape)
    {
        _hidden = hidden;
        _fc1 = nn.Linear(shape.InputChannels * shape.Height * shape.Width, hidden);
        _act = NextActivation(activation);
        _fc2 = nn.Linear(hidden, shape.Classes);
        register_module("fc1", _fc1);
        register_module("act", _act);
        register_module("fc2", _fc2);
    }

    public override ActivationNetwork WithActivations(ActivationFactory activation) => new OneHiddenLayerNet(Shape, _hidden, activation);

    public override Tensor forward(Tensor x) => _fc2.forward(_act.forward(_fc1.forward(x.flatten(1))));
}
