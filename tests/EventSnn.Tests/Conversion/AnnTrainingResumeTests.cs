using EventSnn.Datasets;
using EventSnn.Model;
using EventSnn.Model.Conversion;
using TorchSharp;

namespace EventSnn.Tests.Conversion;

/// <summary>ANN training for conversion runs through the shared training loop, so it resumes exactly like a spiking run.</summary>
[Collection(EventSnn.Tests.Model.TorchCollection.Name)]
public class AnnTrainingResumeTests
{
    static float[] Weights(torch.nn.Module m) => m.parameters().SelectMany(p => p.detach().cpu().data<float>().ToArray()).ToArray();

    static ActivationNetwork Ann()
    {
        torch.manual_seed(5);
        return FrameArchitectures.Create("tiny-vgg", new FrameNetworkShape(3, 32, 32, 4), _ => new QcfsActivation(8));
    }

    [Fact]
    public void AStoppedRunResumesToTheWeightsOfAnUninterruptedOne()
    {
        string dir = Fixtures.TempDir();
        try
        {
            string archive = ConversionTestData.WriteCifar10(dir, train: 64, test: 8);
            var train = new ImageFrameSource(CifarArchive.Read(archive, CifarVariant.Cifar10, DatasetSplit.Train),
                ImageNormalization.Cifar10, new ImageAugmentation());
            var options = new TrainOptions
            {
                Epochs = 4, BatchSize = 16, LearningRate = 0.05, Seed = 3, RcsAlpha = 0.003,
                Selection = CheckpointSelection.Last, ValidationFraction = 0,
            };

            float[] whole;
            using (var ann = Ann())
            using (var objective = new AnnObjective(ann, 0.003))
            {
                var r = new Trainer(objective, options with { OutDir = Path.Combine(dir, "whole") }).Fit(new StaticFrameBatches(train), null);
                Assert.Equal(4, r.Epochs.Count);
                whole = Weights(ann);
            }

            string resumed = Path.Combine(dir, "resumed");
            using (var ann = Ann())
            using (var objective = new AnnObjective(ann, 0.003))
            {
                var first = new Trainer(objective, options with { OutDir = resumed, MaxEpochsThisRun = 2 }).Fit(new StaticFrameBatches(train), null);
                Assert.Equal(2, first.Epochs.Count);
            }
            using (var ann = Ann())
            using (var objective = new AnnObjective(ann, 0.003))
            {
                var second = new Trainer(objective, options with { OutDir = resumed }).Fit(new StaticFrameBatches(train), null);
                Assert.Equal(2, second.ResumedFromEpoch);
                Assert.Equal(4, second.Epochs.Count);
                Assert.Equal(whole, Weights(ann));
            }

            // Another network does not resume from that state.
            torch.manual_seed(5);
            using var other = FrameArchitectures.Create("tiny-vgg", new FrameNetworkShape(3, 32, 32, 4), _ => new QcfsActivation(4));
            using var otherObjective = new AnnObjective(other, 0.003);
            var e = Assert.Throws<InvalidOperationException>(() => new Trainer(otherObjective, options with { OutDir = resumed, Epochs = 4 }).Fit(new StaticFrameBatches(train), null));
            Assert.Contains("trained with other settings", e.Message);
        }
        finally { Directory.Delete(dir, true); }
    }
}
