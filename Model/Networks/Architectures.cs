using System.Collections.Concurrent;

namespace EventSnn.Model;

/// <summary>
/// The architectures of METHOD.md §7 by name, for any input size and T. Every Conv is followed by BN
/// (or TEBN) and a spiking neuron; the output layer is a plain Linear (no neuron), so the network emits
/// per-step logits <c>O(t)</c>. When an input is smaller than the architecture's native size, pooling
/// layers that would shrink a 1-pixel map are left out.
/// </summary>
public static class Architectures
{
    private static readonly ConcurrentDictionary<string, Func<ModelInfo, SpikingNetwork>> registered = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The demo's network (see <see cref="Create(string, ModelInfo)"/>).</summary>
    public const string GestureSmall = "gesture-small";

    /// <summary>Built-in spiking architectures.</summary>
    public static IReadOnlyList<string> BuiltIn { get; } = ["vgg-gesture", "vggann", "vgg-ncaltech101", "vggsnn", "tiny", GestureSmall];

    /// <summary>
    /// Every name <see cref="Create(string, ModelInfo)"/> accepts without registration: the spiking architectures and
    /// the frame architectures that ANN-to-SNN conversion turns into IF networks (<see cref="FrameArchitectures"/>).
    /// </summary>
    public static IReadOnlyList<string> Known => BuiltIn.Concat(FrameArchitectures.Names).ToList();

    /// <summary>All names <see cref="Create(string, ModelInfo)"/> accepts (built-in, conversion's and registered).</summary>
    public static IReadOnlyList<string> Names => Known.Concat(registered.Keys.OrderBy(k => k, StringComparer.Ordinal)).ToList();

    /// <summary>
    /// Adds an architecture of a program's own so that <see cref="Create(string, ModelInfo)"/> and
    /// <see cref="Checkpoint.Load"/> know it in this process. The project's own architectures are all built in.
    /// </summary>
    public static void Register(string name, Func<ModelInfo, SpikingNetwork> factory)
    {
        if (Known.Contains(name, StringComparer.OrdinalIgnoreCase)) throw new ArgumentException($"'{name}' is a built-in architecture");
        registered[name] = factory;
    }

    /// <summary>Builds the architecture <see cref="ModelInfo.Arch"/> for the input size, T, classes and neurons of <paramref name="info"/>.</summary>
    /// <exception cref="ArgumentException">Unknown name or invalid settings.</exception>
    public static SpikingNetwork Create(string name, ModelInfo info)
    {
        info = info with { Arch = name };
        info.Validate();
        var b = new NetworkBuilder(info);
        switch (name.ToLowerInvariant())
        {
            case "vgg-gesture":
                b.ConvBnSpike(64, kernel: 4, stride: 4, padding: 0).ConvBnSpike(128).MaxPool2();
                for (int i = 0; i < 4; i++) b.ConvBnSpike(128).MaxPool2();
                return b.Flatten().Linear(512).BatchNorm1d().Spike().Linear(info.Classes).Build();
            case "vggann":
            case "vgg-ncaltech101":
                b.ConvBnSpike(64, kernel: 4, stride: 4, padding: 0).ConvBnSpike(64).ConvBnSpike(128).AvgPool2()
                 .ConvBnSpike(256).ConvBnSpike(256).AvgPool2()
                 .ConvBnSpike(512).ConvBnSpike(512).AvgPool2()
                 .ConvBnSpike(512).ConvBnSpike(512).AvgPool2();
                return b.Flatten().Linear(info.Classes).Build();
            case "vggsnn":
                b.ConvBnSpike(64, kernel: 8, stride: 4, padding: 3).ConvBnSpike(128).AvgPool2()
                 .ConvBnSpike(256).ConvBnSpike(256).AvgPool2()
                 .ConvBnSpike(512).ConvBnSpike(512).AvgPool2()
                 .ConvBnSpike(512).ConvBnSpike(512).AvgPool2();
                return b.Flatten().Linear(info.Classes).Build();
            case "tiny":
                // Two CBL blocks and a readout: small enough to train in seconds on a CPU (tests).
                b.ConvBnSpike(8, kernel: 4, stride: 4, padding: 0).MaxPool2().ConvBnSpike(16).MaxPool2();
                return b.Flatten().Linear(info.Classes).Build();
            case GestureSmall:
                // The demo's network: a short vgg-gesture (patchify conv k4 s4 to 128 channels, two 3×3 CBL blocks of
                // 64 with one max pooling, a spiking hidden layer of 256 and a linear readout), so two models train on
                // two CPU cores within the demo's time budget. The wide patchify layer and the spiking hidden layer make
                // the network tolerate the Top-K calibration's dropout (0.3 after every spiking layer): with 32 or 64
                // patchify channels and no hidden layer, that dropout turned many correct training samples wrong.
                b.ConvBnSpike(128, kernel: 4, stride: 4, padding: 0).ConvBnSpike(64).MaxPool2().ConvBnSpike(64);
                return b.Flatten().Linear(256).BatchNorm1d().Spike().Linear(info.Classes).Build();
            case LayerChain.ArchName:
                return LayerChain.Build(info);
            default:
                if (FrameArchitectures.Names.Contains(name, StringComparer.OrdinalIgnoreCase))
                    return Conversion.ConvertedNetwork.FromInfo(FrameArchitectures.Names.First(n => string.Equals(n, name, StringComparison.OrdinalIgnoreCase)), info);
                if (registered.TryGetValue(name, out var factory)) return factory(info);
                throw new ArgumentException($"unknown architecture '{name}'; known: {string.Join(", ", Names)}");
        }
    }

    /// <summary>Builds <c>info.Arch</c>.</summary>
    public static SpikingNetwork Create(ModelInfo info) => Create(info.Arch, info);
}
