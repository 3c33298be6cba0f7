using BenchmarkDotNet.Running;

namespace EventSnn.Benchmarks;

/// <summary>
/// BenchmarkDotNet entry point. Run with
/// <c>dotnet run -c Release --project tools/EventSnn.Benchmarks -- --filter '*'</c>;
/// each benchmark class reports ratios against a baseline measured in the same run.
/// </summary>
public static class Program
{
    public static void Main(string[] args)
    {
        EventSnn.Model.TorchThreads.UsePassiveWaitUnlessSet(); // before libtorch loads (see TorchThreads)
        if (args is ["nats-throughput", ..]) { Environment.ExitCode = Pipeline.NatsThroughput.Run(args); return; }
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
