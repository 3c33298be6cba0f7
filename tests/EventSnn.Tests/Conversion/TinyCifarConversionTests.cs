using EventSnn.Datasets;
using EventSnn.Model;
using EventSnn.Model.Conversion;
using TorchSharp;
using Xunit.Abstractions;

namespace EventSnn.Tests.Conversion;

/// <summary>A tiny QCFS ANN trained on a small CIFAR-format archive converts and keeps its accuracy.</summary>
/// <remarks>It seeds TorchSharp's process-wide generator, so it runs apart from other tests that draw from it.</remarks>
[Collection(EventSnn.Tests.Model.TorchCollection.Name)]
public class TinyCifarConversionTests
{
    private readonly ITestOutputHelper _output;

    public TinyCifarConversionTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public void TrainedAnnConvertsKeepingAccuracy()
    {
        string dir = Fixtures.TempDir();
        try
        {
            string archive = ConversionTestData.WriteCifar10(dir, train: 320, test: 160);
            var train = new ImageFrameSource(CifarArchive.Read(archive, CifarVariant.Cifar10, DatasetSplit.Train),
                ImageNormalization.Cifar10, new ImageAugmentation());
            var test = new ImageFrameSource(CifarArchive.Read(archive, CifarVariant.Cifar10, DatasetSplit.Test), ImageNormalization.Cifar10);

            torch.manual_seed(7);
            using var ann = FrameArchitectures.Create("tiny-vgg", new FrameNetworkShape(3, 32, 32, 10), _ => new QcfsActivation(8));
            using var objective = new AnnObjective(ann, rcsAlpha: 0.003);
            var history = new Trainer(objective, new TrainOptions
            {
                Epochs = 4, BatchSize = 32, LearningRate = 0.01, Optimizer = OptimizerKind.Adam, WeightDecay = 0, RcsAlpha = 0.003, Seed = 3,
                Selection = CheckpointSelection.Last, ValidationFraction = 0, OutDir = Path.Combine(dir, "ann"),
            }).Fit(new StaticFrameBatches(train), null).Epochs;
            Assert.All(history, h => Assert.True(h.RcsLoss > 0, "RCS term was not computed"));
            Assert.True(history[^1].TaskLoss < history[0].TaskLoss, "training did not reduce the loss");

            using var snn = AnnToSnnConverter.Convert(ann);
            var report = ConversionEvaluation.Run(ann, snn, test, timesteps: 32);
            _output.WriteLine($"ANN {report.AnnAccuracy:P1}; SNN T=4 {report.SnnAccuracy[3]:P1}, T=8 {report.SnnAccuracy[7]:P1}, T=16 {report.SnnAccuracy[15]:P1}, T=32 {report.SnnAccuracy[31]:P1}");
            _output.WriteLine($"relative error T=1 {report.RelativeError[0]:F3}, T=4 {report.RelativeError[3]:F3}, T=16 {report.RelativeError[15]:F3}, T=32 {report.RelativeError[31]:F3}");
            Assert.True(report.AnnAccuracy >= 0.8, $"ANN accuracy {report.AnnAccuracy:P1}");
            Assert.True(report.SnnAccuracy[15] >= report.AnnAccuracy - 0.05,
                $"SNN accuracy at T=16 {report.SnnAccuracy[15]:P1} vs ANN {report.AnnAccuracy:P1}");
            Assert.True(report.RelativeError[31] < report.RelativeError[3], "conversion error does not fall with T");
        }
        finally { Directory.Delete(dir, true); }
    }
}
