using BenchmarkDotNet.Attributes;
using EventSnn.Model;
using EventSnn.Pipeline.Network;
using TorchSharp;
using static TorchSharp.torch;

namespace EventSnn.Benchmarks.Pipeline;

/// <summary>The networks served, by name, with random (Kaiming) weights: only the arithmetic matters here.</summary>
internal static class ServedNetworks
{
    /// <summary>Input side (square) and the network of <paramref name="name"/>.</summary>
    public static (int Size, SpikingNetwork Net) Create(string name)
    {
        torch.manual_seed(1);
        if (name == "gesture-small")
        {
            // The demo's network (tools/EventSnn.Cli/Cutoff/DemoArchitecture.cs) at its 2x32x32 input, T = 8.
            var info = new ModelInfo { Arch = name, T = 8, Classes = 11, Height = 32, Width = 32 };
            var net = new NetworkBuilder(info).ConvBnSpike(128, kernel: 4, stride: 4, padding: 0).ConvBnSpike(64).MaxPool2().ConvBnSpike(64)
                .Flatten().Linear(256).BatchNorm1d().Spike().Linear(info.Classes).Build();
            net.eval();
            return (32, net);
        }
        var vgg = Architectures.Create("vgg-gesture", new ModelInfo { Arch = "vgg-gesture", T = 16, Classes = 11, Height = 128, Width = 128 });
        vgg.eval();
        return (128, vgg);
    }

    /// <summary>B sparse event-count frames <c>[B, 2, size, size]</c> (about 30 % of pixels hold 1 or 2 events).</summary>
    public static float[] Frames(int batch, int size)
    {
        var rng = new Random(2);
        var f = new float[batch * 2 * size * size];
        for (int i = 0; i < f.Length; i++) f[i] = rng.NextDouble() < 0.3 ? 1 + rng.Next(2) : 0;
        return f;
    }
}

/// <summary>
/// The naive TorchSharp step measured against: the network's modules as they are (Conv, BatchNorm, Pool,
/// Linear called one by one in eval mode) and the LIF/IF neuron written with a fresh tensor per operation, the
/// membranes carried between steps in a list.
/// </summary>
internal sealed class NaiveStepper : IDisposable
{
    readonly IReadOnlyList<nn.Module<Tensor, Tensor>> _layers;
    readonly Tensor?[] _membranes;
    readonly Scalar _one = 1.0.ToScalar();
    readonly Dictionary<SpikingNeuron, (Scalar Theta, Scalar Tau, Scalar Initial)> _scalars = new();

    public NaiveStepper(SpikingNetwork net)
    {
        _layers = ((SequentialSpikingNetwork)net).Layers;
        _membranes = new Tensor?[_layers.Count];
        foreach (var n in _layers.OfType<SpikingNeuron>())
            _scalars[n] = (n.Threshold.ToScalar(), n.Tau.ToScalar(), (n.InitialMembrane * n.Threshold).ToScalar());
    }

    public Tensor Step(Tensor x)
    {
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var h = x;
        for (int i = 0; i < _layers.Count; i++)
        {
            switch (_layers[i])
            {
                case SpikingNeuron n:
                    var (theta, tau, initial) = _scalars[n];
                    var v = _membranes[i] ?? torch.full_like(h, initial);
                    var u = v.add(h, _one);
                    var s = u.gt(theta).to_type(h.dtype);
                    var post = n.SoftReset ? u.sub(s.mul(theta)) : u.mul(s.neg().add(_one, _one));
                    var next = n.Tau == 1.0 ? post : post.mul(tau);
                    next.DetachFromDisposeScope();
                    _membranes[i]?.Dispose();
                    _membranes[i] = next;
                    h = n.Threshold == 1.0 ? s : s.mul(theta);
                    break;
                case TimeDistributed td:
                    h = td.Inner.call(h);
                    break;
                default:
                    h = ((ITemporalLayer)_layers[i]).ForwardSingleStep(h);
                    break;
            }
        }
        return h.MoveToOuterDisposeScope();
    }

    public void Reset()
    {
        for (int i = 0; i < _membranes.Length; i++) { _membranes[i]?.Dispose(); _membranes[i] = null; }
    }

    public void Dispose()
    {
        Reset();
        _one.Dispose();
        foreach (var (a, b, c) in _scalars.Values) { a.Dispose(); b.Dispose(); c.Dispose(); }
    }
}

/// <summary>
/// One network step at batch 1, as the network stage runs it for a single stream: the naive TorchSharp step
/// (baseline) against the stage's own step (<see cref="SpikingNetworkBatch"/>: state in slots, BatchNorm folded,
/// membranes updated in place, frames copied in and outputs read back), unfolded too, at 1 and 2 libtorch threads.
/// Every 8 (gesture-small) or 16 (vgg-gesture) steps the state restarts, as a decision would.
/// </summary>
[MemoryDiagnoser]
public class ServingStepBenchmarks
{
    SpikingNetwork _net = null!;
    NaiveStepper _naive = null!;
    SpikingNetworkBatch _folded = null!, _unfolded = null!;
    Tensor _x = null!;
    float[] _frames = null!, _outputs = new float[11];
    int _steps, _t;
    readonly int[] _slot = [0];

