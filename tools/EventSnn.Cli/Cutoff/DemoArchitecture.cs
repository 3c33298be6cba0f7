using System.Runtime.CompilerServices;
using EventSnn.Model;

namespace EventSnn.Cli.Cutoff;

/// <summary>
/// The demo's network, "gesture-small": a short <c>vgg-gesture</c> (patchify conv k4 s4 to 128 channels, two 3×3
/// CBL blocks of 64 with one max pooling, then a spiking hidden layer of 256 and a linear readout), so two models
/// train on two CPU cores within the demo's time budget. The wide patchify layer and the spiking hidden layer make
/// the network tolerate the Top-K calibration's dropout (0.3 after every spiking layer): with 32 or 64 patchify
/// channels and no hidden layer, that dropout turned many correct training samples wrong and pushed the thresholds up.
/// Registered when the <c>eventsnn</c> program loads, so every command can load its checkpoints.
/// </summary>
internal static class DemoArchitecture
{
    public const string Name = "gesture-small";

#pragma warning disable CA2255 // the program itself registers its own architecture, before any command runs
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Register() => Architectures.Register(Name, info => new NetworkBuilder(info)
        .ConvBnSpike(128, kernel: 4, stride: 4, padding: 0)
        .ConvBnSpike(64).MaxPool2()
        .ConvBnSpike(64)
        .Flatten().Linear(256).BatchNorm1d().Spike().Linear(info.Classes).Build());
}
