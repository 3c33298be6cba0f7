using EventSnn.Model;
using EventSnn.Tests.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace EventSnn.Tests.Portable;

/// <summary>
/// A "tiny" network trained for two epochs on the four-quadrant set, and its test input: what the portable-model
/// tests compare a round trip on when the sums are not exact.
/// </summary>
internal sealed class TrainedTiny : IDisposable
{
    public const int T = 4, Classes = 4;

    public SpikingNetwork Net { get; }
    public ModelInfo Info { get; }

    /// <summary>The test samples as <c>x [T, N, 2, 16, 16]</c>.</summary>
    public Tensor X { get; }

    /// <summary>Test samples N.</summary>
    public int Samples { get; }

    /// <summary>Trains into <paramref name="dir"/> (best checkpoint loaded back) and stacks the test set.</summary>
    public TrainedTiny(string dir)
    {
        using var train = TrainingTests.QuadrantSet(24, 1);
        using var test = TrainingTests.QuadrantSet(12, 2);
        var info = new ModelInfo { Arch = "tiny", T = T, Classes = Classes, Height = 16, Width = 16 };
        var fit = new Trainer(info, new TrainOptions { Epochs = 2, BatchSize = 16, OutDir = dir, Seed = 3 }).Fit(train, null);
        (Net, Info) = Checkpoint.Load(fit.BestCheckpoint);
        Samples = test.Count;
        using (NewDisposeScope())
            X = torch.tensor(Enumerable.Range(0, test.Count).SelectMany(test.GetSample).ToArray(), [test.Count, T, 2, 16, 16]).transpose(0, 1).contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>Samples whose class (arg-max of the summed outputs) differs between two runs' outputs <c>[T, N, K]</c>, flattened.</summary>
    public int DifferingDecisions(float[] a, float[] b)
    {
        int n = Samples, decisions = 0;
        for (int i = 0; i < n; i++)
        {
            int Decide(float[] o) => Enumerable.Range(0, Classes).MaxBy(k => Enumerable.Range(0, T).Sum(t => o[(t * n + i) * Classes + k]));
            if (Decide(a) != Decide(b)) decisions++;
        }
        return decisions;
    }

    public void Dispose()
    {
        X.Dispose();
        Net.Dispose();
    }
}
