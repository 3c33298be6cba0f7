using System.Globalization;
using System.Text.Json;
using EventSnn.Datasets;
using EventSnn.Model;
using Spectre.Console;
using TorchSharp;

namespace EventSnn.Cli.Model;

/// <summary>Runs `eventsnn train`: dataset → frame cache → <see cref="Trainer"/>, with progress and a summary.</summary>
internal static class TrainRunner
{
    public const int ExitBadInput = 2;

    public static int Run(TrainRequest r, CancellationToken cancel)
    {
        try
        {
            if (r.Threads > 0) torch.set_num_threads(r.Threads);
            CheckNumbers(r);
            var ds = DatasetCatalog.Open(r.Dataset, r.Root);
            int smallest = Math.Min(ds.SensorWidth, ds.SensorHeight);
            if (r.Downsample < 1 || r.Downsample > smallest)
                throw new ArgumentException($"--downsample must be in 1..{smallest} for {ds.Name} ({ds.SensorWidth}x{ds.SensorHeight}), got {r.Downsample}");
            var (startUs, endUs) = ParseWindow(r.Window, ds.Name);
            int t = r.T ?? DefaultT(ds.Name);
            var settings = FrameSettings.For(ds, t, r.Downsample, startUs, endUs);
            string cacheDir = CacheLocation.Resolve(r.CacheDir);

            var info = ModelInput.Describe(r.Arch, ds, settings) with { Tebn = r.Tebn, Neuron = NeuronSettings.Lif() with { Reset = r.Reset } };
            var options = new TrainOptions
            {
                Epochs = r.Epochs, BatchSize = r.Batch, LearningRate = r.LearningRate, Loss = r.Loss, RcsAlpha = r.RcsAlpha, Dropout = r.Dropout, Seed = r.Seed,
                ValidationFraction = r.Selection == CheckpointSelection.Test && r.ValidationFraction == 0.1 ? 0 : r.ValidationFraction,
                Selection = r.Selection, OutDir = r.OutDir, Resume = r.Resume,
                Augmentation = r.Augment ? RandomTranslation.ForDownsample(r.Downsample, r.Seed) : null,
            };
            var trainer = new Trainer(info, options); // validates before any slow work
            using (Architectures.Create(info)) { }     // an unknown architecture or a shape it cannot take fails here, not after binning
            CliPaths.CheckOutputFolder(r.OutDir, "--out");
            ReportResume(r.OutDir, r.Resume, r.Epochs);

            Console.Error.WriteLine($"train: {ds.Name} at {r.Root}: {ds.Samples(DatasetSplit.Train).Count} train / {ds.Samples(DatasetSplit.Test).Count} test samples, " +
                $"frames {t}x2x{settings.Height}x{settings.Width} ({settings.Rule}), arch {r.Arch}, loss {r.Loss.Name()}, RCS α={r.RcsAlpha.ToString(CultureInfo.InvariantCulture)}, device {trainer.Device.type}");
            using var train = LoadFrames(ds, DatasetSplit.Train, settings, cacheDir);
            using var test = LoadFrames(ds, DatasetSplit.Test, settings, cacheDir);
            using var trainUsed = r.MaxTrain > 0 && r.MaxTrain < train.Count ? Stratified(train, r.MaxTrain, r.Seed) : null;

            var result = Train(trainer, trainUsed ?? train, test.Count > 0 ? test : null, cancel);
            PrintSummary(result, r);
            return 0;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("train: cancelled; resume with the same command");
            return 130;
        }
        catch (Exception e) when (e is ArgumentException or DatasetNotFoundException or InvalidDataException or IOException or InvalidOperationException or NotSupportedException)
        {
            return CliErrors.ReportBadInput(e);
        }
    }

    /// <summary>Timesteps when --T is not given: 10 for N-CARS (100 ms samples: 10 ms bins), 16 otherwise.</summary>
    internal static int DefaultT(string dataset) => dataset == "ncars" ? 10 : 16;

