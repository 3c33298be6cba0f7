using EventSnn.Model;

namespace EventSnn.Tests.Model;

public sealed class TorchThreadsTests
{
    [Fact]
    public void TheTestHostRunsLibtorchWithPassiveWaitingUnlessTheUserChoseAPolicy()
    {
        // The module initializer ran before any test; libgomp sees the native environment.
        string? policy = TorchThreads.NativeGet(TorchThreads.WaitPolicyVariable);
        string? inherited = Environment.GetEnvironmentVariable(TorchThreads.WaitPolicyVariable);
        Assert.Equal(string.IsNullOrEmpty(inherited) ? "PASSIVE" : inherited, policy);
        // Asking again keeps what is set and reports it.
        Assert.Equal(policy, TorchThreads.UsePassiveWaitUnlessSet());
    }
}
