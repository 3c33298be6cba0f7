using EventSnn.Model;

namespace EventSnn.Tests.Model;

/// <summary>One registry in the Model library knows every architecture the project trains, demos and converts.</summary>
[Collection(TorchCollection.Name)]
public class ArchitectureRegistryTests
{
    [Fact]
    public void EveryProjectArchitectureIsKnownWithoutRegistration()
    {
        foreach (string name in new[] { "vgg-gesture", "tiny", Architectures.GestureSmall, "vgg16", "resnet20", "tiny-vgg" })
            Assert.Contains(name, Architectures.Names);
        var info = new ModelInfo { Arch = Architectures.GestureSmall, T = 4, Classes = 11, Height = 32, Width = 32 };
        using var net = Architectures.Create(info);
        // Three convolutional spiking layers and the spiking hidden layer; per-step logits for 11 classes.
        Assert.Equal(4, net.SpikingLayers.Count);
        using var y = net.forward(TorchSharp.torch.ones(new long[] { 4, 2, 2, 32, 32 }));
        Assert.Equal(new long[] { 4, 2, 11 }, y.shape);
        var ex = Assert.Throws<ArgumentException>(() => Architectures.Register(Architectures.GestureSmall, i => Architectures.Create("tiny", i)));
        Assert.Contains("built-in", ex.Message);
        Assert.Contains("gesture-small", Assert.Throws<ArgumentException>(() => Architectures.Create("bogus", info)).Message);
    }
}