    /// <summary>Numbers the trainer would accept but that can only end in overflow or a wasted run.</summary>
    static void CheckNumbers(TrainRequest r)
    {
        if (!double.IsFinite(r.LearningRate) || r.LearningRate <= 0 || r.LearningRate > 100)
            throw new ArgumentException($"--lr must be in (0, 100], got {r.LearningRate.ToString(CultureInfo.InvariantCulture)}");
        if (!double.IsFinite(r.RcsAlpha) || r.RcsAlpha < 0 || r.RcsAlpha > 1e6)
            throw new ArgumentException($"--rcs-alpha must be in [0, 1e6], got {r.RcsAlpha.ToString(CultureInfo.InvariantCulture)}");
        if (r.T is int tv && (tv < 1 || tv > ModelInfo.MaxT)) throw new ArgumentException($"--T must be in 1..{ModelInfo.MaxT}, got {tv}");
        if (r.Epochs < 1 || r.Epochs > 100_000) throw new ArgumentException($"--epochs must be in 1..100000, got {r.Epochs}");
        if (r.Batch < 1 || r.Batch > 65_536) throw new ArgumentException($"--batch must be in 1..65536, got {r.Batch}");
        if (r.Threads < 0 || r.Threads > 1024) throw new ArgumentException($"--threads must be in 0..1024, got {r.Threads}");
        if (r.MaxTrain < 0) throw new ArgumentException($"--max-train must be >= 0, got {r.MaxTrain}");
        if (!double.IsFinite(r.ValidationFraction)) throw new ArgumentException("--val-fraction must be a number in [0, 1)");
    }

    /// <summary>Says before any work whether training resumes, and from which epoch.</summary>
    static void ReportResume(string outDir, bool resume, int epochs)
    {
        string last = Path.Combine(outDir, Trainer.LastName);
        if (!resume || !File.Exists(last)) return;
        var meta = Checkpoint.ReadMetadata(last);
        string done = meta.TryGetValue("epoch", out string? e) ? e : "?";
        Console.Error.WriteLine($"train: resuming from {last} after epoch {done} of {epochs} (--no-resume starts afresh)");
    }

    /// <summary>The sample window of `--window-us START:END` in µs; dvsgesture defaults to the method's first 1.3 s.</summary>
    internal static (long Start, long End) ParseWindow(string? text, string dataset)
    {
        if (text is null) return dataset == "dvsgesture" ? (0, 1_300_000) : (0, long.MaxValue);
        var parts = text.Split(':');
        if (parts.Length != 2 || !long.TryParse(parts[0], CultureInfo.InvariantCulture, out long a) || !long.TryParse(parts[1], CultureInfo.InvariantCulture, out long b) || a < 0 || b <= a)
            throw new ArgumentException($"--window-us must be START:END in µs with 0 <= START < END, got '{text}'");
        return (a, b);
    }

    private static FrameSet LoadFrames(IEventDataset ds, DatasetSplit split, FrameSettings settings, string cacheDir)
    {
        var report = new Progress<FrameCacheProgress>(p =>
        {
            if (p.Total > 0 && (p.Done == p.Total || p.Done % 50 == 0)) Console.Error.WriteLine($"  frames {split.ToString().ToLowerInvariant()}: {p.Stage} {p.Done}/{p.Total}");
        });
        return FrameCache.GetOrBuild(ds, split, settings, cacheDir, report);
    }

    private static FrameSet Stratified(FrameSet set, int count, int seed)
    {
        var (_, pick) = Trainer.SplitValidation(set.Labels, Math.Min(0.999, (double)count / set.Count), seed);
        return set.Subset(pick);
    }

    private static TrainResult Train(Trainer trainer, FrameSet train, FrameSet? test, CancellationToken cancel)
    {
        bool interactive = AnsiConsole.Profile.Capabilities.Interactive && !Console.IsErrorRedirected;
        var progress = new EpochPrinter(interactive);
        try { return trainer.Fit(train, test, progress, cancel); }
        finally { progress.Finish(); }
    }

    private static void PrintSummary(TrainResult result, TrainRequest r)
    {
        var last = result.Epochs.Count > 0 ? result.Epochs[^1] : null;
        if (r.Json)
        {
            var summary = new
            {
                result.BestCheckpoint, result.LastCheckpoint, log = result.LogPath,
                result.Selection, result.BestEpoch, result.BestAccuracy, result.ResumedFromEpoch,
                epochs = result.Epochs,
            };
            Console.WriteLine(ProjectJson.Serialize(summary));
            return;
        }
        Console.WriteLine($"best checkpoint: {result.BestCheckpoint} (epoch {result.BestEpoch}, {result.Selection}: {Pct(result.BestAccuracy)})");
        if (last is not null)
            Console.WriteLine($"last epoch {last.Epoch}: train {Pct(last.TrainAccuracy)}, validation {Pct(last.ValidationAccuracy)}, test {Pct(last.TestAccuracy)}, {last.Seconds:0.0} s/epoch");
        Console.WriteLine($"log: {result.LogPath}");
    }

    internal static string Pct(double? v) => v is double d && !double.IsNaN(d) ? (100 * d).ToString("0.0", CultureInfo.InvariantCulture) + "%" : "n/a";
}
