using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using EventSnn.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace EventSnn.Benchmarks.Model;

/// <summary>
/// <c>vgg-gesture</c> at 2×128×128 on CPU: single-step latency at batch 1, multi-step (T = 16) inference and one
/// training step (TET + RCS, SGD) at batch 16. The baseline copies the bytes of one T = 16, batch-16 input, so the
/// ratios say how many input copies each network pass costs. Peak process memory (native libtorch included) is
/// written to <c>model-peak-memory.txt</c> in the current folder after each benchmark, because the memory diagnoser
/// sees only managed allocations.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(VggGestureBenchmarkConfig))]
public class VggGestureBenchmarks
{
    private const int T = 16, Batch = 16, Size = 128;
    private SpikingNetwork net = null!;
    private Tensor multiInput = null!, singleInput = null!, labels = null!;
    private TorchSharp.Modules.SGD optimizer = null!;
    // Held for the whole run, as the trainer does: implicit temporary Scalars can be freed mid-call by their finalizer.
    private readonly Scalar rcsAlpha = 0.002.ToScalar(), one = 1.ToScalar();
    private float[] source = null!, destination = null!;
    private int step;
    private string ran = "";

    [GlobalSetup]
    public void Setup()
    {
        torch.manual_seed(1);
        net = Architectures.Create("vgg-gesture", new ModelInfo { Arch = "vgg-gesture", T = T, Classes = 11, Height = Size, Width = Size });
        multiInput = (torch.rand(new long[] { T, Batch, 2, Size, Size }) * 2).floor();
        singleInput = multiInput[0].narrow(0, 0, 1).contiguous();
        labels = torch.randint(0, 11, new long[] { Batch });
        optimizer = torch.optim.SGD(net.parameters(), 0.1, momentum: 0.9, weight_decay: 5e-4);
        source = new float[T * Batch * 2 * Size * Size];
        destination = new float[source.Length];
    }

    [Benchmark(Baseline = true, Description = "copy one T=16 x batch-16 input")]
    public void CopyInput() { ran = nameof(CopyInput); source.AsSpan().CopyTo(destination); }

    [Benchmark(Description = "single step, batch 1 (inference)")]
    public void SingleStepBatch1()
    {
        ran = nameof(SingleStepBatch1);
        net.eval();
        using var noGrad = torch.no_grad();
        if (step++ % T == 0) net.ResetState();
        net.Step(singleInput).Dispose();
    }

    [Benchmark(Description = "multi-step T=16, batch 16 (inference)")]
    public void MultiStepInferenceBatch16()
    {
        ran = nameof(MultiStepInferenceBatch16);
        net.eval();
        using var noGrad = torch.no_grad();
        net.call(multiInput).Dispose();
    }

    [Benchmark(Description = "training step T=16, batch 16 (TET + RCS, SGD)")]
    public void TrainingStepBatch16()
    {
        ran = nameof(TrainingStepBatch16);
        net.train();
        foreach (var l in net.SpikingLayers) l.RecordResponse = true;
        using var scope = torch.NewDisposeScope();
        var outputs = net.call(multiInput);
        var responses = net.SpikingLayers.Select(l => l.TakeResponse()!).ToList();
        var loss = Losses.Tet(outputs, labels).add(new RcsRegulariser().Compute(responses, outputs, labels).Loss.mul(rcsAlpha), one);
        optimizer.zero_grad();
        loss.backward();
        StableSgd.Step(optimizer);
        foreach (var r in responses) r.Dispose();
        foreach (var l in net.SpikingLayers) l.RecordResponse = false;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        var p = Process.GetCurrentProcess();
        File.AppendAllText("model-peak-memory.txt",
            $"{DateTime.UtcNow:O} {ran}: peak working set {p.PeakWorkingSet64 / (1024.0 * 1024.0):0} MiB, threads {torch.get_num_threads()}\n");
        optimizer.Dispose(); net.Dispose(); multiInput.Dispose(); singleInput.Dispose(); labels.Dispose(); rcsAlpha.Dispose(); one.Dispose();
    }
}

/// <summary>
/// A short in-process job: one training step takes over a minute on two cores, beyond the default in-process
/// time limit and too slow for BenchmarkDotNet's default iteration counts.
/// </summary>
public sealed class VggGestureBenchmarkConfig : ManualConfig
{
    public VggGestureBenchmarkConfig() =>
        AddJob(Job.Default.WithToolchain(new InProcessEmitToolchain(TimeSpan.FromMinutes(40), logOutput: true))
            .WithLaunchCount(1).WithWarmupCount(1).WithIterationCount(3).WithInvocationCount(1).WithUnrollFactor(1).WithId("model-short"));
}
