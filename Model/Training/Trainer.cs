using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using EventSnn.Datasets;
using TorchSharp;
using static TorchSharp.torch;

namespace EventSnn.Model;

/// <summary>
/// The one training loop (METHOD.md §3.2, §3.3, §6, §9) for every kind of network: an
/// <see cref="ITrainingObjective"/> says what is trained and how its loss is formed (<see cref="SpikingObjective"/>:
/// TET or mean loss + α·RCS on a spiking network; <see cref="Conversion.AnnObjective"/>: cross-entropy + α·ANN RCS),
/// an <see cref="IBatchSource"/> supplies the batches. SGD with momentum and weight decay (or Adam), cosine
/// learning-rate decay per epoch, per-epoch validation and test accuracy, the best checkpoint kept and the last one
/// written every epoch with the optimizer's state, so every run resumes.
/// </summary>
/// <remarks>
/// Everything runs on the calling thread (TorchSharp dispose scopes are thread-static). On CPU a fixed seed gives
/// the same weights run after run: initialisation uses <c>torch.manual_seed(Seed)</c>, and the shuffling and
/// augmentation of epoch e draw from <c>Random(Seed + e)</c>, which also makes a resumed run continue exactly.
/// </remarks>
public sealed class Trainer
{
    /// <summary>Checkpoint file names inside <see cref="TrainOptions.OutDir"/>.</summary>
    public const string LastName = "last.ckpt", BestName = "best.ckpt", OptimizerName = "last.optim", LogName = "train-log.jsonl";

    private readonly ModelInfo? info;
    private readonly ITrainingObjective? objective;
    private readonly TrainOptions options;

    /// <summary>Prepares direct training of the spiking network <c>info.Arch</c> with <paramref name="options"/>.</summary>
    public Trainer(ModelInfo info, TrainOptions options)
    {
        info.Validate();
        options.Validate();
        this.info = info;
        this.options = options;
    }

    /// <summary>Prepares training of <paramref name="objective"/>'s network (the caller keeps owning the objective).</summary>
    public Trainer(ITrainingObjective objective, TrainOptions options)
    {
        options.Validate();
        this.objective = objective;
        this.options = options;
    }

    /// <summary>The device training runs on.</summary>
    public Device Device => options.Device ?? (torch.cuda.is_available() ? torch.CUDA : torch.CPU);

    /// <summary>
    /// Trains the spiking network on the event frames <paramref name="train"/> (a stratified held-out part of it
    /// validates; <see cref="TrainOptions.Augmentation"/> translates them) and measures <paramref name="test"/> (may be
    /// null) after every epoch.
    /// </summary>
    public TrainResult Fit(FrameSet train, FrameSet? test, IProgress<TrainProgress>? progress = null, CancellationToken cancel = default)
    {
        if (info is null) throw new InvalidOperationException("this trainer was made for an objective: pass batch sources");
        CheckCompatible(train, "training");
        if (test is not null) CheckCompatible(test, "test");
        return Fit(new FrameSetBatches(train, options.Augmentation), test is null ? null : new FrameSetBatches(test), progress, cancel);
    }

    /// <summary>Trains on <paramref name="train"/> and measures <paramref name="test"/> (may be null) after every epoch.</summary>
    public TrainResult Fit(IBatchSource train, IBatchSource? test, IProgress<TrainProgress>? progress = null, CancellationToken cancel = default)
    {
        if (train.Count == 0) throw new ArgumentException("training set is empty");
        if (options.Selection == CheckpointSelection.Test && test is null) throw new ArgumentException("selection 'test' needs a test set");

        Directory.CreateDirectory(options.OutDir);
        string lastPath = Path.Combine(options.OutDir, LastName), bestPath = Path.Combine(options.OutDir, BestName);
        string optimPath = Path.Combine(options.OutDir, OptimizerName), logPath = Path.Combine(options.OutDir, LogName);

        var (trainIdx, valIdx) = SplitValidation(train.Labels, options.ValidationFraction, options.Seed);
        if (options.Selection == CheckpointSelection.Validation && valIdx.Length == 0)
            throw new ArgumentException($"no validation samples: a validation fraction of {options.ValidationFraction} of {train.Count} training samples holds none, " +
                "so no best checkpoint could be chosen; raise --val-fraction or select by test");
        if (trainIdx.Length == 0) throw new ArgumentException($"no training samples left after holding out {valIdx.Length} for validation");
        var device = Device;

        var obj = objective ?? new SpikingObjective(info!, options);
        try { return Run(obj, train, test, trainIdx, valIdx, device, lastPath, bestPath, optimPath, logPath, progress, cancel); }
        finally { if (objective is null) obj.Dispose(); }
    }

