using System.Globalization;
using EventSnn.Datasets;
using TorchSharp;
using static TorchSharp.torch;

namespace EventSnn.Model.Conversion;

/// <summary>
/// ANN training for conversion (METHOD.md §3.3): <c>L = CE(f(x), y) + α·L_RCS</c> over the constrained activations'
/// ratios, on static frames <c>[N, C, H, W]</c>. With a threshold percentile, a fresh run first sets each layer's λ
/// (in forward order) to that percentile of its ReLU pre-activations on one training batch. The caller seeds and
/// builds the network and keeps owning it.
/// </summary>
public sealed class AnnObjective(ActivationNetwork network, double rcsAlpha = 0, double? thresholdPercentile = null) : ITrainingObjective
{
    private readonly List<AnnActivation> activations = network.Activations.OfType<AnnActivation>().ToList();
    private readonly AnnRcsRecorder recorder = new();

    /// <inheritdoc/>
    public nn.Module Network => network;

    /// <summary>BatchNorm cannot train on a single static sample.</summary>
    public int MinimumBatch => 2;

    /// <inheritdoc/>
    public void Initialise(IBatchSource train, Device device, TrainOptions options)
    {
        if (thresholdPercentile is not { } percentile) return;
        // One batch-statistics forward pass; each activation sets its λ before constraining, so later layers see
        // inputs shaped by the earlier layers' new λ.
        network.train();
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var order = Enumerable.Range(0, train.Count).ToArray();
        var first = new Random(options.Seed).GetItems(order, Math.Min(train.Count, Math.Max(options.BatchSize, 2)));
        var (x0, _) = train.Batch(first, null, device);
        foreach (var a in activations) a.InitialiseThresholdAtPercentile = percentile;
        network.forward(x0);
        foreach (var a in activations) a.InitialiseThresholdAtPercentile = null;
    }

    /// <inheritdoc/>
    public void BeginEpoch(int epoch)
    {
        recorder.Clear();
        foreach (var a in activations) a.Recorder = rcsAlpha > 0 ? recorder : null;
    }

    /// <inheritdoc/>
    public void EndEpoch()
    {
        foreach (var a in activations) a.Recorder = null;
        recorder.Clear();
    }

    /// <inheritdoc/>
    public ObjectiveLoss Loss(Tensor x, Tensor y)
    {
        recorder.Clear();
        var logits = network.forward(x);
        var task = nn.functional.cross_entropy(logits, y);
        if (!(rcsAlpha > 0)) return new ObjectiveLoss(task, task, null, logits.detach());
        var rcs = AnnRcs.Loss(recorder.Ratios, AnnRcs.CorrectMask(logits, y));
        recorder.Clear();
        return new ObjectiveLoss(TensorMath.AddScaled(task, rcs, rcsAlpha), task, rcs, logits.detach());
    }

    /// <inheritdoc/>
    public Tensor Scores(Tensor x) => network.forward(x);

    /// <inheritdoc/>
    public void Save(string path, IReadOnlyDictionary<string, string> metadata)
    {
        var stored = new Dictionary<string, string>(metadata) { ["network"] = SettingsKey };
        Checkpoint.SaveWeights(path, network, stored);
    }

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, string> Load(string path)
    {
        // The stored settings are compared before any weight is read, so another network is named as such.
        if (!Checkpoint.ReadMetadata(path).TryGetValue("network", out var stored) || stored != SettingsKey)
            throw new InvalidOperationException($"{path} was trained with other settings ({stored ?? "unknown network"}, not {SettingsKey}); use a new output folder or --no-resume");
        return Checkpoint.LoadWeights(path, network, $"{network.Arch} ({SettingsKey})");
    }

    /// <summary>Architecture, input and output shape and the activations (kind and levels): what a resumed run must match.</summary>
    public string SettingsKey
    {
        get
        {
            var s = network.Shape;
            string acts = string.Join(",", network.Activations.Select(a => a switch
            {
                QcfsActivation q => "qcfs" + q.Levels.ToString(CultureInfo.InvariantCulture),
                AnnActivation c => c.Kind,
                _ => a.GetType().Name,
            }).Distinct());
            return FormattableString.Invariant($"{network.Arch} {s.InputChannels}x{s.Height}x{s.Width}->{s.Classes} {acts}");
        }
    }

    /// <inheritdoc/>
    public void Dispose() { }

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
                var (x, _) = StaticFrameBatches.Stack(source, indices.AsSpan(start, n), sampleSize, null, device);
                var output = network.forward(x).to(CPU).contiguous();
                output.data<float>().CopyTo(logits.AsSpan(start * k, n * k));
                var arg = output.argmax(1).data<long>().ToArray();
                for (int i = 0; i < n; i++) predictions[start + i] = (int)arg[i];
            }
        }
        if (wasTraining) network.train();
        return predictions;
    }

    /// <summary>The device holding the network's first parameter (CPU for a parameterless network).</summary>
    public static Device DeviceOf(nn.Module network) => network.parameters().FirstOrDefault()?.device ?? CPU;
}
