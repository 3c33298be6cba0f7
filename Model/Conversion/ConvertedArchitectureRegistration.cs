using System.Runtime.CompilerServices;

namespace EventSnn.Model.Conversion;

/// <summary>
/// Makes the frame architectures known to <see cref="Architectures"/> as soon as the Model assembly loads, so
/// <see cref="Checkpoint.Load"/> (and every command built on it) rebuilds converted networks without extra calls.
/// </summary>
internal static class ConvertedArchitectureRegistration
{
#pragma warning disable CA2255 // A library initializer is the point here: every process that loads Model must know these names.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Register()
    {
        foreach (var name in FrameArchitectures.Names)
            Architectures.Register(name, info => ConvertedNetwork.FromInfo(name, info));
    }
}
