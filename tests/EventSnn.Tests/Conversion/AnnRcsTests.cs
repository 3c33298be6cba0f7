using EventSnn.Model.Conversion;
using TorchSharp;
using static TorchSharp.torch;

namespace EventSnn.Tests.Conversion;

/// <summary>The ANN form of RCS (METHOD.md §3.3) on hand-built tensors.</summary>
public class AnnRcsTests
{
    [Fact]
    public void LayerRatioIsBatchMaxOverSampleRms()
    {
        using var z = torch.tensor(new float[] { 1, -2, 3, 0, 0, 2 }, new long[] { 2, 3 });
        using var q = AnnRcs.LayerRatio(z);
        // A = [[1,0,3],[0,0,2]], max 3; RMS = sqrt(10/3 + 1e-5), sqrt(4/3 + 1e-5).
        var v = q.data<float>().ToArray();
        Assert.Equal(3 / Math.Sqrt(10.0 / 3 + 1e-5), v[0], 5);
        Assert.Equal(3 / Math.Sqrt(4.0 / 3 + 1e-5), v[1], 5);
    }

    [Fact]
    public void LossIsMeanOverLayersOfMaskedMaxOverBatch()
    {
        using var z1 = torch.tensor(new float[] { 1, -2, 3, 0, 0, 2 }, new long[] { 2, 3 });
        using var z2 = torch.tensor(new float[] { 2, 4 }, new long[] { 2, 1, 1, 1 });  // conv-shaped, D = 1
        var ratios = new[] { AnnRcs.LayerRatio(z1), AnnRcs.LayerRatio(z2) };
        double q10 = 3 / Math.Sqrt(10.0 / 3 + 1e-5), q11 = 3 / Math.Sqrt(4.0 / 3 + 1e-5);
        double q20 = 4 / Math.Sqrt(4 + 1e-5), q21 = 4 / Math.Sqrt(16 + 1e-5);

        using var onlyFirst = torch.tensor(new float[] { 1, 0 });
        using var l1 = AnnRcs.Loss(ratios, onlyFirst);
        Assert.Equal((q10 + q20) / 2, l1.item<float>(), 4);

        using var both = torch.tensor(new float[] { 1, 1 });
        using var l2 = AnnRcs.Loss(ratios, both);
        Assert.Equal((Math.Max(q10, q11) + Math.Max(q20, q21)) / 2, l2.item<float>(), 4);

        using var none = torch.tensor(new float[] { 0, 0 });
        using var l3 = AnnRcs.Loss(ratios, none);
        Assert.Equal(0f, l3.item<float>());
        foreach (var r in ratios) r.Dispose();
    }

    [Fact]
    public void GradientReachesTheArgMaxElementAndTheSelectedSample()
    {
        using var z = torch.tensor(new float[] { 1, -2, 3, 0, 0.5f, 2 }, new long[] { 2, 3 }, requires_grad: true);
        using var q = AnnRcs.LayerRatio(z);
        using var mask = torch.tensor(new float[] { 0, 1 });
        using var loss = AnnRcs.Loss(new[] { q }, mask);
        loss.backward();
        var g = z.grad!.data<float>().ToArray();
        // Sample 0 is masked out, so only the numerator (the batch max, element [0,2]) connects it to the loss.
        double rms1 = Math.Sqrt((0 + 0.25 + 4) / 3.0 + 1e-5);
        Assert.Equal(1 / rms1, g[2], 4);
        Assert.Equal(0f, g[0]);
        Assert.Equal(0f, g[1]);            // negative pre-activation: ReLU blocks it
        Assert.True(g[4] < 0 && g[5] < 0); // raising sample 1's RMS lowers its ratio
    }

    [Fact]
    public void MaskMarksCorrectPredictions()
    {
        using var logits = torch.tensor(new float[] { 2, 1, 0, 3, 5, 4 }, new long[] { 3, 2 });
        using var labels = torch.tensor(new long[] { 0, 0, 1 });
        using var mask = AnnRcs.CorrectMask(logits, labels);
        Assert.Equal(new[] { 1f, 0f, 0f }, mask.data<float>().ToArray());
    }

    [Fact]
    public void ActivationsRecordTheirRatioWhenARecorderIsAttached()
    {
        using var qcfs = new QcfsActivation();
        var recorder = new AnnRcsRecorder();
        qcfs.Recorder = recorder;
        using var z = torch.tensor(new float[] { 1, -2, 3, 0, 0, 2 }, new long[] { 2, 3 });
        using (qcfs.call(z)) { }
        Assert.Single(recorder.Ratios);
        Assert.Equal(3 / Math.Sqrt(10.0 / 3 + 1e-5), recorder.Ratios[0].data<float>()[0], 5);
        recorder.Ratios[0].Dispose();
        recorder.Clear();
        qcfs.Recorder = null;
        using (qcfs.call(z)) { }
        Assert.Empty(recorder.Ratios);
    }
}
