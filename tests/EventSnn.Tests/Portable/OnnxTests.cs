using EventSnn.Model;
using EventSnn.Model.Portable;
using EventSnn.Tests.Model;
using Google.Protobuf;
using Onnx;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace EventSnn.Tests.Portable;

/// <summary>The ONNX step graph run by ONNX Runtime against TorchSharp's step.</summary>
[Collection(TorchCollection.Name)]
public class OnnxTests
{
    private readonly ITestOutputHelper output;

    public OnnxTests(ITestOutputHelper output) => this.output = output;

    /// <summary>TorchSharp's per-step outputs <c>[T, B, K]</c> of <paramref name="x"/> <c>[T, B, C, H, W]</c>, state carried by the network.</summary>
    private static float[] TorchSteps(SpikingNetwork net, Tensor x)
    {
        using var _ = no_grad();
        net.ResetState();
        var all = new List<float>();
        for (long t = 0; t < x.shape[0]; t++)
        {
            using var xt = x[t];
            using var y = net.Step(xt);
            all.AddRange(y.data<float>().ToArray());
        }
        net.ResetState();
        return all.ToArray();
    }

    /// <summary>ONNX Runtime's per-step outputs <c>[T, B, K]</c>, one slot per sample.</summary>
    private static float[] OnnxSteps(OnnxStepSession session, Tensor x)
    {
        long steps = x.shape[0];
        int b = (int)x.shape[1];
        session.EnsureSlots(b);
        for (int i = 0; i < b; i++) session.Reset(i);
        var slots = Enumerable.Range(0, b).ToArray();
        var result = new float[steps * b * session.Classes];
        for (long t = 0; t < steps; t++)
        {
            using var xt = x[t];
            using var frame = xt.contiguous();
            session.Step(slots, frame.data<float>().ToArray(), result.AsSpan((int)(t * b * session.Classes), b * session.Classes));
        }
        return result;
    }

    [Theory]
    [InlineData("tiny", 16, 1)]
    [InlineData("tiny", 16, 32)]
    [InlineData("vgg-gesture", 32, 1)]
    [InlineData("vgg-gesture", 32, 32)]
    public void OnnxRuntimeStepEqualsTorchSharpStepBitForBit(string arch, int size, int batch)
    {
        var info = new ModelInfo { Arch = arch, T = 6, Classes = 5, Height = size, Width = size };
        using var net = DyadicNetworks.Create(info, seed: 8);
        var (model, states) = OnnxExport.ToModel(PortableNetwork.From(net, info));
        Assert.Equal(net.SpikingLayers.Count, states.Count);
        using var session = new OnnxStepSession(model.ToByteArray(), threads: 1);
        using var x = DyadicNetworks.Counts([info.T, batch, 2, size, size], 3, seed: batch);
        var expected = TorchSteps(net, x);
        var actual = OnnxSteps(session, x);
        Assert.Equal(expected, actual);
        Assert.True(expected.Distinct().Count() > 2, "outputs should vary");
    }