    private TrainResult Run(ITrainingObjective obj, IBatchSource train, IBatchSource? test, int[] trainIdx, int[] valIdx, Device device,
        string lastPath, string bestPath, string optimPath, string logPath, IProgress<TrainProgress>? progress, CancellationToken cancel)
    {
        int startEpoch = 0;
        double bestAcc = double.NegativeInfinity;
        int bestEpoch = 0;
        var records = new List<EpochRecord>();
        bool resume = options.Resume && File.Exists(lastPath);
        if (resume)
        {
            var meta = obj.Load(lastPath);
            startEpoch = MetaInt(meta, "epoch", lastPath, 0, options.Epochs);
            bestEpoch = MetaInt(meta, "bestEpoch", lastPath, 0, startEpoch);
            if (!meta.TryGetValue("bestAccuracy", out string? ba) || !double.TryParse(ba, NumberStyles.Float, CultureInfo.InvariantCulture, out bestAcc)
                || !(bestAcc is >= 0 and <= 1 || double.IsNegativeInfinity(bestAcc)))
                throw new InvalidDataException($"{lastPath}#metadata.json: 'bestAccuracy' must be a number in [0, 1], found '{ba}'; use --no-resume to start afresh");
            records.AddRange(ReadLog(logPath).Where(r => r.Epoch <= startEpoch));
        }
        else if (File.Exists(logPath)) File.Delete(logPath);

        var net = obj.Network;
        net.to(device);
        if (!resume) obj.Initialise(train, device, options);
        var parameters = net.parameters().Where(p => p.requires_grad).ToList();
        using optim.Optimizer optimizer = options.Optimizer switch
        {
            OptimizerKind.Sgd => torch.optim.SGD(parameters, options.LearningRate, momentum: options.Momentum, weight_decay: options.WeightDecay),
            _ => torch.optim.Adam(parameters, options.LearningRate, weight_decay: options.WeightDecay),
        };
        if (startEpoch > 0 && File.Exists(optimPath)) LoadOptimizer(optimizer, optimPath);
        RewriteLog(logPath, records);

        var runClock = Stopwatch.StartNew();
        int endEpoch = options.MaxEpochsThisRun is int m ? Math.Min(options.Epochs, startEpoch + m) : options.Epochs;
        for (int epoch = startEpoch + 1; epoch <= endEpoch; epoch++)
        {
            cancel.ThrowIfCancellationRequested();
            var watch = Stopwatch.StartNew();
            double lr = LearningRateAt(epoch);
            foreach (var g in optimizer.ParamGroups) g.LearningRate = lr;

            var stats = TrainEpoch(obj, optimizer, train, trainIdx, epoch, lr, device, progress, cancel);
            double? valAcc = valIdx.Length > 0 ? Accuracy(obj.Network, obj.Scores, train, valIdx, device, epoch, lr, "validate", progress, cancel) : null;
            double? testAcc = test is not null ? Accuracy(obj.Network, obj.Scores, test, Enumerable.Range(0, test.Count).ToArray(), device, epoch, lr, "test", progress, cancel) : null;
            var record = stats with { Epoch = epoch, LearningRate = lr, ValidationAccuracy = valAcc, TestAccuracy = testAcc, Seconds = watch.Elapsed.TotalSeconds };
            records.Add(record);

            if (options.Selection == CheckpointSelection.Last)
            {
                bestAcc = testAcc ?? valAcc ?? record.TrainAccuracy; bestEpoch = epoch;
            }
            else
            {
                double selected = (options.Selection == CheckpointSelection.Test ? testAcc : valAcc) ?? double.NaN;
                if (selected >= bestAcc)
                {
                    bestAcc = selected; bestEpoch = epoch;
                    obj.Save(bestPath, Metadata(record, bestAcc, bestEpoch, best: true));
                }
            }
            AppendLog(logPath, record);
            obj.Save(lastPath, Metadata(record, bestAcc, bestEpoch, best: false));
            SaveOptimizer(optimizer, optimPath);

            var eta = TimeSpan.FromSeconds(runClock.Elapsed.TotalSeconds / (epoch - startEpoch) * (options.Epochs - epoch));
            progress?.Report(new TrainProgress(epoch, options.Epochs, "epoch", 1, 1, record.Loss, record.TrainAccuracy)
            { LearningRate = lr, Elapsed = watch.Elapsed, Eta = eta, Completed = record });
        }
        if (options.Selection == CheckpointSelection.Last) bestPath = lastPath;
        return new TrainResult(records, bestEpoch, bestAcc, SelectionLabel, bestPath, lastPath, logPath, startEpoch);
    }

    /// <summary>Learning rate of epoch <paramref name="epoch"/> (1-based) on the cosine schedule over <see cref="TrainOptions.Epochs"/>.</summary>
    public double LearningRateAt(int epoch) => 0.5 * options.LearningRate * (1 + Math.Cos(Math.PI * (epoch - 1) / options.Epochs));

