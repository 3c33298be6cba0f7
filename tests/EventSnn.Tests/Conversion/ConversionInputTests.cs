using EventSnn.Datasets;
using EventSnn.Model;
using EventSnn.Model.Conversion;
using TorchSharp;
using static TorchSharp.torch;

namespace EventSnn.Tests.Conversion;

/// <summary>The input modes of converted networks, their checkpoint record, and the repeated frame sets eval feeds them.</summary>
public class ConversionInputTests
{
    [Fact]
    public void RepeatModeFeedsTheFrameAndCausalModeItsScaledRunningMean()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(3);
        var shape = new FrameNetworkShape(2, 8, 8, 3);
        using var ann = FrameArchitectures.Create("tiny-vgg", shape, _ => new QcfsActivation(8, initialThreshold: 1.0));
        ann.eval();
        using var repeat = AnnToSnnConverter.Convert(ann);
        using var causal = AnnToSnnConverter.Convert(ann, ConversionInputMode.Causal, inputScale: 4.0);
        Assert.Equal(ConversionInputMode.Repeat, repeat.InputMode);
        Assert.Equal(1.0, repeat.InputScale);
        var slices = torch.rand(new long[] { 4, 2, 2, 8, 8 });
        var collapsed = slices.sum(dim: 0);
        using var _g = torch.no_grad();
        // Repeat: the collapsed frame at every step. Causal: the slices, which the network turns into 4 × their running mean;
        // at step 4 that is the collapsed frame, but earlier steps saw other inputs, so only the repeat run is fed it throughout.
        var byRepeat = repeat.call(collapsed.unsqueeze(0).repeat(4, 1, 1, 1, 1));
        var meanInputs = torch.stack(Enumerable.Range(1, 4).Select(t => slices.narrow(0, 0, t).sum(dim: 0).mul(4.0 / t)).ToArray());
        var byCausal = causal.call(slices);
        var byRepeatOfMeans = repeat.call(meanInputs);
        Assert.True(byCausal.allclose(byRepeatOfMeans, rtol: 1e-4, atol: 1e-5), "causal mode must equal repeat mode fed T × the running mean");
        Assert.False(byCausal.allclose(byRepeat), "the two modes should differ on uneven slices");
        Assert.Throws<ArgumentOutOfRangeException>(() => AnnToSnnConverter.Convert(ann, ConversionInputMode.Repeat, inputScale: 4.0));
    }

    [Fact]
    public void CheckpointRecordsTheInputAndValidatesIt()
    {
        var ok = new ConversionInput { Source = ConversionInput.Images, Mean = [0.5f, 0.5f, 0.5f], Std = [0.25f, 0.25f, 0.25f] };
        ok.Validate(3);
        Assert.Throws<ArgumentException>(() => ok.Validate(2));
        Assert.Throws<ArgumentException>(() => (ok with { Mode = ConversionInput.Causal, Scale = 8 }).Validate(3));
        Assert.Throws<ArgumentException>(() => new ConversionInput { Mode = (EventSnn.Model.Conversion.ConversionInputMode)7 }.Validate(2));
        Assert.Throws<ArgumentException>(() => new ConversionInput { Scale = 8 }.Validate(2));
        Assert.Throws<ArgumentException>(() => new ModelInfo { Input = new ConversionInput() }.Validate());
        new ModelInfo { Kind = "converted", Input = new ConversionInput { Mode = ConversionInput.Causal, Scale = 16 } }.Validate();
    }

    [Fact]
    public void RepeatedFrameSetHoldsTheNormalisedImageAtEveryStep()
    {
        var images = ConversionTestData.Images(3, 3, seed: 5);
        var normalization = ImageNormalization.Cifar10;
        using var set = FrameSet.Repeated(new ImageFrameSource(images, normalization), 4);
        Assert.Equal(3, set.Channels);
        Assert.Equal(4 * 3 * 32 * 32, set.SampleSize);
        Assert.Equal(images.Labels, set.Labels);
        var expected = new float[3 * 32 * 32];
        normalization.Apply(images.Image(2), expected, 3);
        var sample = set.GetSample(2);
        for (int t = 0; t < 4; t++) Assert.Equal(expected, sample.AsSpan(t * expected.Length, expected.Length).ToArray());
    }

    [Fact]
    public void ThresholdStartsAtThePercentileOfTheFirstBatchOnce()
    {
        using var scope = NewDisposeScope();
        using var qcfs = new QcfsActivation(8) { InitialiseThresholdAtPercentile = 50 };
        // ReLU of the batch: 0, 0, 1, 2, 3, 4 → the 50th percentile (3rd of 6) is 1; the max (100th) would be 4.
        var z = torch.tensor(new float[] { -2, -1, 1, 2, 3, 4 }).reshape(2, 3);
        using (torch.no_grad()) qcfs.forward(z);
        Assert.Equal(1.0, qcfs.Threshold, 6);
        Assert.Null(qcfs.InitialiseThresholdAtPercentile);
        using (torch.no_grad()) qcfs.forward(z.mul(10.0));
        Assert.Equal(1.0, qcfs.Threshold, 6);   // only the first pass sets it
    }
}