    [Fact]
    public void StepGraphIsOpset17IrVersion8WithADynamicBatchAndStatesForEveryLayer()
    {
        string dir = Fixtures.TempDir("eventsnn-onnx");
        try
        {
            var info = new ModelInfo { Arch = "vgg-gesture", T = 4, Classes = 11, Height = 32, Width = 32 };
            using var net = DyadicNetworks.Create(info);
            string path = Path.Combine(dir, "step.onnx");
            var states = OnnxExport.Write(PortableNetwork.From(net, info), path);
            var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));
            Assert.True(model.IrVersion <= 8);
            Assert.All(model.OpsetImport, o => Assert.True(o.Version <= 17));
            var g = model.Graph;
            Assert.Equal(["frame", .. states.Select(s => s.Input)], g.Input.Select(i => i.Name).ToArray());
            Assert.Equal(["output", .. states.Select(s => s.Output)], g.Output.Select(i => i.Name).ToArray());
            Assert.All(g.Input.Concat(g.Output), v => Assert.Equal("batch", v.Type.TensorType.Shape.Dim[0].DimParam));
            Assert.Equal(7, states.Count);
            Assert.DoesNotContain(g.Node, n => n.OpType == "BatchNormalization");
            Assert.Equal(new long[] { 64, 8, 8 }, states[0].SampleShape);
            // Every node's inputs are graph inputs, initializers or earlier nodes' outputs (a topologically sorted graph).
            var known = new HashSet<string>(g.Input.Select(i => i.Name).Concat(g.Initializer.Select(i => i.Name)));
            foreach (var n in g.Node)
            {
                Assert.All(n.Input, i => Assert.Contains(i, known));
                foreach (var o in n.Output) known.Add(o);
            }
            Assert.All(g.Output, o => Assert.Contains(o.Name, known));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(32)]
    public void TebnNetworkCountsStepsInItsStateAndEqualsTorchSharpBeyondT(int batch)
    {
        // TEBN's per-step scales p[min(t, T−1)] (0.5 … 2, exact) with a step counter per sample; 8 steps for T = 5.
        var info = new ModelInfo { Arch = "vgg-gesture", T = 5, Classes = 5, Height = 32, Width = 32, Tebn = true };
        using var net = DyadicNetworks.Create(info, seed: 6);
        var (model, states) = OnnxExport.ToModel(PortableNetwork.From(net, info));
        Assert.Equal(net.SpikingLayers.Count + 6, states.Count);
        Assert.Contains(states, s => s.Layer == "1_tebn" && s.SampleShape.SequenceEqual(new long[] { 1 }));
        using var session = new OnnxStepSession(model.ToByteArray(), threads: 1);
        using var x = DyadicNetworks.Counts([8, batch, 2, 32, 32], 3, seed: 4);
        Assert.Equal(TorchSteps(net, x), OnnxSteps(session, x));
    }

    [Fact]
    public void ConvertedIfNetworkWithSoftResetAndStartingMembraneRunsOnOnnxRuntime()
    {
        // What NIR refuses, ONNX carries: IF neurons, reset by subtraction, membrane starting at θ/2, θ = 2 (a power of two, exact).
        var info = new ModelInfo { Arch = "tiny", T = 5, Classes = 4, Height = 16, Width = 16, Kind = "converted", Neuron = NeuronSettings.If(threshold: 2.0) };
        using var net = DyadicNetworks.Create(info, seed: 3);
        var (model, states) = OnnxExport.ToModel(PortableNetwork.From(net, info));
        Assert.All(states, s => Assert.Equal(1f, s.Initial));
        using var session = new OnnxStepSession(model.ToByteArray());
        using var x = DyadicNetworks.Counts([5, 4, 2, 16, 16], 4, seed: 2);
        Assert.Equal(TorchSteps(net, x), OnnxSteps(session, x));
    }

    [Fact]
    public void TrainedNetworkShareOfDifferingDecisionsIsReported()
    {
        string dir = Fixtures.TempDir("eventsnn-onnx");
        try
        {
            using var tiny = new TrainedTiny(dir);
            var (model, _) = OnnxExport.ToModel(PortableNetwork.From(tiny.Net, tiny.Info));
            using var session = new OnnxStepSession(model.ToByteArray());
            var a = TorchSteps(tiny.Net, tiny.X);
            var b = OnnxSteps(session, tiny.X);
            int n = tiny.Samples, decisions = tiny.DifferingDecisions(a, b);
            int outputsDiffer = a.Zip(b).Count(p => p.First != p.Second);
            output.WriteLine($"trained tiny network, ONNX Runtime vs TorchSharp: {outputsDiffer} of {a.Length} per-step outputs differ, {decisions} of {n} decisions");
            Assert.True(decisions <= n / 20, $"{decisions} of {n} decisions differ");
        }
        finally { Directory.Delete(dir, true); }
    }
}
