using EventSnn.Datasets;
using EventSnn.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace EventSnn.Tests.Model;

/// <summary>Losses, the trainer and state handling.</summary>
[Collection(TorchCollection.Name)]
public class TrainingTests
{
    [Fact]
    public void TetAndMeanLossesMatchTheirDefinitions()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(9);
        var o = torch.randn(3, 4, 5, dtype: ScalarType.Float64);
        var y = torch.tensor(new long[] { 0, 4, 2, 1 });
        double ce = 0;
        for (int t = 0; t < 3; t++) ce += nn.functional.cross_entropy(o[t], y).item<double>();
        double mse = (o - 1).square().mean().item<double>();
        Assert.Equal(0.999 * ce / 3 + 0.001 * mse, Losses.Tet(o, y).item<double>(), 10);
        Assert.Equal(nn.functional.cross_entropy(o.mean(new long[] { 0 }), y).item<double>(), Losses.MeanOutput(o, y).item<double>(), 10);
    }

    [Fact]
    public void ThousandSingleStepsLeaveNoLiveTensorsBehind()
    {
        torch.manual_seed(1);
        using var net = Architectures.Create("tiny", new ModelInfo { Arch = "tiny", T = 4, Classes = 4, Height = 16, Width = 16 });
        net.eval();
        using var x = torch.rand(new long[] { 2, 2, 16, 16 }) * 3;
        using (torch.no_grad())
        {
            for (int i = 0; i < 10; i++) net.Step(x).Dispose();
            long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
            for (int i = 0; i < 1000; i++)
            {
                if (i % 100 == 0) net.ResetState();
                net.Step(x).Dispose();
            }
            long after = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
            Assert.True(after <= before, $"live tensors grew from {before} to {after}");
        }
    }

    /// <summary>Four classes: events in one quadrant, growing over time, plus noise.</summary>
    internal static FrameSet QuadrantSet(int perClass, int seed, int t = 4, int size = 16)
    {
        var rng = new Random(seed);
        int sample = t * 2 * size * size, count = perClass * 4, half = size / 2;
        var data = new float[count * sample];
        var labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            int c = i % 4; labels[i] = c;
            var s = data.AsSpan(i * sample, sample);
            for (int k = 0; k < s.Length; k++) if (rng.NextDouble() < 0.03) s[k] = 1;
            int oy = c / 2 * half, ox = c % 2 * half;
            for (int step = 0; step < t; step++)
                for (int e = 0; e < 12 + 4 * step; e++)
                {
                    int y = oy + rng.Next(half), x = ox + rng.Next(half), p = rng.Next(2);
                    s[((step * 2 + p) * size + y) * size + x] += 1;
                }
        }
        return new FrameSet(data, labels, t, size, size, ["tl", "tr", "bl", "br"]);
    }

    [Fact]
    public void TinyNetworkLearnsASmallSyntheticSetWithRcsAndResumes()
    {
        string dir = Fixtures.TempDir();
        try
        {
            using var train = QuadrantSet(24, 1);
            using var test = QuadrantSet(10, 2);
            var info = new ModelInfo { Arch = "tiny", T = 4, Classes = 4, Height = 16, Width = 16, ClassNames = ["tl", "tr", "bl", "br"] };
            var opts = new TrainOptions { Epochs = 4, BatchSize = 16, RcsAlpha = 0.002, OutDir = dir, Seed = 3, ValidationFraction = 0.2, MaxEpochsThisRun = 2 };
            var first = new Trainer(info, opts).Fit(train, test);
            Assert.Equal(2, first.Epochs.Count);
            var resumed = new Trainer(info, opts with { MaxEpochsThisRun = null }).Fit(train, test);
            Assert.Equal(2, resumed.ResumedFromEpoch);
            Assert.Equal(4, resumed.Epochs.Count);
            Assert.Equal(4, Trainer.ReadLog(resumed.LogPath).Count);
            Assert.True(resumed.Epochs[^1].TestAccuracy > 0.6, $"test accuracy {resumed.Epochs[^1].TestAccuracy} (chance 0.25)");
            Assert.True(resumed.Epochs.All(e => e.RcsLoss > 0));

            var (net, loadedInfo) = Checkpoint.Load(resumed.BestCheckpoint);
            using (net)
            {
                Assert.Equal("tiny", loadedInfo.Arch);
                Assert.StartsWith("best-by-validation", Checkpoint.ReadMetadata(resumed.BestCheckpoint)["selection"]);
                double acc = Trainer.Accuracy(net, test, Enumerable.Range(0, test.Count).ToArray(), torch.CPU);
                Assert.True(acc > 0.5, $"reloaded best checkpoint accuracy {acc}");
            }
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void TrainingIsDeterministicOnCpuForAFixedSeed()
    {
        using var train = QuadrantSet(8, 1);
        var info = new ModelInfo { Arch = "tiny", T = 4, Classes = 4, Height = 16, Width = 16 };
        double[] Run()
        {
            string dir = Fixtures.TempDir();
            try
            {
                var r = new Trainer(info, new TrainOptions { Epochs = 1, BatchSize = 8, OutDir = dir, Seed = 11, RcsAlpha = 0.002,
                    Augmentation = new RandomTranslation(2) }).Fit(train, null);
                return [r.Epochs[0].Loss, r.Epochs[0].ValidationAccuracy ?? -1];
            }
            finally { Directory.Delete(dir, true); }
        }
        Assert.Equal(Run(), Run());
    }

    [Fact]
    public void SpikeDropoutWhileTrainingIsSeededRecordedAndOffAfterwards()
    {
        using var train = QuadrantSet(8, 1);
        var info = new ModelInfo { Arch = "tiny", T = 4, Classes = 4, Height = 16, Width = 16 };
        (double Loss, float[] Weights, string Dropout) Run(double dropout)
        {
            string dir = Fixtures.TempDir();
            try
            {
                var r = new Trainer(info, new TrainOptions { Epochs = 1, BatchSize = 8, OutDir = dir, Seed = 11, Dropout = dropout }).Fit(train, null);
                var (net, _) = Checkpoint.Load(r.LastCheckpoint);
                using (net)
                {
                    Assert.Equal(0, net.SpikeDropout);
                    var w = net.parameters().Select(p => p.detach().flatten().data<float>().ToArray()).SelectMany(a => a).ToArray();
                    return (r.Epochs[0].Loss, w, Checkpoint.ReadMetadata(r.LastCheckpoint)["dropout"]);
                }
            }
            finally { Directory.Delete(dir, true); }
        }
        var plain = Run(0);
        var dropped = Run(0.3);
        var again = Run(0.3);
        Assert.Equal("0", plain.Dropout);
        Assert.Equal("0.3", dropped.Dropout);
        Assert.NotEqual(plain.Weights, dropped.Weights);
        Assert.NotEqual(plain.Loss, dropped.Loss);
        Assert.Equal(dropped.Weights, again.Weights);
        Assert.Throws<ArgumentException>(() => new TrainOptions { Dropout = 1 }.Validate());
    }
}
