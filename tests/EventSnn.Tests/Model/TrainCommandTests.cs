using EventSnn.Datasets;
using EventSnn.Datasets.Synthetic;
using EventSnn.Model;

namespace EventSnn.Tests.Model;

/// <summary>`eventsnn train` through the real program.</summary>
[Collection(TorchCollection.Name)]
public class TrainCommandTests
{
    [Fact]
    public void TrainsOnTheSyntheticGestureSetWritesCheckpointsAndResumes()
    {
        string dir = Fixtures.TempDir();
        try
        {
            SyntheticGestureDataset.Generate(dir, new SyntheticOptions { Trials = 10, WindowSeconds = 1.0, WriteArchive = false, Seed = 3 });
            string outDir = Path.Combine(dir, "run"), cache = Path.Combine(dir, "cache");
            string[] common = ["train", "--dataset", "dvsgesture", "--data", dir, "--arch", "tiny", "--T", "4", "--batch", "8",
                "--downsample", "4", "--out", outDir, "--cache", cache, "--rcs-alpha", "0.002", "--threads", "2"];
            var (code, stdout, stderr) = EventSnnProcess.Run([.. common, "--epochs", "4", "--json"]);
            Assert.True(code == 0, $"exit {code}: {stderr}");
            Assert.Contains("\"best_checkpoint\"", stdout);
            // one plain line per epoch (stderr is not a terminal) with loss, accuracies, time, learning rate and ETA
            var epochLines = stderr.Split('\n').Where(l => l.StartsWith("epoch ")).ToArray();
            Assert.Equal(4, epochLines.Length);
            Assert.Matches(@"^epoch 1/4  loss [0-9.]+  train [0-9.]+%  val [0-9.]+%  test [0-9.]+%  [0-9.]+ s  lr 0\.[0-9]+  eta [0-9.]+ (s|min|h)$", epochLines[0].TrimEnd('\r'));
            Assert.True(File.Exists(Path.Combine(outDir, "best.ckpt")));
            Assert.Equal(4, Trainer.ReadLog(Path.Combine(outDir, "train-log.jsonl")).Count);

            var info = Checkpoint.ReadInfo(Path.Combine(outDir, "last.ckpt"));
            Assert.Equal(("tiny", 4, "dvsgesture", 11, 32, 32), (info.Arch, info.T, info.Dataset, info.ClassNames.Length, info.Height, info.Width));
            Assert.Equal(4, info.Frames!.Downsample);

            // a longer schedule in the same folder continues from epoch 4
            (code, stdout, stderr) = EventSnnProcess.Run([.. common, "--epochs", "8"]);
            Assert.True(code == 0, $"exit {code}: {stderr}");
            Assert.DoesNotContain("epoch 1/8", stderr);
            Assert.Contains("resuming from", stderr);
            Assert.Contains("after epoch 4 of 8", stderr);
            Assert.Contains("epoch 8/8  loss", stderr);
            var log = Trainer.ReadLog(Path.Combine(outDir, "train-log.jsonl"));
            Assert.Equal(Enumerable.Range(1, 8), log.Select(r => r.Epoch));
            // 11 classes: chance is 9 %; the tiny network must be clearly above it on the held-out test users
            double best = log.Max(r => r.TestAccuracy ?? 0);
            Assert.True(best >= 0.25, $"best test accuracy {best:P1} over 8 epochs");
            Assert.Equal("0", Checkpoint.ReadMetadata(Path.Combine(outDir, "last.ckpt"))["dropout"]);

            // spike dropout while training is passed through and recorded
            string dropDir = Path.Combine(dir, "dropout");
            (code, _, stderr) = EventSnnProcess.Run([.. common.Select(a => a == outDir ? dropDir : a), "--epochs", "1", "--dropout", "0.2"]);
            Assert.True(code == 0, $"exit {code}: {stderr}");
            Assert.Equal("0.2", Checkpoint.ReadMetadata(Path.Combine(dropDir, "last.ckpt"))["dropout"]);
            (code, _, stderr) = EventSnnProcess.Run([.. common.Select(a => a == outDir ? dropDir : a), "--epochs", "1", "--dropout", "1"]);
            Assert.Equal(2, code);
            Assert.Contains("dropout must be in [0, 1)", stderr);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void BadInputIsAClearError()
    {
        string dir = Fixtures.TempDir();
        try
        {
            var (code, _, stderr) = EventSnnProcess.Run("train", "--dataset", "nope", "--data", dir, "--out", Path.Combine(dir, "o"));
            Assert.Equal(2, code);
            Assert.Contains("unknown dataset 'nope'", stderr);
            (code, _, stderr) = EventSnnProcess.Run("train", "--dataset", "dvsgesture", "--data", dir, "--out", Path.Combine(dir, "o"));
            Assert.Equal(2, code);
            Assert.StartsWith("error: ", stderr);
        }
        finally { Directory.Delete(dir, true); }
    }
}
