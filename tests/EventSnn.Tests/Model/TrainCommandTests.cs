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
            SyntheticGestureDataset.Generate(dir, new SyntheticOptions { Trials = 5, WindowSeconds = 1.0, WriteArchive = false, Seed = 3 });
            string outDir = Path.Combine(dir, "run"), cache = Path.Combine(dir, "cache");
            string[] common = ["train", "--dataset", "dvsgesture", "--root", dir, "--arch", "tiny", "--T", "4", "--batch", "16",
                "--downsample", "4", "--out", outDir, "--cache", cache, "--rcs-alpha", "0.002", "--threads", "2"];
            var (code, stdout, stderr) = EventSnnProcess.Run([.. common, "--epochs", "2", "--json"]);
            Assert.True(code == 0, $"exit {code}: {stderr}");
            Assert.Contains("\"bestCheckpoint\"", stdout);
            Assert.Contains("epoch 1/2 train", stderr);
            Assert.True(File.Exists(Path.Combine(outDir, "best.ckpt")));
            Assert.Equal(2, Trainer.ReadLog(Path.Combine(outDir, "train-log.jsonl")).Count);

            var info = Checkpoint.ReadInfo(Path.Combine(outDir, "last.ckpt"));
            Assert.Equal(("tiny", 4, "dvsgesture", 11, 32, 32), (info.Arch, info.T, info.Dataset, info.ClassNames.Length, info.Height, info.Width));
            Assert.Equal(4, info.Frames!.Downsample);

            // a longer schedule in the same folder continues from epoch 2
            (code, stdout, stderr) = EventSnnProcess.Run([.. common, "--epochs", "3"]);
            Assert.True(code == 0, $"exit {code}: {stderr}");
            Assert.DoesNotContain("epoch 1/3", stderr);
            Assert.Contains("epoch 3/3 train", stderr);
            Assert.Equal([1, 2, 3], Trainer.ReadLog(Path.Combine(outDir, "train-log.jsonl")).Select(r => r.Epoch));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void BadInputIsAClearError()
    {
        string dir = Fixtures.TempDir();
        try
        {
            var (code, _, stderr) = EventSnnProcess.Run("train", "--dataset", "nope", "--root", dir, "--out", Path.Combine(dir, "o"));
            Assert.Equal(2, code);
            Assert.Contains("unknown dataset 'nope'", stderr);
            (code, _, stderr) = EventSnnProcess.Run("train", "--dataset", "dvsgesture", "--root", dir, "--out", Path.Combine(dir, "o"));
            Assert.Equal(2, code);
            Assert.Contains("eventsnn train:", stderr);
        }
        finally { Directory.Delete(dir, true); }
    }
}
