using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using EventSnn.Datasets;
using TorchSharp;
using static TorchSharp.torch;

namespace EventSnn.Model;

/// <summary>
/// Direct training of a spiking network with BPTT (METHOD.md §3.2, §6, §9): SGD with momentum and weight decay,
/// cosine learning-rate decay per epoch, TET or mean-output loss plus α·RCS, per-epoch validation and test accuracy,
/// the best checkpoint kept and the last one written every epoch so training resumes.
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

    private readonly ModelInfo info;
    private readonly TrainOptions options;

    /// <summary>Prepares training of <c>info.Arch</c> with <paramref name="options"/>.</summary>
    public Trainer(ModelInfo info, TrainOptions options)
    {
        info.Validate();
        options.Validate();
        this.info = info;
        this.options = options;
    }

    /// <summary>The device training runs on.</summary>
    public Device Device => options.Device ?? (torch.cuda.is_available() ? torch.CUDA : torch.CPU);

    /// <summary>
    /// Trains on <paramref name="train"/> (a stratified held-out part of it validates) and measures
    /// <paramref name="test"/> (may be null) after every epoch.
    /// </summary>
    public TrainResult Fit(FrameSet train, FrameSet? test, IProgress<TrainProgress>? progress = null, CancellationToken cancel = default)
    {
        CheckCompatible(train, "training");
        if (test is not null) CheckCompatible(test, "test");
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

        torch.manual_seed(options.Seed);
        SpikingNetwork net;
        int startEpoch = 0;
        double bestAcc = double.NegativeInfinity;
        int bestEpoch = 0;
        var records = new List<EpochRecord>();
        if (options.Resume && File.Exists(lastPath))
        {
            (net, var stored) = Checkpoint.Load(lastPath);
            if (!SameSettings(stored, info))
                throw new InvalidOperationException($"{lastPath} was trained with other settings ({stored.Arch}, T={stored.T}, {stored.Height}x{stored.Width}); use a new output folder or --no-resume");
            var meta = Checkpoint.ReadMetadata(lastPath);
            startEpoch = MetaInt(meta, "epoch", lastPath, 0, options.Epochs);
            bestEpoch = MetaInt(meta, "bestEpoch", lastPath, 0, startEpoch);
            if (!meta.TryGetValue("bestAccuracy", out string? ba) || !double.TryParse(ba, NumberStyles.Float, CultureInfo.InvariantCulture, out bestAcc)
                || !(bestAcc is >= 0 and <= 1 || double.IsNegativeInfinity(bestAcc)))
                throw new InvalidDataException($"{lastPath}#metadata.json: 'bestAccuracy' must be a number in [0, 1], found '{ba}'; use --no-resume to start afresh");
            records.AddRange(ReadLog(logPath).Where(r => r.Epoch <= startEpoch));
        }
        else
        {
            net = Architectures.Create(info);
            if (File.Exists(logPath)) File.Delete(logPath);
        }

        using var _net = net;
        net.to(device);
        using var optimizer = torch.optim.SGD(net.parameters(), options.LearningRate, momentum: options.Momentum, weight_decay: options.WeightDecay);
        if (startEpoch > 0 && File.Exists(optimPath)) optimizer.load_state_dict(optimPath);
        RewriteLog(logPath, records);

        var loss = Losses.For(options.Loss);
        var rcs = new RcsRegulariser();
        int endEpoch = options.MaxEpochsThisRun is int m ? Math.Min(options.Epochs, startEpoch + m) : options.Epochs;
        for (int epoch = startEpoch + 1; epoch <= endEpoch; epoch++)
        {
            cancel.ThrowIfCancellationRequested();
            var watch = Stopwatch.StartNew();
            double lr = LearningRateAt(epoch);
            foreach (var g in optimizer.ParamGroups) g.LearningRate = lr;

            var stats = TrainEpoch(net, optimizer, train, trainIdx, epoch, loss, rcs, options.RcsAlpha, device, progress, cancel);
            double? valAcc = valIdx.Length > 0 ? Accuracy(net, train, valIdx, device, epoch, "validate", progress, cancel) : null;
            double? testAcc = test is not null ? Accuracy(net, test, Enumerable.Range(0, test.Count).ToArray(), device, epoch, "test", progress, cancel) : null;
            var record = stats with { Epoch = epoch, LearningRate = lr, ValidationAccuracy = valAcc, TestAccuracy = testAcc, Seconds = watch.Elapsed.TotalSeconds };
            records.Add(record);

            double selected = (options.Selection == CheckpointSelection.Test ? testAcc : valAcc) ?? double.NaN;
            if (selected >= bestAcc)
            {
                bestAcc = selected; bestEpoch = epoch;
                Checkpoint.Save(bestPath, net, info, Metadata(record, bestAcc, bestEpoch, best: true));
            }
            AppendLog(logPath, record);
            Checkpoint.Save(lastPath, net, info, Metadata(record, bestAcc, bestEpoch, best: false));
            SaveOptimizer(optimizer, optimPath);
        }
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

    private string SelectionLabel => options.Selection == CheckpointSelection.Test
        ? "best-by-test (the method's choice: chosen on the test split, so its test accuracy is optimistic)"
        : $"best-by-validation ({options.ValidationFraction:0.##} of the training split held out)";

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

    private EpochRecord TrainEpoch(SpikingNetwork net, TorchSharp.Modules.SGD optimizer, FrameSet data, int[] indices, int epoch,
        Func<Tensor, Tensor, Tensor> loss, RcsRegulariser rcs, double rcsAlpha, Device device, IProgress<TrainProgress>? progress, CancellationToken cancel)
    {
        net.train();
        bool useRcs = options.RcsAlpha > 0;
        foreach (var l in net.SpikingLayers) l.RecordResponse = useRcs;
        if (options.Dropout > 0)
        {
            net.SpikeDropoutSeed = options.Seed * 100_000L + epoch * 100L;
            net.SpikeDropout = options.Dropout;
        }
        var rng = new Random(unchecked(options.Seed + epoch));
        var order = (int[])indices.Clone();
        rng.Shuffle(order);
        int batches = (order.Length + options.BatchSize - 1) / options.BatchSize;
        double sumLoss = 0, sumTask = 0, sumRcs = 0; long correct = 0, seen = 0; int masked = 0, silent = 0;
        try
        {
            for (int b = 0; b < batches; b++)
            {
                cancel.ThrowIfCancellationRequested();
                var batch = order.AsSpan(b * options.BatchSize, Math.Min(options.BatchSize, order.Length - b * options.BatchSize)).ToArray();
                using var scope = torch.NewDisposeScope();
                var (x, y) = MakeBatch(data, batch, device, options.Augmentation, rng);
                var outputs = net.call(x);
                var task = loss(outputs, y);
                var total = task;
                if (useRcs)
                {
                    var responses = net.SpikingLayers.Select(l => l.TakeResponse() ?? throw new InvalidOperationException($"layer {l.Name} recorded no response")).ToList();
                    try
                    {
                        var r = rcs.Compute(responses, outputs, y);
                        total = TensorMath.Add(task, TensorMath.Scale(r.Loss, rcsAlpha));   // task + α·RCS
                        sumRcs += r.Loss.to_type(ScalarType.Float64).item<double>() * batch.Length;
                        masked += r.MaskedSamples; silent += r.SilentExclusions;
                        optimizer.zero_grad();
                        total.backward();
                    }
                    finally { foreach (var t in responses) t.Dispose(); }
                }
                else
                {
                    optimizer.zero_grad();
                    total.backward();
                }
                StableSgd.Step(optimizer);   // optimizer.step() makes temporary Scalars for every parameter
                sumLoss += total.to_type(ScalarType.Float64).item<double>() * batch.Length;
                sumTask += task.to_type(ScalarType.Float64).item<double>() * batch.Length;
                correct += outputs.detach().sum(new long[] { 0 }).argmax(1).eq(y).sum().item<long>();
                seen += batch.Length;
                progress?.Report(new TrainProgress(epoch, options.Epochs, "train", b + 1, batches, sumLoss / seen, (double)correct / seen));
            }
        }
        finally
        {
            foreach (var l in net.SpikingLayers) l.RecordResponse = false;
            net.SpikeDropout = 0;
        }
        return new EpochRecord(epoch, 0, sumLoss / Math.Max(1, seen), sumTask / Math.Max(1, seen), sumRcs / Math.Max(1, seen),
            (double)correct / Math.Max(1, seen), null, null, 0, masked, silent);
    }

    /// <summary>Accuracy of the accumulated output at T (<c>argmax Σ_t O(t)</c>) over <paramref name="indices"/> of <paramref name="data"/>, in eval mode.</summary>
    public static double Accuracy(SpikingNetwork net, FrameSet data, int[] indices, Device device, int batchSize = 32)
        => Accuracy(net, data, indices, device, 0, "evaluate", null, default, batchSize);

    private static double Accuracy(SpikingNetwork net, FrameSet data, int[] indices, Device device, int epoch, string phase,
        IProgress<TrainProgress>? progress, CancellationToken cancel, int batchSize = 32)
    {
        if (indices.Length == 0) return double.NaN;
        net.eval();
        long correct = 0;
        int batches = (indices.Length + batchSize - 1) / batchSize;
        using var noGrad = torch.no_grad();
        for (int b = 0; b < batches; b++)
        {
            cancel.ThrowIfCancellationRequested();
            var batch = indices.AsSpan(b * batchSize, Math.Min(batchSize, indices.Length - b * batchSize)).ToArray();
            using var scope = torch.NewDisposeScope();
            var (x, y) = MakeBatch(data, batch, device, null, null);
            correct += net.call(x).sum(new long[] { 0 }).argmax(1).eq(y).sum().item<long>();
            progress?.Report(new TrainProgress(epoch, 0, phase, b + 1, batches, double.NaN, (double)correct / Math.Min(indices.Length, (b + 1) * batchSize)));
        }
        return (double)correct / indices.Length;
    }

    /// <summary>Stacks samples into <c>x [T, N, 2, H, W]</c> (time leading, METHOD.md §1) and labels <c>[N]</c> on <paramref name="device"/>.</summary>
    public static (Tensor X, Tensor Y) MakeBatch(FrameSet data, int[] batch, Device device, RandomTranslation? augmentation, Random? rng)
    {
        int size = data.SampleSize;
        var buffer = new float[(long)batch.Length * size];
        var labels = new long[batch.Length];
        for (int i = 0; i < batch.Length; i++)
        {
            var span = buffer.AsSpan(i * size, size);
            data.CopySample(batch[i], span);
            if (augmentation is not null) augmentation.Apply(span, data.T, data.Channels, data.Height, data.Width, rng!);
            labels[i] = data.Labels[batch[i]];
        }
        using var cpu = torch.tensor(buffer, new long[] { batch.Length, data.T, data.Channels, data.Height, data.Width });
        var x = cpu.permute(1, 0, 2, 3, 4).contiguous().to(device);
        var y = torch.tensor(labels).to(device);
        return (x, y);
    }

    /// <summary>Stratified split of sample indices: about <paramref name="fraction"/> of each class goes to validation (seeded).</summary>
    public static (int[] Train, int[] Validation) SplitValidation(int[] labels, double fraction, int seed)
    {
        if (fraction <= 0) return (Enumerable.Range(0, labels.Length).ToArray(), []);
        var rng = new Random(seed);
        var train = new List<int>(); var val = new List<int>();
        foreach (var group in Enumerable.Range(0, labels.Length).GroupBy(i => labels[i]).OrderBy(g => g.Key))
        {
            var idx = group.ToArray();
            rng.Shuffle(idx);
            int nVal = idx.Length < 2 ? 0 : Math.Max(1, (int)Math.Round(idx.Length * fraction));
            val.AddRange(idx.Take(nVal)); train.AddRange(idx.Skip(nVal));
        }
        train.Sort(); val.Sort();
        return (train.ToArray(), val.ToArray());
    }

    // Records holding arrays compare by reference, so compare their JSON; stored per-layer thresholds are not settings.
    private static bool SameSettings(ModelInfo a, ModelInfo b)
    {
        static string Key(ModelInfo i) => JsonSerializer.Serialize(i with { Neuron = i.Neuron with { LayerThresholds = null } }, ProjectJson.Options);
        return Key(a) == Key(b);
    }

    private void CheckCompatible(FrameSet set, string what)
    {
        if (set.T != info.T || set.Height != info.Height || set.Width != info.Width || set.Channels != info.InputChannels)
            throw new ArgumentException($"{what} frames are {set.T}x{set.Channels}x{set.Height}x{set.Width}, the network expects {info.T}x{info.InputChannels}x{info.Height}x{info.Width}");
        if (set.ClassNames.Count != info.Classes)
            throw new ArgumentException($"{what} set has {set.ClassNames.Count} classes, the network {info.Classes}");
        if (set.Count == 0) throw new ArgumentException($"{what} set is empty");
    }

    private static void SaveOptimizer(TorchSharp.Modules.SGD optimizer, string path)
    {
        string tmp = path + ".tmp";
        optimizer.save_state_dict(tmp);
        File.Move(tmp, path, overwrite: true);
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
