using BenchmarkDotNet.Running;

namespace EventSnn.Benchmarks;

/// <summary>
/// BenchmarkDotNet entry point. Run with
/// <c>dotnet run -c Release --project tools/EventSnn.Benchmarks -- --filter '*'</c>;
/// each benchmark class reports ratios against a baseline measured in the same run. <c>capacity</c> as the first
/// argument runs the end-to-end serving capacity measurement instead (<see cref="Pipeline.Capacity"/>).
/// </summary>
public static class Program
{
    public static void Main(string[] args)
    {
        EventSnn.Model.TorchThreads.UsePassiveWaitUnlessSet(); // before libtorch loads (see TorchThreads)
        if (args.Length > 0 && args[0] == "capacity")
        {
            Environment.Exit(Pipeline.Capacity.Run(args));
            return;
        }
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
