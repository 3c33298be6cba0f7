namespace EventSnn.Model;

/// <summary>
/// The frame-data architectures used for ANN training and conversion: "vgg16", "resnet18", "resnet20" (32×32
/// images, METHOD.md §7) and "tiny-vgg" (a small net for tests and quick runs). Any input size divisible by the
/// network's total stride works; event frames have 2 channels.
/// </summary>
public static class FrameArchitectures
{
    /// <summary>Accepted architecture names.</summary>
    public static IReadOnlyList<string> Names { get; } = new[] { "vgg16", "resnet18", "resnet20", "tiny-vgg" };

    /// <summary>True when <paramref name="arch"/> names one of <see cref="Names"/> (case-insensitive).</summary>
    public static bool IsFrameArchitecture(string arch) => Names.Contains(arch.ToLowerInvariant());

    /// <summary>Builds the named network with the given activation modules.</summary>
    public static ActivationNetwork Create(string arch, FrameNetworkShape shape, ActivationFactory activation) =>
        arch.ToLowerInvariant() switch
        {
            "vgg16" => new Vgg16(shape, activation),
            "resnet18" => ResNet.ResNet18(shape, activation),
            "resnet20" => ResNet.ResNet20(shape, activation),
            "tiny-vgg" => new TinyVgg(shape, activation),
            _ => throw new ArgumentException($"unknown frame architecture '{arch}'; expected one of {string.Join(", ", Names)}", nameof(arch)),
        };
}