    private static int MetaInt(IReadOnlyDictionary<string, string> meta, string key, string path, int min, int max)
    {
        if (!meta.TryGetValue(key, out string? text) || !int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) || v < min || v > max)
            throw new InvalidDataException($"{path}#metadata.json: '{key}' must be an integer in [{min}, {max}], found '{text}'; use --no-resume to start afresh");
        return v;
    }

    private string SelectionLabel => options.Selection switch
    {
        CheckpointSelection.Test => "best-by-test (the method's choice: chosen on the test split, so its test accuracy is optimistic)",
        CheckpointSelection.Last => "last epoch",
        _ => $"best-by-validation ({options.ValidationFraction:0.##} of the training split held out)",
    };

    private Dictionary<string, string> Metadata(EpochRecord r, double bestAcc, int bestEpoch, bool best)
    {
        var inv = CultureInfo.InvariantCulture;
        var d = new Dictionary<string, string>
        {
            ["epoch"] = r.Epoch.ToString(inv),
            ["epochs"] = options.Epochs.ToString(inv),
            ["bestEpoch"] = bestEpoch.ToString(inv),
            ["bestAccuracy"] = bestAcc.ToString("R", inv),
            ["selection"] = best ? SelectionLabel : "last epoch",
            ["loss"] = options.Loss.Name(),
            ["rcsAlpha"] = options.RcsAlpha.ToString("R", inv),
            ["dropout"] = options.Dropout.ToString("R", inv),
            ["seed"] = options.Seed.ToString(inv),
            ["validationFraction"] = options.ValidationFraction.ToString("R", inv),
            ["trainAccuracy"] = r.TrainAccuracy.ToString("R", inv),
        };
        if (r.ValidationAccuracy is double v) d["validationAccuracy"] = v.ToString("R", inv);
        if (r.TestAccuracy is double t) d["testAccuracy"] = t.ToString("R", inv);
        return d;
    }

    private EpochRecord TrainEpoch(ITrainingObjective obj, optim.Optimizer optimizer, IBatchSource data, int[] indices, int epoch, double lr,
        Device device, IProgress<TrainProgress>? progress, CancellationToken cancel)
    {
        obj.Network.train();
        obj.BeginEpoch(epoch);
        var rng = new Random(unchecked(options.Seed + epoch));
        var order = (int[])indices.Clone();
        rng.Shuffle(order);
        int batches = (order.Length + options.BatchSize - 1) / options.BatchSize;
        double sumLoss = 0, sumTask = 0, sumRcs = 0; long correct = 0, seen = 0; int masked = 0, silent = 0;
        var clock = Stopwatch.StartNew();
        try
        {
            for (int b = 0; b < batches; b++)
            {
                cancel.ThrowIfCancellationRequested();
                int n = Math.Min(options.BatchSize, order.Length - b * options.BatchSize);
                if (n < obj.MinimumBatch && b > 0) break;
                var batch = order.AsSpan(b * options.BatchSize, n);
                using var scope = torch.NewDisposeScope();
                var (x, y) = data.Batch(batch, rng, device);
                var l = obj.Loss(x, y);
                optimizer.zero_grad();
                l.Total.backward();
                if (optimizer is TorchSharp.Modules.SGD sgd) StableSgd.Step(sgd);   // SGD.step() makes temporary Scalars for every parameter
                else optimizer.step();
                if (l.Regulariser is not null) sumRcs += l.Regulariser.to_type(ScalarType.Float64).item<double>() * n;
                masked += l.MaskedSamples; silent += l.SilentExclusions;
                sumLoss += l.Total.to_type(ScalarType.Float64).item<double>() * n;
                sumTask += l.Task.to_type(ScalarType.Float64).item<double>() * n;
                correct += l.Scores.argmax(1).eq(y).sum().item<long>();
                seen += n;
                progress?.Report(new TrainProgress(epoch, options.Epochs, "train", b + 1, batches, sumLoss / seen, (double)correct / seen)
                { LearningRate = lr, Elapsed = clock.Elapsed });
            }
        }
        finally { obj.EndEpoch(); }
        return new EpochRecord(epoch, 0, sumLoss / Math.Max(1, seen), sumTask / Math.Max(1, seen), sumRcs / Math.Max(1, seen),
            (double)correct / Math.Max(1, seen), null, null, 0, masked, silent);
    }

    /// <summary>Accuracy of the accumulated output at T (<c>argmax Σ_t O(t)</c>) over <paramref name="indices"/> of <paramref name="data"/>, in eval mode.</summary>
    public static double Accuracy(SpikingNetwork net, FrameSet data, int[] indices, Device device, int batchSize = 32)
        => Accuracy(net, x => net.call(x).sum(new long[] { 0 }), new FrameSetBatches(data), indices, device, 0, 0, "evaluate", null, default, batchSize);

    private static double Accuracy(nn.Module net, Func<Tensor, Tensor> scores, IBatchSource data, int[] indices, Device device, int epoch, double lr, string phase,
        IProgress<TrainProgress>? progress, CancellationToken cancel, int batchSize = 32)
    {
        if (indices.Length == 0) return double.NaN;
        net.eval();
        long correct = 0;
        int batches = (indices.Length + batchSize - 1) / batchSize;
        var clock = Stopwatch.StartNew();
        using var noGrad = torch.no_grad();
        for (int b = 0; b < batches; b++)
        {
            cancel.ThrowIfCancellationRequested();
            var batch = indices.AsSpan(b * batchSize, Math.Min(batchSize, indices.Length - b * batchSize));
            using var scope = torch.NewDisposeScope();
            var (x, y) = data.Batch(batch, null, device);
            correct += scores(x).argmax(1).eq(y).sum().item<long>();
            progress?.Report(new TrainProgress(epoch, 0, phase, b + 1, batches, double.NaN, (double)correct / Math.Min(indices.Length, (b + 1) * batchSize))
            { LearningRate = lr, Elapsed = clock.Elapsed });
        }
        return (double)correct / indices.Length;
    }

    /// <summary>Stratified split of sample indices: about <paramref name="fraction"/> of each class goes to validation (seeded).</summary>
    public static (int[] Train, int[] Validation) SplitValidation(IReadOnlyList<int> labels, double fraction, int seed)
    {
        if (fraction <= 0) return (Enumerable.Range(0, labels.Count).ToArray(), []);
        var rng = new Random(seed);
        var train = new List<int>(); var val = new List<int>();
        foreach (var group in Enumerable.Range(0, labels.Count).GroupBy(i => labels[i]).OrderBy(g => g.Key))
        {
            var idx = group.ToArray();
            rng.Shuffle(idx);
            int nVal = idx.Length < 2 ? 0 : Math.Max(1, (int)Math.Round(idx.Length * fraction));
            val.AddRange(idx.Take(nVal)); train.AddRange(idx.Skip(nVal));
        }
        train.Sort(); val.Sort();
        return (train.ToArray(), val.ToArray());
    }

    private void CheckCompatible(FrameSet set, string what)
    {
        if (set.T != info!.T || set.Height != info.Height || set.Width != info.Width || set.Channels != info.InputChannels)
            throw new ArgumentException($"{what} frames are {set.T}x{set.Channels}x{set.Height}x{set.Width}, the network expects {info.T}x{info.InputChannels}x{info.Height}x{info.Width}");
        if (set.ClassNames.Count != info.Classes)
            throw new ArgumentException($"{what} set has {set.ClassNames.Count} classes, the network {info.Classes}");
        if (set.Count == 0) throw new ArgumentException($"{what} set is empty");
    }

    private static void SaveOptimizer(optim.Optimizer optimizer, string path)
    {
        string tmp = path + ".tmp";
        switch (optimizer)
        {
            case TorchSharp.Modules.SGD sgd: sgd.save_state_dict(tmp); break;
            case TorchSharp.Modules.Adam adam: adam.save_state_dict(tmp); break;
            default: return;
        }
        File.Move(tmp, path, overwrite: true);
    }

    private static void LoadOptimizer(optim.Optimizer optimizer, string path)
    {
        try
        {
            switch (optimizer)
            {
                case TorchSharp.Modules.SGD sgd: sgd.load_state_dict(path); break;
                case TorchSharp.Modules.Adam adam: adam.load_state_dict(path); break;
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidDataException($"{path}: not the optimizer state of this run ({e.Message}); use --no-resume to start afresh", e);
        }
    }

    private static void AppendLog(string path, EpochRecord r) => File.AppendAllText(path, JsonSerializer.Serialize(r, ProjectJson.Lines) + "\n");

    private static void RewriteLog(string path, IReadOnlyList<EpochRecord> records)
    {
        string tmp = path + ".tmp";
        File.WriteAllLines(tmp, records.Select(r => JsonSerializer.Serialize(r, ProjectJson.Lines)));
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>Reads a training log (<c>train-log.jsonl</c>); a missing file gives an empty list.</summary>
    public static IReadOnlyList<EpochRecord> ReadLog(string path)
    {
        if (!File.Exists(path)) return [];
        var list = new List<EpochRecord>();
        int line = 0;
        foreach (var text in File.ReadLines(path))
        {
            line++;
            if (string.IsNullOrWhiteSpace(text)) continue;
            try { list.Add(ProjectJson.Deserialize<EpochRecord>(text)!); }
            catch (JsonException e) { throw new InvalidDataException($"{path}: line {line} is not a log record ({e.Message})", e); }
        }
        return list;
    }
}
