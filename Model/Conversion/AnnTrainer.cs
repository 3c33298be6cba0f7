using System.Diagnostics;
using EventSnn.Datasets;
using TorchSharp;
using static TorchSharp.torch;

namespace EventSnn.Model.Conversion;

/// <summary>Settings of ANN training for conversion (defaults: METHOD.md §9, conversion rows).</summary>
public sealed record AnnTrainOptions
{
    public int Epochs { get; init; } = 300;
    public int BatchSize { get; init; } = 128;

    /// <summary>Initial learning rate; cosine-annealed to 0 over <see cref="Epochs"/>.</summary>
    public double LearningRate { get; init; } = 0.1;
    public double Momentum { get; init; } = 0.9;

    /// <summary>L2 weight decay on every parameter, thresholds λ included.</summary>
    public double WeightDecay { get; init; } = 5e-4;

    /// <summary>Weight α of the ANN RCS term; 0 trains without it (the baseline).</summary>
    public double RcsAlpha { get; init; }

    /// <summary>SGD (the method's) or Adam (handy for very short runs).</summary>
    public AnnOptimizer Optimizer { get; init; } = AnnOptimizer.Sgd;

    /// <summary>Seed of the shuffling and augmentation generator.</summary>
    public int Seed { get; init; } = 1200;

    /// <summary>Apply the training source's augmentation.</summary>
    public bool Augment { get; init; } = true;

    /// <summary>
    /// Null: every λ keeps its initial value (8 in the method). A percentile p: before the first epoch λ of each layer is
    /// set, in forward order, to the p-th percentile of its ReLU pre-activations on the first training batch.
    /// </summary>
    public double? ThresholdPercentile { get; init; }
}

/// <summary>What one training epoch achieved.</summary>
/// <param name="Epoch">1-based epoch.</param>
/// <param name="TaskLoss">Mean cross-entropy over the epoch's batches.</param>
/// <param name="RcsLoss">Mean L_RCS over the batches (0 when α = 0).</param>
/// <param name="TrainAccuracy">Accuracy on the (augmented) training batches, fraction.</param>
/// <param name="TestAccuracy">Accuracy on the test source after the epoch, or null without one.</param>
/// <param name="Elapsed">Wall time of the epoch.</param>
public sealed record AnnEpochReport(int Epoch, double TaskLoss, double RcsLoss, double TrainAccuracy, double? TestAccuracy, TimeSpan Elapsed);

/// <summary>
/// Trains an ANN with activation constraints for conversion: <c>L = CE(f(x), y) + α·L_RCS</c> (METHOD.md §3.3),
/// SGD with momentum and cosine annealing. Runs on the network's device; one thread drives it.
/// </summary>
public static class AnnTrainer
{
    public static IReadOnlyList<AnnEpochReport> Train(
        ActivationNetwork network, IStaticFrameSource train, IStaticFrameSource? test, AnnTrainOptions options,
        IProgress<AnnEpochReport>? progress = null, CancellationToken cancellation = default)
    {
        if (options.Epochs < 0 || options.BatchSize < 1) throw new ArgumentException("epochs must be ≥ 0 and batch size ≥ 1");
        if (train.Count == 0) throw new ArgumentException("the training source is empty");
        var device = DeviceOf(network);
        var activations = network.Activations.OfType<AnnActivation>().ToList();
        var parameters = network.parameters().Where(p => p.requires_grad).ToList();
        using var optimizer = options.Optimizer switch
        {
            AnnOptimizer.Sgd => (optim.Optimizer)optim.SGD(parameters, options.LearningRate, options.Momentum, weight_decay: options.WeightDecay),
            AnnOptimizer.Adam => optim.Adam(parameters, options.LearningRate, weight_decay: options.WeightDecay),
            _ => throw new ArgumentException($"unknown optimizer '{options.Optimizer.Name()}' (sgd, adam)"),
        };
        var schedule = optim.lr_scheduler.CosineAnnealingLR(optimizer, Math.Max(1, options.Epochs), 0);
        var rng = new Random(options.Seed);
        var recorder = new AnnRcsRecorder();
        var buffer = new float[options.BatchSize * train.Channels * train.Height * train.Width];
        var history = new List<AnnEpochReport>();
        int sampleSize = train.Channels * train.Height * train.Width;
        var order = Enumerable.Range(0, train.Count).ToArray();
        if (options.ThresholdPercentile is { } percentile && options.Epochs > 0)
        {
            // One batch-statistics forward pass; each activation sets its λ before constraining, so later layers see
            // inputs shaped by the earlier layers' new λ.
            network.train();
            using var noGrad = torch.no_grad();
            using var scope = torch.NewDisposeScope();
            var first = new Random(options.Seed).GetItems(order, Math.Min(train.Count, Math.Max(options.BatchSize, 2)));
            var (x0, _) = Batch(train, first, sampleSize, null, device);
            foreach (var a in activations) a.InitialiseThresholdAtPercentile = percentile;
            network.forward(x0);
            foreach (var a in activations) a.InitialiseThresholdAtPercentile = null;
        }
        for (int epoch = 1; epoch <= options.Epochs; epoch++)
        {
            var clock = Stopwatch.StartNew();
            network.train();
            rng.Shuffle(order);
            double taskSum = 0, rcsSum = 0;
            long correct = 0, seen = 0;
            int batches = 0;
            foreach (var attach in activations) attach.Recorder = options.RcsAlpha > 0 ? recorder : null;
            try
            {
                for (int start = 0; start < order.Length; start += options.BatchSize)
                {
                    cancellation.ThrowIfCancellationRequested();
                    int n = Math.Min(options.BatchSize, order.Length - start);
                    if (n < 2 && start > 0) break; // BatchNorm cannot train on a single sample
                    using var scope = torch.NewDisposeScope();
                    var (x, y) = Batch(train, order.AsSpan(start, n), sampleSize, options.Augment ? rng : null, device, buffer);
                    optimizer.zero_grad();
                    recorder.Clear();
                    var logits = network.forward(x);
                    var task = nn.functional.cross_entropy(logits, y);
                    var loss = task;
                    if (options.RcsAlpha > 0)
                    {
                        var rcs = AnnRcs.Loss(recorder.Ratios, AnnRcs.CorrectMask(logits, y));
                        loss = TensorMath.AddScaled(task, rcs, options.RcsAlpha);
                        rcsSum += rcs.item<float>();
                    }
                    loss.backward();
                    // SGD.step() makes temporary Scalars for every parameter; StableSgd does the same update without them.
                    if (optimizer is TorchSharp.Modules.SGD sgd) StableSgd.Step(sgd);
                    else optimizer.step();
                    recorder.Clear();
                    taskSum += task.item<float>();
                    correct += logits.argmax(1).eq(y).sum().item<long>();
                    seen += n;
                    batches++;
                }
            }
            finally
            {
                foreach (var attach in activations) attach.Recorder = null;
                recorder.Clear();
            }
            schedule.step();
            double? testAccuracy = test is null ? null : Accuracy(network, test);
            var report = new AnnEpochReport(epoch, taskSum / Math.Max(1, batches), rcsSum / Math.Max(1, batches),
                seen == 0 ? 0 : (double)correct / seen, testAccuracy, clock.Elapsed);
            history.Add(report);
            progress?.Report(report);
        }
        network.eval();
        return history;
    }

