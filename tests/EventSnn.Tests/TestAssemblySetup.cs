using System.Runtime.CompilerServices;
using EventSnn.Model;

namespace EventSnn.Tests;

/// <summary>Process-wide settings of the test host, applied before any test touches libtorch.</summary>
internal static class TestAssemblySetup
{
#pragma warning disable CA2255 // the test assembly configures its own host process before the first test runs
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Initialize() => TorchThreads.UsePassiveWaitUnlessSet();
}
