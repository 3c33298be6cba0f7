using EventSnn.Model;
using TorchSharp;
using static TorchSharp.torch;
using static EventSnn.Tests.Model.TensorAssert;

namespace EventSnn.Tests.Model;

/// <summary>Architectures, modes and checkpoints through the public API.</summary>
[Collection(TorchCollection.Name)]
public class NetworkTests
{
    private static ModelInfo Info(string arch, int h = 32, int w = 32, int t = 4, int k = 11, bool tebn = false) =>
        new() { Arch = arch, T = t, Classes = k, Height = h, Width = w, Tebn = tebn };

    [Theory]
    [InlineData("tiny", 32, 32, 2)]
    [InlineData("vgg-gesture", 32, 32, 7)]
    [InlineData("vgg-gesture", 128, 128, 7)]
    [InlineData("vggann", 32, 32, 9)]
    [InlineData("vggsnn", 32, 32, 8)]
    [InlineData("vgg-ncaltech101", 48, 64, 9)]
    public void ArchitecturesProducePerStepOutputs(string arch, int h, int w, int spikingLayers)
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(1);
        using var net = Architectures.Create(arch, Info(arch, h, w, t: 3, k: arch == "vgg-ncaltech101" ? 101 : 10));
        Assert.Equal(spikingLayers, net.SpikingLayers.Count);
        net.eval();
        using var _ = torch.no_grad();
        var y = net.call(torch.rand(new long[] { 3, 2, 2, h, w }));
        Assert.Equal(new long[] { 3, 2, net.Classes }, y.shape);
    }

    [Fact]
    public void VggNcaltech101HasTheMethodsFeatureSizeAtItsNativeInput()
    {
        using var net = Architectures.Create("vgg-ncaltech101", Info("vgg-ncaltech101", 180, 240, t: 1, k: 101));
        var fc = ((SequentialSpikingNetwork)net).Layers.OfType<TimeDistributed>().Last().Inner as TorchSharp.Modules.Linear;
        Assert.Equal(3072, fc!.in_features);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void SingleStepEqualsMultiStepForANetwork(bool tebn)
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(2);
        using var net = Architectures.Create("tiny", Info("tiny", tebn: tebn, t: 6));
        // train a step so BN running statistics are not the defaults, then evaluate
        net.train();
        net.call(torch.rand(new long[] { 6, 4, 2, 32, 32 }) * 3).sum().backward();
        net.eval();
        using var _ = torch.no_grad();
        var x = torch.rand(new long[] { 6, 3, 2, 32, 32 }) * 3;
        var multi = net.call(x);
        net.ResetState();
        var single = torch.stack(Enumerable.Range(0, 6).Select(t => net.Step(x[t])));
        Assert.True(torch.allclose(multi, single, rtol: 1e-5, atol: 1e-5));
    }

    [Fact]
    public void SpikeDropoutIsSeededAndOff()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(2);
        using var net = Architectures.Create("tiny", Info("tiny"));
        net.eval();
        using var _ = torch.no_grad();
        var x = torch.rand(new long[] { 4, 2, 2, 32, 32 }) * 4;
        var plain = net.call(x);
        net.SpikeDropout = 0.3; net.SpikeDropoutSeed = 7;
        var a = net.call(x);
        net.SpikeDropoutSeed = 7;
        var b = net.call(x);
        net.SpikeDropout = 0;
        var c = net.call(x);
        Assert.True(Same(a, b));
        Assert.False(Same(a, plain));
        Assert.True(Same(c, plain));
    }

    [Fact]
    public void CheckpointRoundTripsWeightsInfoAndThresholds()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(4);
        var info = Info("tiny", t: 5) with { ClassNames = Enumerable.Range(0, 11).Select(i => $"c{i}").ToArray(), Dataset = "dvsgesture",
            Neuron = NeuronSettings.If(1.0), Kind = "converted", Frames = new FrameInfo { Downsample = 4 } };
        using var net = Architectures.Create(info);
        net.SpikingLayers[1].Threshold = 2.5;
        string dir = Fixtures.TempDir();
        string path = Path.Combine(dir, "m.ckpt");
        Checkpoint.Save(path, net, info, new Dictionary<string, string> { ["epoch"] = "3" });
        var (loaded, loadedInfo) = Checkpoint.Load(path);
        using (loaded)
        {
            Assert.Equal("converted", loadedInfo.Kind);
            Assert.Equal(info.ClassNames, loadedInfo.ClassNames);
            Assert.Equal(4, loadedInfo.Frames!.Downsample);
            Assert.Equal(2.5, loaded.SpikingLayers[1].Threshold);
            Assert.Equal(1.0, loaded.SpikingLayers[0].Threshold);
            Assert.Equal("3", Checkpoint.ReadMetadata(path)["epoch"]);
            net.eval();
            using var _ = torch.no_grad();
            var x = torch.rand(new long[] { 5, 2, 2, 32, 32 }) * 2;
            Assert.True(Same(net.call(x), loaded.call(x)));
        }
        Assert.Single(Directory.GetFiles(dir)); // no temporary left behind
        Directory.Delete(dir, true);
    }

    [Fact]
    public void DamagedCheckpointIsATypedError()
    {
        string dir = Fixtures.TempDir();
        string path = Path.Combine(dir, "bad.ckpt");
        File.WriteAllText(path, "not a zip");
        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path));
        Assert.Contains(path, e.Message);
        Directory.Delete(dir, true);
    }

    [Fact]
    public void UnknownArchitectureIsRejected()
    {
        var e = Assert.Throws<ArgumentException>(() => Architectures.Create("resnet-nope", Info("tiny")));
        Assert.Contains("vgg-gesture", e.Message);
    }
}
