using TorchSharp;
using static TorchSharp.torch;

namespace EventSnn.Tests.Foundation;

/// <summary>TorchSharp's native libraries load in the test output folder and compute on CPU.</summary>
public class TorchSharpLoadsTests
{
    [Fact]
    public void Conv2dForwardAndBackwardRunOnCpu()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(1);
        var conv = nn.Conv2d(2, 4, 3, padding: 1);
        var x = torch.randn(3, 2, 8, 8, requires_grad: true);
        var y = conv.forward(x);
        Assert.Equal(new long[] { 3, 4, 8, 8 }, y.shape);

        var loss = y.pow(2).mean();
        loss.backward();

        var wGrad = conv.weight!.grad;
        Assert.NotNull(wGrad);
        Assert.Equal(new long[] { 4, 2, 3, 3 }, wGrad!.shape);
        Assert.True(wGrad.abs().sum().item<float>() > 0f);

        // The gradient of mean(y^2) w.r.t. the bias is mean over (N,H,W) of 2*y per channel / C-normalised count.
        var expectedBiasGrad = (2 * y / y.numel()).sum(new long[] { 0, 2, 3 });
        Assert.True(torch.allclose(conv.bias!.grad!, expectedBiasGrad, rtol: 1e-4, atol: 1e-6));
        Assert.NotNull(x.grad);
    }
}
