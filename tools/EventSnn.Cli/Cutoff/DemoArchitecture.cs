using System.Runtime.CompilerServices;
using EventSnn.Model;

namespace EventSnn.Cli.Cutoff;

/// <summary>
/// The demo's network, "gesture-small": the front of <c>vgg-gesture</c> (patchify conv k4 s4, then 3×3 CBL blocks
/// with max pooling) at widths 32/64/64 and a linear readout, so two models train on two CPU cores within the
/// demo's time budget. Registered when the <c>eventsnn</c> program loads, so every command can load its checkpoints.
/// </summary>
internal static class DemoArchitecture
{
    public const string Name = "gesture-small";

#pragma warning disable CA2255 // the program itself registers its own architecture, before any command runs
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Register() => Architectures.Register(Name, info => new NetworkBuilder(info)
        .ConvBnSpike(32, kernel: 4, stride: 4, padding: 0)
        .ConvBnSpike(64).MaxPool2()
        .ConvBnSpike(64).MaxPool2()
        .Flatten().Linear(info.Classes).Build());
}
