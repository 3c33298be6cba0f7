using BenchmarkDotNet.Attributes;
using EventSnn.Model;
using EventSnn.Pipeline.Network;

namespace EventSnn.Benchmarks.Model;

/// <summary>
/// One explicit-state network step of B streams, as the network stage runs it: TorchSharp (the served form, BatchNorm
/// folded, state in a <see cref="NetworkState"/>; baseline) against ONNX Runtime (the checkpoint exported as an ONNX step
/// graph, state in <see cref="OnnxNetworkBatch"/> slots), for <c>gesture-small</c> at 2×32×32 (the demo's network) and
/// <c>vgg-gesture</c> at 2×128×128, at batch 1 and 32, on 1 and 2 intra-op threads (libtorch's and ONNX Runtime's).
/// Inputs are event counts 0–2; weights are initialisation values (speed does not depend on them).
/// </summary>
public class OnnxRuntimeStepBenchmarks
{
    private string checkpoint = "";
    private IBatchedClassifier model = null!;
    private float[] frames = [], outputs = [];
    private int[] slots = [];

    /// <summary>Architecture and input size.</summary>
    [Params("gesture-small", "vgg-gesture")]
    public string Arch { get; set; } = "gesture-small";

    /// <summary>Streams stepped together.</summary>
    [Params(1, 32)]
    public int Batch { get; set; }

    /// <summary>Intra-op threads.</summary>
    [Params(1, 2)]
    public int Threads { get; set; }

    /// <summary>torch or onnxruntime.</summary>
    [Params("torch", "onnxruntime")]
    public string Backend { get; set; } = "torch";

    [GlobalSetup]
    public void Setup()
    {
        // gesture-small is registered by the eventsnn program's module initializer.
        System.Runtime.CompilerServices.RuntimeHelpers.RunModuleConstructor(typeof(EventSnn.Cli.Program).Module.ModuleHandle);
        int size = Arch == "vgg-gesture" ? 128 : 32;
        var info = new ModelInfo { Arch = Arch, T = 16, Classes = 11, Height = size, Width = size };
        TorchSharp.torch.manual_seed(1);
        checkpoint = Path.Combine(Path.GetTempPath(), $"eventsnn-ort-bench-{Guid.NewGuid():N}.ckpt");
        using (var net = Architectures.Create(info)) Checkpoint.Save(checkpoint, net, info);
        TorchSharp.torch.set_num_threads(Threads);
        var factory = new CheckpointClassifierFactory(checkpoint);
        model = Backend == "onnxruntime" ? factory.LoadOnnx(maxBatch: Batch, initialSlots: Batch, threads: Threads) : factory.Load(maxBatch: Batch, initialSlots: Batch);
        var rng = new Random(2);
        frames = Enumerable.Range(0, Batch * 2 * size * size).Select(_ => (float)rng.Next(0, 3)).ToArray();
        outputs = new float[Batch * 11];
        slots = Enumerable.Range(0, Batch).ToArray();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        model.Dispose();
        File.Delete(checkpoint);
    }

    /// <summary>One step of every stream; slots are reset every 16 steps (a new sample at T = 16).</summary>
    [Benchmark]
    public float Step()
    {
        if (++steps % 16 == 0) foreach (int s in slots) model.Reset(s);
        model.Step(slots, frames, outputs);
        return outputs[0];
    }

    private int steps;
}
