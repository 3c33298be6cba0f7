using EventSnn.Datasets;
using EventSnn.Ingest.Binning;

namespace EventSnn.Tests.Datasets;

/// <summary>
/// Model-free checks that the synthetic data carries class information (a nearest-centroid classifier on frame
/// counts beats chance by far) and rewards waiting (from the first timestep alone, every class has samples that
/// cannot be told apart).
/// </summary>
[Collection("synthetic-gesture")]
public sealed class SyntheticSeparabilityTests(SyntheticGestureFixture fx)
{
    const int T = 8, Ds = 4, Cells = 32;

    [Fact]
    public void NearestCentroidSeparatesClassesButNotFromTheFirstTimestep()
    {
        IEventDataset ds = DatasetCatalog.Open("dvsgesture", fx.Folder);
        var (trainX, trainY) = Load(ds, DatasetSplit.Train);
        var (testX, testY) = Load(ds, DatasetSplit.Test);

        double full = Accuracy(trainX, trainY, testX, testY, T);
        Assert.True(full >= 0.45, $"nearest centroid on full-window counts: {full:P1} (chance 9 %)");

        // From the first timestep alone, on all samples: every class has samples the classifier gets wrong.
        var allX = trainX.Concat(testX).ToList();
        var allY = trainY.Concat(testY).ToList();
        var predicted = Predict(trainX, trainY, allX, 1);
        for (int c = 0; c < 11; c++)
            Assert.Contains(Enumerable.Range(0, allY.Count), i => allY[i] == c && predicted[i] != c);
        double first = Accuracy(trainX, trainY, testX, testY, 1);
        Assert.True(first < full - 0.15, $"first timestep {first:P1} vs full window {full:P1}");
    }

    static (List<float[]> X, List<int> Y) Load(IEventDataset ds, DatasetSplit split)
    {
        var x = new List<float[]>(); var y = new List<int>();
        var rule = BinningRule.EqualTimeSlices(T);
        foreach (var (s, e) in ds.ReadAll(split))
            using (e)
            {
                x.Add(EventBinner.Bin(e, rule, 128, 128, Ds).Data);
                y.Add(s.Label);
            }
        return (x, y);
    }

    static float[] Feature(float[] frames, int steps)
    {
        int f = 2 * Cells * Cells;
        var v = new float[f];
        for (int t = 0; t < steps; t++) for (int i = 0; i < f; i++) v[i] += frames[t * f + i];
        double norm = Math.Sqrt(v.Sum(z => (double)z * z)) + 1e-9;
        for (int i = 0; i < f; i++) v[i] = (float)(v[i] / norm);
        return v;
    }

    static int[] Predict(List<float[]> trainX, List<int> trainY, List<float[]> x, int steps)
    {
        int f = 2 * Cells * Cells;
        var centroids = new double[11][];
        var counts = new int[11];
        for (int c = 0; c < 11; c++) centroids[c] = new double[f];
        for (int i = 0; i < trainX.Count; i++)
        {
            var v = Feature(trainX[i], steps);
            counts[trainY[i]]++;
            for (int k = 0; k < f; k++) centroids[trainY[i]][k] += v[k];
        }
        return x.Select(s =>
        {
            var v = Feature(s, steps);
            int best = 0; double bestD = double.MaxValue;
            for (int c = 0; c < 11; c++)
            {
                double d = 0;
                for (int k = 0; k < f; k++) { double z = v[k] - centroids[c][k] / Math.Max(1, counts[c]); d += z * z; }
                if (d < bestD) { bestD = d; best = c; }
            }
            return best;
        }).ToArray();
    }

    static double Accuracy(List<float[]> trainX, List<int> trainY, List<float[]> testX, List<int> testY, int steps)
    {
        var p = Predict(trainX, trainY, testX, steps);
        return (double)Enumerable.Range(0, testY.Count).Count(i => p[i] == testY[i]) / testY.Count;
    }
}