    /// <summary>Top-1 accuracy of the ANN (evaluation mode) on a source, fraction in [0, 1].</summary>
    public static double Accuracy(ActivationNetwork network, IStaticFrameSource source, int batchSize = 256)
    {
        if (source.Count == 0) return 0;
        var predictions = Predict(network, source, batchSize, out _);
        int correct = 0;
        for (int i = 0; i < predictions.Length; i++) if (predictions[i] == source.Label(i)) correct++;
        return (double)correct / source.Count;
    }

    /// <summary>Arg-max class of every sample, and all logits [N·K] row-major, in evaluation mode.</summary>
    public static int[] Predict(ActivationNetwork network, IStaticFrameSource source, int batchSize, out float[] logits)
    {
        var device = DeviceOf(network);
        bool wasTraining = network.training;
        network.eval();
        int k = network.Shape.Classes;
        var predictions = new int[source.Count];
        logits = new float[(long)source.Count * k];
        int sampleSize = source.Channels * source.Height * source.Width;
        var indices = Enumerable.Range(0, source.Count).ToArray();
        using (torch.no_grad())
        {
            for (int start = 0; start < source.Count; start += batchSize)
            {
                int n = Math.Min(batchSize, source.Count - start);
                using var scope = torch.NewDisposeScope();
                var (x, _) = Batch(source, indices.AsSpan(start, n), sampleSize, null, device);
                var output = network.forward(x).to(CPU).contiguous();
                output.data<float>().CopyTo(logits.AsSpan(start * k, n * k));
                var arg = output.argmax(1).data<long>().ToArray();
                for (int i = 0; i < n; i++) predictions[start + i] = (int)arg[i];
            }
        }
        if (wasTraining) network.train();
        return predictions;
    }

    /// <summary>Stacks the given samples into x [n, C, H, W] and labels [n] on <paramref name="device"/>.</summary>
    public static (Tensor X, Tensor Y) Batch(IStaticFrameSource source, ReadOnlySpan<int> indices, int sampleSize, Random? augment, Device device,
        float[]? buffer = null)
    {
        // A reused buffer keeps large per-batch arrays off the large-object heap (fewer full GCs).
        var data = buffer is not null && buffer.Length == indices.Length * sampleSize ? buffer : new float[indices.Length * sampleSize];
        var labels = new long[indices.Length];
        for (int i = 0; i < indices.Length; i++)
        {
            source.CopySample(indices[i], data.AsSpan(i * sampleSize, sampleSize), augment);
            labels[i] = source.Label(indices[i]);
        }
        // torch.tensor copies the array, so the buffer can be refilled for the next batch.
        var x = torch.tensor(data, new long[] { indices.Length, source.Channels, source.Height, source.Width }).to(device);
        var y = torch.tensor(labels).to(device);
        return (x, y);
    }

    /// <summary>The device holding the network's first parameter (CPU for a parameterless network).</summary>
    public static Device DeviceOf(nn.Module network) => network.parameters().FirstOrDefault()?.device ?? CPU;
}
