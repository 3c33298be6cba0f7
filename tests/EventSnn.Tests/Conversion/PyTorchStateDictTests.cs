using EventSnn.Model;
using EventSnn.Model.Conversion;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace EventSnn.Tests.Conversion;

/// <summary>State dicts move both ways between EventSnn and PyTorch with the method's parameter names.</summary>
public class PyTorchStateDictTests
{
    private static readonly FrameNetworkShape Cifar = new(3, 32, 32, 10);

    private static ActivationNetwork Make(string arch, int seed)
    {
        torch.manual_seed(seed);
        return FrameArchitectures.Create(arch, Cifar, _ => new QcfsActivation(8));
    }

    [Theory]
    [InlineData("tiny-vgg")]
    [InlineData("resnet20")]
    public void ExportThenImportGivesIdenticalOutputs(string arch)
    {
        using var scope = NewDisposeScope();
        string dir = Fixtures.TempDir();
        try
        {
            using var source = Make(arch, 1);
            // Move BN statistics and λ away from their initial values so the round trip has something to carry.
            source.train();
            using (torch.no_grad()) source.call(torch.randn(8, 3, 32, 32) * 2 + 1);
            using (torch.no_grad()) foreach (var a in source.Activations.Cast<AnnActivation>()) a.vthr.fill_(3.25);
            source.eval();
            string path = Path.Combine(dir, "model.pth");
            PyTorchStateDict.Export(source, path);

            using var target = Make(arch, 2);
            target.eval();
            var x = torch.randn(4, 3, 32, 32);
            using var _ = torch.no_grad();
            Assert.False(source.call(x).allclose(target.call(x)));
            PyTorchStateDict.Import(target, path);
            Assert.True(ConversionTestData.Same(source.call(x), target.call(x)));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void RenamedTensorFailsNamingIt()
    {
        using var scope = NewDisposeScope();
        string dir = Fixtures.TempDir();
        try
        {
            using var net = Make("tiny-vgg", 1);
            var state = net.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value);
            var w = state["layer2.0.weight"];
            state.Remove("layer2.0.weight");
            state["layer2.0.kernel"] = w;
            string path = Path.Combine(dir, "renamed.pth");
            using (var s = File.Create(path)) PyTorchPickler.PickleStateDict(s, state);

            using var target = Make("tiny-vgg", 2);
            var before = target.state_dict()["layer2.0.weight"].clone();
            var e = Assert.Throws<StateDictMismatchException>(() => PyTorchStateDict.Import(target, path));
            Assert.Equal(new[] { "layer2.0.weight" }, e.Missing);
            Assert.Equal(new[] { "layer2.0.kernel" }, e.Unexpected);
            Assert.Contains("layer2.0.weight", e.Message);
            Assert.Contains("layer2.0.kernel", e.Message);
            // Nothing was loaded.
            Assert.True(ConversionTestData.Same(before, target.state_dict()["layer2.0.weight"]));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void MisShapedTensorIsReportedWithBothShapes()
    {
        using var scope = NewDisposeScope();
        string dir = Fixtures.TempDir();
        try
        {
            using var wide = FrameArchitectures.Create("tiny-vgg", Cifar with { Classes = 100 }, _ => new QcfsActivation(8));
            string path = Path.Combine(dir, "wide.pth");
            PyTorchStateDict.Export(wide, path);
            using var net = Make("tiny-vgg", 1);
            var e = Assert.Throws<StateDictMismatchException>(() => PyTorchStateDict.Import(net, path));
            Assert.Contains(e.MisShaped, m => m.StartsWith("classifier.1.weight: file [100, 1024] vs network [10, 1024]"));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void ConversionWrapperAndDataParallelKeysAreRecognised()
    {
        using var scope = NewDisposeScope();
        string dir = Fixtures.TempDir();
        try
        {
            using var source = Make("tiny-vgg", 3);
            // nn.Sequential(PreLayer, layer1, layer2, classifier, PostLayer) saved from a DataParallel model.
            var children = source.named_children().Select(c => c.name).ToList();
            var wrapped = source.state_dict().ToDictionary(
                kv => $"module.{children.IndexOf(kv.Key[..kv.Key.IndexOf('.')]) + 1}{kv.Key[kv.Key.IndexOf('.')..]}", kv => kv.Value);
            Assert.Contains("module.1.0.weight", wrapped.Keys);
            string path = Path.Combine(dir, "wrapped.pth");
            using (var s = File.Create(path)) PyTorchPickler.PickleStateDict(s, wrapped);
            using var target = Make("tiny-vgg", 4);
            PyTorchStateDict.Import(target, path);
            Assert.True(ConversionTestData.Same(source.state_dict()["layer1.0.weight"], target.state_dict()["layer1.0.weight"]));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void ParameterNamesMirrorTheMethodsModels()
    {
        using var scope = NewDisposeScope();
        using var vgg = Make("vgg16", 1);
        var names = vgg.state_dict().Keys.ToHashSet();
        foreach (var n in new[] { "layer1.0.weight", "layer1.0.bias", "layer1.1.running_var", "layer1.2.vthr", "layer1.4.weight",
                                  "layer3.8.weight", "layer5.8.weight", "classifier.1.weight", "classifier.2.vthr",
                                  "classifier.4.weight", "classifier.5.vthr", "classifier.7.bias" })
            Assert.Contains(n, names);
        Assert.Equal(15, vgg.Activations.Count);
        Assert.Equal(512, ((TorchSharp.Modules.Linear)vgg.named_modules().First(m => m.name == "classifier.1").module).in_features);

        using var r18 = Make("resnet18", 1);
        var r = r18.state_dict().Keys.ToHashSet();
        foreach (var n in new[] { "conv1.0.weight", "conv1.1.weight", "conv1.2.vthr", "conv2_x.0.residual_function.0.weight",
                                  "conv2_x.0.residual_function.2.vthr", "conv2_x.0.relu.vthr", "conv3_x.0.shortcut.0.weight",
                                  "conv3_x.0.shortcut.1.running_mean", "conv5_x.1.residual_function.4.bias", "fc.weight" })
            Assert.Contains(n, r);
        Assert.DoesNotContain("conv2_x.0.shortcut.0.weight", r);
        Assert.DoesNotContain("conv1.0.bias", r);
        Assert.Equal(17, r18.Activations.Count);
        using var _ = torch.no_grad();
        r18.eval();
        Assert.Equal(new long[] { 2, 10 }, r18.call(torch.randn(2, 3, 32, 32)).shape);
        vgg.eval();
        Assert.Equal(new long[] { 2, 10 }, vgg.call(torch.randn(2, 3, 32, 32)).shape);
    }
}
