using EventSnn.Datasets;
using EventSnn.Datasets.Synthetic;
using EventSnn.Ingest;
using EventSnn.Ingest.Binning;
using EventSnn.Model;

namespace EventSnn.Tests.Pipeline;

/// <summary>
/// Synthetic gesture recordings (one file per gesture, AEDAT 3.1) and a tiny spiking network trained on those
/// very gestures, built once for the streaming end-to-end tests. The network is trained on what it will see
/// (the tests check that the pipeline reproduces the network's decisions, not that it generalises).
/// </summary>
public sealed class GestureCheckpointFixture : IDisposable
{
    public const int T = 6, Downsample = 4, Size = 32;
    public const long WindowUs = 600_000;
    public static readonly string[] ClassNames =
        ["hand_clapping", "right_hand_wave", "left_hand_wave", "right_arm_clockwise", "right_arm_counter_clockwise",
         "left_arm_clockwise", "left_arm_counter_clockwise", "arm_roll", "air_drums", "air_guitar", "other_gestures"];

    public string Dir { get; } = Fixtures.TempDir("eventsnn-stream");
    public string Checkpoint { get; }
    /// <summary>Gesture recordings to replay: path, class index (0-based), event count.</summary>
    public List<(string Path, int Class, int Events)> Gestures { get; } = new();
    public double TrainAccuracy { get; }

    public GestureCheckpointFixture()
    {
        var options = new SyntheticOptions { Trials = 2, WindowSeconds = 0.6, Seed = 11, WriteArchive = false, WriteFolder = false };
        var samples = new List<(EventBatch Events, int Class)>();
        for (int trial = 0; trial < 1; trial++)
        {
            var (events, labels) = SyntheticGestureDataset.GenerateTrial(options, trial);
            using (events)
                foreach (var label in labels)
                    samples.Add((Cut(events, label.StartUs, label.EndUs), label.Class - 1));
        }

        int frame = 2 * Size * Size;
        var data = new float[samples.Count * T * frame];
        for (int i = 0; i < samples.Count; i++)
        {
            var f = EventBinner.Bin(samples[i].Events, BinningRule.TonicTimeWindow(WindowUs / T, includeIncomplete: true), 128, 128, Downsample);
            f.Data.AsSpan(0, Math.Min(T, f.T) * frame).CopyTo(data.AsSpan(i * T * frame));
        }
        using var train = new FrameSet(data, samples.Select(s => s.Class).ToArray(), T, Size, Size, ClassNames);
        var info = new ModelInfo
        {
            Arch = "tiny", T = T, Classes = 11, ClassNames = ClassNames, Height = Size, Width = Size, Dataset = "dvsgesture",
            Frames = new FrameInfo { Rule = $"tonic-time-window:{WindowUs / T}", Downsample = Downsample, SensorWidth = 128, SensorHeight = 128, WindowEndUs = WindowUs },
        };
        string runDir = Path.Combine(Dir, "run");
        var result = new Trainer(info, new TrainOptions
        {
            Epochs = 30, BatchSize = 8, LearningRate = 0.05, Loss = TaskLoss.Mean, OutDir = runDir, Seed = 5, ValidationFraction = 0, Selection = CheckpointSelection.Test, Resume = false,
        }).Fit(train, train);
        Checkpoint = Path.Combine(runDir, global::EventSnn.Model.Trainer.LastName);
        TrainAccuracy = result.Epochs.Count > 0 ? result.Epochs[^1].TestAccuracy ?? double.NaN : double.NaN;

        // Three gestures of the first trial, one recording each.
        foreach (int i in new[] { 0, 3, 7 })
        {
            string path = Path.Combine(Dir, $"gesture{i:00}_class{samples[i].Class}.aedat");
            EventFile.Write(path, samples[i].Events);
            Gestures.Add((path, samples[i].Class, samples[i].Events.Count));
        }
        foreach (var s in samples) s.Events.Dispose();
    }

    static EventBatch Cut(EventBatch events, long start, long end)
    {
        var t = events.T;
        int a = LowerBound(t, start), b = LowerBound(t, end);
        var cut = new EventBatch(b - a, events.Width, events.Height);
        t[a..b].CopyTo(cut.TArray);
        events.X[a..b].CopyTo(cut.XArray);
        events.Y[a..b].CopyTo(cut.YArray);
        events.P[a..b].CopyTo(cut.PArray);
        cut.Count = b - a;
        return cut;
    }

    static int LowerBound(ReadOnlySpan<long> t, long value)
    {
        int lo = 0, hi = t.Length;
        while (lo < hi) { int mid = (lo + hi) >>> 1; if (t[mid] < value) lo = mid + 1; else hi = mid; }
        return lo;
    }

    public void Dispose()
    {
        try { Directory.Delete(Dir, recursive: true); } catch (IOException) { }
    }
}
