using EventSnn.Model;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace EventSnn.Tests.Model;

/// <summary><see cref="StableSgd"/> against TorchSharp's own <c>SGD.step()</c>: same parameters, momentum buffers and saved state, bit for bit.</summary>
[Collection(TorchCollection.Name)]
public class StableSgdTests
{
    private static byte[] Bytes(Tensor t) => t.detach().contiguous().bytes.ToArray();

    private static byte[] SavedState(SGD optimizer)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
            optimizer.save_state_dict(writer);
        return stream.ToArray();
    }

    [Theory]
    [InlineData(0.9, 0.0, 5e-4, false, false)]   // the trainer's settings
    [InlineData(0.9, 0.0, 0.0, false, false)]
    [InlineData(0.0, 0.0, 1e-3, false, false)]
    [InlineData(0.8, 0.3, 1e-4, false, true)]
    [InlineData(0.9, 0.0, 1e-4, true, false)]
    public void StepsMatchTorchSharpsSgd(double momentum, double dampening, double weightDecay, bool nesterov, bool maximize)
    {
        torch.manual_seed(21);
        using var reference = nn.Linear(6, 4);
        using var tested = nn.Linear(6, 4);
        tested.load_state_dict(reference.state_dict());
        var referenceParams = reference.parameters().ToList();
        var testedParams = tested.parameters().ToList();
        using var referenceSgd = torch.optim.SGD(referenceParams, 0.1, momentum, dampening, weightDecay, nesterov, maximize);
        using var testedSgd = torch.optim.SGD(testedParams, 0.1, momentum, dampening, weightDecay, nesterov, maximize);
        for (int step = 0; step < 5; step++)
        {
            using var scope = torch.NewDisposeScope();
            double lr = 0.1 / (step + 1);
            foreach (var g in referenceSgd.ParamGroups) g.LearningRate = lr;
            foreach (var g in testedSgd.ParamGroups) g.LearningRate = lr;
            var x = torch.randn(8, 6);
            referenceSgd.zero_grad();
            testedSgd.zero_grad();
            reference.call(x).square().sum().backward();
            tested.call(x).square().sum().backward();
            if (step == 2)
            {
                // a parameter without a gradient is skipped by both
                referenceParams[1].grad = null;
                testedParams[1].grad = null;
            }
            referenceSgd.step();
            StableSgd.Step(testedSgd);
            for (int i = 0; i < referenceParams.Count; i++)
                Assert.True(Bytes(referenceParams[i]).SequenceEqual(Bytes(testedParams[i])), $"step {step}: parameter {i} differs");
            Assert.True(SavedState(referenceSgd).SequenceEqual(SavedState(testedSgd)), $"step {step}: saved optimizer state differs");
        }
    }

    [Fact]
    public void StateSavedByOneLoadsIntoTheOther()
    {
        torch.manual_seed(22);
        using var a = nn.Linear(3, 2);
        using var b = nn.Linear(3, 2);
        b.load_state_dict(a.state_dict());
        using var sgdA = torch.optim.SGD(a.parameters(), 0.05, momentum: 0.9, weight_decay: 1e-4);
        using var sgdB = torch.optim.SGD(b.parameters(), 0.05, momentum: 0.9, weight_decay: 1e-4);
        string path = Path.Combine(Path.GetTempPath(), $"eventsnn-sgd-{Guid.NewGuid():N}.optim");
        try
        {
            using (var scope = torch.NewDisposeScope())
            {
                var x = torch.randn(4, 3);
                a.call(x).sum().backward();
                b.call(x).sum().backward();
            }
            StableSgd.Step(sgdA);
            sgdB.step();
            sgdA.save_state_dict(path);
            using var c = nn.Linear(3, 2);
            c.load_state_dict(a.state_dict());
            using var sgdC = torch.optim.SGD(c.parameters(), 0.05, momentum: 0.9, weight_decay: 1e-4);
            sgdC.load_state_dict(path);
            Assert.True(SavedState(sgdB).SequenceEqual(SavedState(sgdC)));
        }
        finally { File.Delete(path); }
    }
}
