using EventSnn.Datasets;
using EventSnn.Model;
using EventSnn.Model.Cutoff;
using EventSnn.Model.Evaluation;
using EventSnn.Model.Portable;
using EventSnn.Tests.Model;
using PureHDF;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace EventSnn.Tests.Portable;

/// <summary>NIR export and import: round trips, the reference file layout, other libraries' graphs, refusals.</summary>
[Collection(TorchCollection.Name)]
public class NirTests
{
    private readonly ITestOutputHelper output;

    public NirTests(ITestOutputHelper output) => this.output = output;

    private static ModelInfo Info(string arch, int size, int k = 5, int t = 5) => new() { Arch = arch, T = t, Classes = k, Height = size, Width = size };

    private static NirImportResult RoundTrip(SpikingNetwork net, ModelInfo info, string dir, double dt = NirExport.DefaultDt)
    {
        var (graph, _) = NirExport.ToGraph(PortableNetwork.From(net, info), dt);
        string path = Path.Combine(dir, "net.nir");
        NirFile.Write(path, graph);
        return NirImport.ToNetwork(NirFile.Read(path), dt: null, timesteps: info.T);
    }

    [Theory]
    [InlineData("tiny", 16)]
    [InlineData("vgg-gesture", 32)]
    public void ExportThenImportGivesBitIdenticalStepOutputsOnDyadicNetworks(string arch, int size)
    {
        string dir = Fixtures.TempDir("eventsnn-nir");
        try
        {
            var info = Info(arch, size);
            using var net = DyadicNetworks.Create(info, seed: 4);
            var r = RoundTrip(net, info, dir);
            using var back = r.Net;
            Assert.Equal(net.SpikingLayers.Count, back.SpikingLayers.Count);
            using var x = DyadicNetworks.Counts([info.T, 3, 2, size, size], 3, seed: 9);
            var (o1, s1) = DyadicNetworks.Trace(net, x);
            var (o2, s2) = DyadicNetworks.Trace(back, x);
            Assert.Equal(o1, o2);
            for (int l = 0; l < s1.Count; l++) Assert.Equal(s1[l], s2[l]);
            Assert.True(s1[0].Any(v => v != 0) && s1[0].Any(v => v == 0), "the first layer should spike on some inputs and not on others");

            // Single-step mode of the imported network gives the same bits, step by step.
            using var _ = no_grad();
            back.ResetState();
            for (int t = 0; t < info.T; t++)
            {
                using var xt = x[t];
                using var y = back.Step(xt);
                var expected = o1.AsSpan(t * 3 * info.Classes, 3 * info.Classes).ToArray();
                Assert.Equal(expected, y.data<float>().ToArray());
            }
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void ExportedFileFollowsTheReferenceLayoutReadAsPlainHdf5()
    {
        string dir = Fixtures.TempDir("eventsnn-nir");
        try
        {
            var info = Info("tiny", 16, k: 4);
            using var net = DyadicNetworks.Create(info);
            var (graph, _) = NirExport.ToGraph(PortableNetwork.From(net, info), dt: 1e-3);
            string path = Path.Combine(dir, "tiny.nir");
            NirFile.Write(path, graph);

            using var file = H5File.OpenRead(path);
            Assert.Equal(NirGraph.WrittenVersion, file.Dataset("version").Read<string>());
            var node = file.Group("node");
            Assert.Equal("NIRGraph", node.Dataset("type").Read<string>());
            Assert.Equal(1e-3, node.Group("metadata").Dataset("dt").Read<double>());
            var edges = node.Dataset("edges");
            Assert.Equal(2UL, edges.Space.Dimensions[1]);
            var names = edges.Read<string[]>();
            var nodes = node.Group("nodes");
            var types = nodes.Children().ToDictionary(c => c.Name, c => ((IH5Group)c).Dataset("type").Read<string>());

            // One chain input -> ... -> output over every node.
            var order = new List<string> { "input" };
            for (int e = 0; e < names.Length; e += 2) { Assert.Equal(order[^1], names[e]); order.Add(names[e + 1]); }
            Assert.Equal("output", order[^1]);
            Assert.Equal(types.Keys.Order(), order.Order());
            Assert.Equal(["Input", "Conv2d", "LIF", "SumPool2d", "Threshold", "Conv2d", "LIF", "SumPool2d", "Threshold", "Flatten", "Affine", "Output"],
                order.Select(n => types[n]).ToArray());

            var input = nodes.Group("input");
            Assert.Equal([2L, 16, 16], input.Dataset("shape").Read<long[]>());
            var conv = nodes.Group(order[1]);
            var w = conv.Dataset("weight");
            Assert.Equal(H5DataTypeClass.FloatingPoint, w.Type.Class);
            Assert.Equal([8UL, 2, 4, 4], w.Space.Dimensions);
            Assert.Equal([4L, 4], conv.Dataset("stride").Read<long[]>());
            Assert.Equal([0L, 0], conv.Dataset("padding").Read<long[]>());
            Assert.Equal([1L, 1], conv.Dataset("dilation").Read<long[]>());
            Assert.Equal(1L, conv.Dataset("groups").Read<long>());
            Assert.Equal([8UL], conv.Dataset("bias").Space.Dimensions);

            // LIF of decay 0.5 at dt = 1 ms: tau = dt/(1 - 0.5) = 2 ms, r = tau/dt = 2, v_leak = 0, v_threshold = 1, v_reset = 0.
            var lif = nodes.Group(order[2]);
            foreach (string f in new[] { "tau", "r", "v_leak", "v_threshold", "v_reset" })
                Assert.Equal([8UL, 4, 4], lif.Dataset(f).Space.Dimensions);
            Assert.All(lif.Dataset("tau").Read<double[]>(), v => Assert.Equal(2e-3, v, 15));
            Assert.All(lif.Dataset("r").Read<double[]>(), v => Assert.Equal(2.0, v, 12));
            Assert.All(lif.Dataset("v_leak").Read<double[]>(), v => Assert.Equal(0.0, v));
            Assert.All(lif.Dataset("v_threshold").Read<double[]>(), v => Assert.Equal(1.0, v));
            Assert.Equal([8L, 4, 4], lif.Group("input_type").Dataset("input").Read<long[]>());

            // Max pooling of spikes: SumPool2d 2x2 then Threshold 0.5.
            var pool = nodes.Group(order[3]);
            Assert.Equal([2L, 2], pool.Dataset("kernel_size").Read<long[]>());
            Assert.Equal([2L, 2], pool.Dataset("stride").Read<long[]>());
            Assert.All(nodes.Group(order[4]).Dataset("threshold").Read<double[]>(), v => Assert.Equal(0.5, v));

            var flatten = nodes.Group(order[9]);
            Assert.Equal([16L, 1, 1], flatten.Dataset("input_type").Read<long[]>());
            Assert.Equal(0L, flatten.Dataset("start_dim").Read<long>());
            var affine = nodes.Group(order[10]);
            Assert.Equal([4UL, 16], affine.Dataset("weight").Space.Dimensions);
            Assert.Equal([4L], nodes.Group("output").Dataset("shape").Read<long[]>());

            // BatchNorm is folded: no BatchNorm node, and the conv weights are W·γ (unit variance).
            Assert.DoesNotContain(types.Values, t => t.Contains("Norm"));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void WhatNirCannotExpressIsRefusedByLayerName()
    {
        var tebnInfo = Info("tiny", 16) with { Tebn = true };
        using (var tebn = Architectures.Create(tebnInfo))
        {
            var e = Assert.Throws<PortableFormatException>(() => NirExport.ToGraph(PortableNetwork.From(tebn, tebnInfo)));
            Assert.Equal("1_tebn", e.Item);
            Assert.Contains("TEBN", e.Message);
        }
        var ifInfo = Info("tiny", 16) with { Kind = "converted", Neuron = NeuronSettings.If(threshold: 2.0) };
        using (var converted = Architectures.Create(ifInfo))
        {
            var portable = PortableNetwork.From(converted, ifInfo);
            var e = Assert.Throws<PortableFormatException>(() => NirExport.ToGraph(portable));
            Assert.Equal("2_if", e.Item);
            Assert.Contains("membrane starts at 1", e.Message);
        }
    }

    [Fact]
    public void NeuronThresholdOtherThanOneTravelsAsAScaleNode()
    {
        string dir = Fixtures.TempDir("eventsnn-nir");
        try
        {
            // A layer chain with θ = 2 neurons (output 2·s) and no max pooling after them.
            var info = new ModelInfo
            {
                Arch = LayerChain.ArchName, T = 4, Classes = 3, Height = 8, Width = 8,
                Layers =
                [
                    new LayerSpec { Kind = "conv", In = 2, Out = 4, Kernel = [3, 3], Stride = [1, 1], Padding = [1, 1] },
                    new LayerSpec { Kind = "lif", Threshold = 2.0, Tau = 0.75 },
                    new LayerSpec { Kind = "avgpool", Kernel = [2, 2], Stride = [2, 2], Padding = [0, 0] },
                    new LayerSpec { Kind = "flatten" },
                    new LayerSpec { Kind = "fc", In = 64, Out = 3 },
                ],
            };
            using var net = DyadicNetworks.Create(info, seed: 2);
            var r = RoundTrip(net, info, dir);
            using var back = r.Net;
            Assert.Equal(2.0, back.SpikingLayers[0].Threshold);
            Assert.Contains(r.Mapping, m => m.Nodes.Contains("1_lif_scale"));
            using var x = DyadicNetworks.Counts([4, 2, 2, 8, 8], 4, seed: 3);
            Assert.Equal(DyadicNetworks.Trace(net, x).Outputs, DyadicNetworks.Trace(back, x).Outputs);
        }
        finally { Directory.Delete(dir, true); }
    }

    /// <summary>
    /// A graph as snnTorch's <c>export_to_nir</c> writes one for <c>Conv2d → Leaky → Flatten → Linear → Leaky</c>: module
    /// indices as node names, scalar (0-d) neuron parameters with <c>tau = dt/(1 − β)</c>, <c>r = tau/dt</c> at its
    /// dt = 10⁻⁴ s, <c>v_leak = 0</c>, float32 arrays, Flatten with PyTorch's <c>start_dim = 1</c>, and no metadata (no dt).
    /// </summary>
    internal static NirGraph SnnTorchStyleGraph(float[] convW, float[] convB, float[] fcW, float[] fcB, double beta, double threshold, int size)
    {
        const double dt = 1e-4;
        double tau = dt / (1 - beta);
        NirNode Leaky(string name, long[] shape) => new NirNode(name, "LIF")
            .With("tau", new NirArray([tau], [], "float32")).With("r", new NirArray([tau / dt], [], "float32"))
            .With("v_leak", new NirArray([0], [], "float32")).With("v_threshold", new NirArray([threshold], [], "float32"))
            .With("v_reset", new NirArray([0], [], "float32"))
            .With("input_type", new Dictionary<string, object> { ["input"] = NirArray.Ints(shape) })
            .With("output_type", new Dictionary<string, object> { ["output"] = NirArray.Ints(shape) });
        var g = new NirGraph { Version = "1.0.6" };
        g.Nodes.Add(new NirNode("input", "Input").With("shape", NirArray.Ints(2, size, size)));
        g.Nodes.Add(new NirNode("0", "Conv2d").With("input_shape", NirArray.Ints(size, size))
            .With("weight", NirArray.Float32(convW, 4, 2, 3, 3)).With("bias", NirArray.Float32(convB, 4))
            .With("stride", NirArray.Ints(1, 1)).With("padding", NirArray.Ints(1, 1)).With("dilation", NirArray.Ints(1, 1)).With("groups", NirArray.Int(1)));
        g.Nodes.Add(Leaky("1", [4, size, size]));
        g.Nodes.Add(new NirNode("2", "Flatten").With("start_dim", NirArray.Int(1)).With("end_dim", NirArray.Int(-1)).With("input_type", NirArray.Ints(4, size, size)));
        g.Nodes.Add(new NirNode("3", "Affine").With("weight", NirArray.Float32(fcW, 3, 4 * size * size)).With("bias", NirArray.Float32(fcB, 3)));
        g.Nodes.Add(Leaky("4", [3]));
        g.Nodes.Add(new NirNode("output", "Output").With("shape", NirArray.Ints(3)));
        foreach (var (a, b) in new[] { ("input", "0"), ("0", "1"), ("1", "2"), ("2", "3"), ("3", "4"), ("4", "output") }) g.Edges.Add((a, b));
        return g;
    }

    private static float[] Dyadic(Random rng, int n, int range) => Enumerable.Range(0, n).Select(_ => rng.Next(-range, range + 1) / 256f).ToArray();

    [Fact]
    public void AnotherLibrarysGraphImportsRunsAndIsCalibratedAndEvaluated()
    {
        string dir = Fixtures.TempDir("eventsnn-nir");
        try
        {
            const int size = 8;
            var rng = new Random(12);
            float[] convW = Dyadic(rng, 4 * 2 * 9, 96), convB = Dyadic(rng, 4, 32), fcW = Dyadic(rng, 3 * 4 * size * size, 64), fcB = Dyadic(rng, 3, 32);
            const double beta = 0.5, threshold = 2.0;
            string path = Path.Combine(dir, "snntorch.nir");
            NirFile.Write(path, SnnTorchStyleGraph(convW, convB, fcW, fcB, beta, threshold, size));

            var graph = NirFile.Read(path);
            var noDt = Assert.Throws<PortableFormatException>(() => NirImport.ToNetwork(graph, dt: null));
            Assert.Equal("1", noDt.Item);
            Assert.Contains("--dt", noDt.Message);

            var r = NirImport.ToNetwork(graph, dt: 1e-4, timesteps: 4);
            string ckpt = Path.Combine(dir, "imported.ckpt");
            using (r.Net) Checkpoint.Save(ckpt, r.Net, r.Info);
            var (net, info) = Checkpoint.Load(ckpt);
            using var _ = net;
            Assert.Equal(LayerChain.ArchName, info.Arch);
            Assert.Equal(["conv", "lif", "flatten", "fc", "lif"], info.Layers!.Select(l => l.Kind).ToArray());

            // Reference: the file's semantics by hand — v ← β·v + W∗x, spike where v > v_threshold, reset to 0, output 0/1.
            using var x = DyadicNetworks.Counts([4, 2, 2, size, size], 3, seed: 5);
            float[] expected;
            using (no_grad())
            using (var scope = NewDisposeScope())
            {
                var cw = torch.tensor(convW, [4, 2, 3, 3]); var cb = torch.tensor(convB, [4]);
                var fw = torch.tensor(fcW, [3, 4 * size * size]); var fb = torch.tensor(fcB, [3]);
                var v1 = torch.zeros([2, 4, size, size]); var v2 = torch.zeros([2, 3]);
                var outs = new List<Tensor>();
                for (int t = 0; t < 4; t++)
                {
                    v1 = v1 * beta + nn.functional.conv2d(x[t], cw, cb, padding: [1, 1]);
                    var s1 = v1.gt(threshold).to_type(ScalarType.Float32);
                    v1 = v1 * (1 - s1);
                    v2 = v2 * beta + nn.functional.linear(s1.flatten(1), fw, fb);
                    var s2 = v2.gt(threshold).to_type(ScalarType.Float32);
                    v2 = v2 * (1 - s2);
                    outs.Add(s2);
                }
                expected = torch.stack(outs).data<float>().ToArray();
            }
            var (actual, spikes) = DyadicNetworks.Trace(net, x);
            Assert.Equal(expected, actual);
            Assert.True(spikes[0].Any(v => v == 1) && spikes[0].Any(v => v == 0), "the convolution layer should spike on some inputs");

            // Served like any checkpoint: the network stage's TorchSharp and ONNX Runtime backends step it in a state slot.
            var factory = new EventSnn.Pipeline.Network.CheckpointClassifierFactory(ckpt);
            using (var torchServed = factory.Load(maxBatch: 2))
            using (var onnxServed = factory.LoadOnnx(maxBatch: 2))
            {
                int frame = 2 * size * size;
                var all = x.contiguous().data<float>().ToArray(); // [T, 2 samples, 2, H, W]
                foreach (EventSnn.Pipeline.Network.IBatchedClassifier served in new EventSnn.Pipeline.Network.IBatchedClassifier[] { torchServed, onnxServed })
                {
                    served.EnsureSlots(2);
                    var got = new float[4 * 2 * 3];
                    for (int t = 0; t < 4; t++) served.Step([0, 1], all.AsSpan(t * 2 * frame, 2 * frame), got.AsSpan(t * 6, 6));
                    Assert.Equal(expected, got);
                }
            }

            // Calibrated and evaluated like any checkpoint.
            using var train = RandomFrames(30, 4, size, seed: 1);
            using var test = RandomFrames(12, 4, size, seed: 2);
            var cal = Evaluator.Calibrate(net, train, new CalibrationSettings(), dropout: 0.3, seed: 1);
            Assert.Equal(4, cal.T);
            Assert.Equal(3, cal.Classes);
            var (result, outputs) = Evaluator.Evaluate(net, test, cal, new EvaluatorOptions { BatchSize = 5 });
            Assert.Equal(12, result.Samples);
            Assert.Equal(4, result.AccuracyPerTimestep.Length);
            Assert.Contains(result.Cutoffs, c => c.Policy == CutoffPolicyKind.TopK);
            Assert.Equal(12 * 4 * 3, outputs.Outputs.Length);
        }
        finally { Directory.Delete(dir, true); }
    }

    private static FrameSet RandomFrames(int n, int t, int size, int seed)
    {
        var rng = new Random(seed);
        var data = new float[n * t * 2 * size * size];
        for (int i = 0; i < data.Length; i++) data[i] = rng.NextDouble() < 0.3 ? rng.Next(1, 4) : 0;
        return new FrameSet(data, Enumerable.Range(0, n).Select(i => i % 3).ToArray(), t, size, size, ["a", "b", "c"]);
    }

    [Fact]
    public void UnsupportedNodesAndShapesAreRefusedByNameAndNothingIsBuilt()
    {
        var rng = new Random(1);
        NirGraph Fresh() => SnnTorchStyleGraph(Dyadic(rng, 72, 8), Dyadic(rng, 4, 8), Dyadic(rng, 3 * 4 * 64, 8), Dyadic(rng, 3, 8), 0.5, 1.0, 8);

        var cuba = Fresh();
        int at = cuba.Nodes.FindIndex(n => n.Name == "1");
        var old = cuba.Nodes[at];
        cuba.Nodes[at] = new NirNode("1", "CubaLIF");
        foreach (var (k, v) in old.Fields) cuba.Nodes[at].Fields[k] = v;
        var e = Assert.Throws<PortableFormatException>(() => NirImport.ToNetwork(cuba, 1e-4));
        Assert.Equal("1", e.Item);
        Assert.Contains("node '1' (CubaLIF)", e.Message);

        var branch = Fresh();
        branch.Edges.Add(("0", "4"));
        e = Assert.Throws<PortableFormatException>(() => NirImport.ToNetwork(branch, 1e-4));
        Assert.Equal("0", e.Item);
        Assert.Contains("branches", e.Message);

        var leak = Fresh();
        leak.Node("4").Fields["v_leak"] = new NirArray([0.25], [], "float32");
        e = Assert.Throws<PortableFormatException>(() => NirImport.ToNetwork(leak, 1e-4));
        Assert.Equal("4", e.Item);
        Assert.Contains("v_leak", e.Message);

        var huge = Fresh();
        huge.Node("input").Fields["shape"] = NirArray.Ints(2, 60000, 60000);
        e = Assert.Throws<PortableFormatException>(() => NirImport.ToNetwork(huge, 1e-4));
        Assert.Equal("input", e.Item);
        Assert.Throws<ArgumentException>(() => new LayerSpec { Kind = "conv", In = 1 << 15, Out = 1 << 15, Kernel = [3, 3], Stride = [1, 1], Padding = [1, 1] }.Validate());

        var perNeuron = Fresh();
        perNeuron.Node("4").Fields["tau"] = NirArray.Float64([2e-4, 3e-4, 4e-4], 3);
        e = Assert.Throws<PortableFormatException>(() => NirImport.ToNetwork(perNeuron, 1e-4));
        Assert.Contains("per-neuron time constants", e.Message);
    }

    [Fact]
    public void TrainedNetworkShareOfDifferingSpikesAndDecisionsIsReportedAndSmall()
    {
        string dir = Fixtures.TempDir("eventsnn-nir");
        try
        {
            using var tiny = new TrainedTiny(dir);
            var r = RoundTrip(tiny.Net, tiny.Info, dir);
            using var back = r.Net;
            var (o1, s1) = DyadicNetworks.Trace(tiny.Net, tiny.X);
            var (o2, s2) = DyadicNetworks.Trace(back, tiny.X);
            long differing = 0, total = 0;
            for (int l = 0; l < s1.Count; l++) { total += s1[l].Length; for (int i = 0; i < s1[l].Length; i++) if (s1[l][i] != s2[l][i]) differing++; }
            int decisions = tiny.DifferingDecisions(o1, o2);
            double spikeShare = (double)differing / total, decisionShare = (double)decisions / tiny.Samples;
            double maxOut = o1.Zip(o2, (a, b) => Math.Abs(a - b)).Max();
            output.WriteLine($"trained tiny network, NIR round trip: {differing} of {total} spikes differ ({spikeShare:P4}), {decisions} of {tiny.Samples} decisions, max |ΔO| = {maxOut:G3}");
            Assert.True(spikeShare <= 0.01, $"share of differing spikes {spikeShare}");
            Assert.True(decisionShare <= 0.05, $"share of differing decisions {decisionShare}");
        }
        finally { Directory.Delete(dir, true); }
    }
}
