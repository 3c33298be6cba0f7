using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace EventSnn.Model;

/// <summary>
/// Direct training of a spiking network with BPTT (METHOD.md §3.2, §6): the task loss (TET or mean output) over the
/// per-step outputs <c>O [T, N, K]</c> plus α·RCS over the spiking layers' responses, optional spike dropout, scores
/// <c>Σ_t O(t)</c>. The network is built from <see cref="ModelInfo"/> with <c>torch.manual_seed(Seed)</c>.
/// </summary>
public sealed class SpikingObjective : ITrainingObjective
{
    private readonly ModelInfo info;
    private readonly TrainOptions options;
    private readonly Func<Tensor, Tensor, Tensor> loss;
    private readonly RcsRegulariser rcs = new();

    /// <summary>Builds <c>info.Arch</c> (seeded with <see cref="TrainOptions.Seed"/>) for training with <paramref name="options"/>.</summary>
    public SpikingObjective(ModelInfo info, TrainOptions options)
    {
        info.Validate();
        options.Validate();
        this.info = info;
        this.options = options;
        loss = Losses.For(options.Loss);
        Net = TorchRandom.Seeded(options.Seed, () => Architectures.Create(info));
    }

    /// <summary>The spiking network.</summary>
    public SpikingNetwork Net { get; }

    /// <summary>What the network expects and is stored with.</summary>
    public ModelInfo Info => info;

    /// <inheritdoc/>
    public nn.Module Network => Net;

    /// <inheritdoc/>
    public int MinimumBatch => 1;

    /// <inheritdoc/>
    public void Initialise(IBatchSource train, Device device, TrainOptions options) { }

    /// <inheritdoc/>
    public void BeginEpoch(int epoch)
    {
        bool useRcs = options.RcsAlpha > 0;
        foreach (var l in Net.SpikingLayers) l.RecordResponse = useRcs;
        if (options.Dropout > 0)
        {
            Net.SpikeDropoutSeed = options.Seed * 100_000L + epoch * 100L;
            Net.SpikeDropout = options.Dropout;
        }
    }

    /// <inheritdoc/>
    public void EndEpoch()
    {
        foreach (var l in Net.SpikingLayers)
        {
            l.RecordResponse = false;
            l.TakeResponse()?.Dispose();
        }
        Net.SpikeDropout = 0;
    }

    /// <inheritdoc/>
    public ObjectiveLoss Loss(Tensor x, Tensor y)
    {
        var outputs = Net.call(x);
        var task = loss(outputs, y);
        var scores = outputs.detach().sum(new long[] { 0 });
        if (!(options.RcsAlpha > 0)) return new ObjectiveLoss(task, task, null, scores);
        var responses = Net.SpikingLayers.Select(l => l.TakeResponse() ?? throw new InvalidOperationException($"layer {l.Name} recorded no response")).ToList();
        try
        {
            var r = rcs.Compute(responses, outputs, y);
            var total = TensorMath.Add(task, TensorMath.Scale(r.Loss, options.RcsAlpha));   // task + α·RCS
            return new ObjectiveLoss(total, task, r.Loss, scores, r.MaskedSamples, r.SilentExclusions);
        }
        finally { foreach (var t in responses) t.Dispose(); }   // the autograd graph keeps what backward needs
    }

    /// <inheritdoc/>
    public Tensor Scores(Tensor x) => Net.call(x).sum(new long[] { 0 });

    /// <inheritdoc/>
    public void Save(string path, IReadOnlyDictionary<string, string> metadata) => Checkpoint.Save(path, Net, info, metadata);

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, string> Load(string path)
    {
        var stored = Checkpoint.ReadInfo(path);
        if (!SameSettings(stored, info))
            throw new InvalidOperationException($"{path} was trained with other settings ({stored.Arch}, T={stored.T}, {stored.Height}x{stored.Width}); use a new output folder or --no-resume");
        var metadata = Checkpoint.LoadWeights(path, Net, $"architecture '{info.Arch}'");
        // Converted or imported networks store per-layer thresholds; a directly trained one keeps the uniform θ.
        if (stored.Neuron.LayerThresholds is { } thresholds && thresholds.Length == Net.SpikingLayers.Count)
            for (int i = 0; i < thresholds.Length; i++) Net.SpikingLayers[i].Threshold = thresholds[i];
        return metadata;
    }

    // Records holding arrays compare by reference, so compare their JSON; stored per-layer thresholds are not settings.
    private static bool SameSettings(ModelInfo a, ModelInfo b)
    {
        static string Key(ModelInfo i) => JsonSerializer.Serialize(i with { Neuron = i.Neuron with { LayerThresholds = null } }, ProjectJson.Options);
        return Key(a) == Key(b);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Net.Dispose();
    }
}