    [Params("gesture-small", "vgg-gesture")]
    public string Network { get; set; } = "gesture-small";

    [Params(1, 2)]
    public int Threads { get; set; } = 1;

    [GlobalSetup]
    public void Setup()
    {
        torch.set_num_threads(Threads);
        var (size, net) = ServedNetworks.Create(Network);
        _net = net;
        _t = Network == "gesture-small" ? 8 : 16;
        _frames = ServedNetworks.Frames(1, size);
        _x = torch.tensor(_frames, [1, 2, size, size]);
        _naive = new NaiveStepper(net);
        var info = new ClassifierInfo(Enumerable.Range(0, 11).Select(k => $"{k}").ToArray(), _t, size, size);
        // Both share the (untouched) network; SpikingNetworkBatch disposes it, so only the folded one owns it.
        _folded = new SpikingNetworkBatch(net, info, maxBatch: 1, initialSlots: 1, fold: true);
        _unfolded = new SpikingNetworkBatch(ServedNetworks.Create(Network).Net, info, maxBatch: 1, initialSlots: 1, fold: false);
    }

    void Threading() { if (torch.get_num_threads() != Threads) torch.set_num_threads(Threads); }

    [Benchmark(Baseline = true, Description = "naive step, batch 1")]
    public void Naive()
    {
        Threading();
        if (_steps++ % _t == 0) _naive.Reset();
        _naive.Step(_x).Dispose();
    }

    [Benchmark(Description = "stage step, batch 1, folded")]
    public void Folded()
    {
        Threading();
        if (_steps++ % _t == 0) _folded.Reset(0);
        _folded.Step(_slot, _frames, _outputs);
    }

    [Benchmark(Description = "stage step, batch 1, unfolded")]
    public void Unfolded()
    {
        Threading();
        if (_steps++ % _t == 0) _unfolded.Reset(0);
        _unfolded.Step(_slot, _frames, _outputs);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _naive.Dispose();
        _folded.Dispose();
        _unfolded.Dispose();
        _x.Dispose();
    }
}

/// <summary>
/// Batched steps through the stage's own step (<see cref="SpikingNetworkBatch"/>, folded, 2 libtorch threads) at
/// B streams, against the naive step of one stream at batch 1 on 1 thread, in the same run. Divide a batched mean by B
/// for the cost per stream. The B slots are a scattered set (gathered and written back), as a live stage's are.
/// </summary>
public abstract class BatchedStepBenchmarks
{
    NaiveStepper _naive = null!;
    SpikingNetworkBatch _model = null!;
    Tensor _x1 = null!;
    float[] _frames = null!, _outputs = null!;
    int[] _slots = null!;
    int _steps, _t;

    protected abstract string Network { get; }

    /// <summary>Streams per step.</summary>
    public abstract int Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var (size, net) = ServedNetworks.Create(Network);
        _t = Network == "gesture-small" ? 8 : 16;
        _naive = new NaiveStepper(net);
        _frames = ServedNetworks.Frames(Batch, size);
        _x1 = torch.tensor(_frames.AsSpan(0, 2 * size * size).ToArray(), [1, 2, size, size]);
        _outputs = new float[Batch * 11];
        var info = new ClassifierInfo(Enumerable.Range(0, 11).Select(k => $"{k}").ToArray(), _t, size, size);
        _model = new SpikingNetworkBatch(net, info, maxBatch: Batch, initialSlots: 2 * Batch, fold: true);
        // Every other slot, in reverse: not a consecutive run, so the state is gathered and scattered.
        _slots = Enumerable.Range(0, Batch).Select(i => 2 * (Batch - 1 - i)).ToArray();
    }

    [Benchmark(Baseline = true, Description = "naive step, batch 1, 1 thread")]
    public void NaiveBatch1()
    {
        if (torch.get_num_threads() != 1) torch.set_num_threads(1);
        if (_steps++ % _t == 0) _naive.Reset();
        _naive.Step(_x1).Dispose();
    }

    [Benchmark(Description = "stage step, B streams, 2 threads")]
    public void StageBatch()
    {
        if (torch.get_num_threads() != 2) torch.set_num_threads(2);
        if (_steps++ % _t == 0) foreach (int s in _slots) _model.Reset(s);
        _model.Step(_slots, _frames, _outputs);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _naive.Dispose();
        _model.Dispose();
        _x1.Dispose();
    }
}

/// <summary><see cref="BatchedStepBenchmarks"/> for gesture-small (2×32×32).</summary>
[MemoryDiagnoser]
public class GestureSmallBatchedBenchmarks : BatchedStepBenchmarks
{
    protected override string Network => "gesture-small";

    /// <inheritdoc />
    [Params(1, 8, 32, 64)]
    public override int Batch { get; set; } = 1;
}

/// <summary><see cref="BatchedStepBenchmarks"/> for vgg-gesture (2×128×128).</summary>
[MemoryDiagnoser]
public class VggGestureBatchedBenchmarks : BatchedStepBenchmarks
{
    protected override string Network => "vgg-gesture";

    /// <inheritdoc />
    [Params(1, 8, 32)]
    public override int Batch { get; set; } = 1;
}
