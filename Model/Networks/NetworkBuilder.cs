using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace EventSnn.Model;

/// <summary>
/// Builds a <see cref="SequentialSpikingNetwork"/> layer by layer while tracking the feature-map shape,
/// so architectures work for any input size. Convolutions get Kaiming-normal init (fan_out, ReLU), as in
/// the method's code (METHOD.md §7).
/// </summary>
public sealed class NetworkBuilder
{
    private readonly List<nn.Module<Tensor, Tensor>> layers = new();
    private readonly ModelInfo info;
    private int spikingCount;

    /// <summary>Starts at the input of <paramref name="info"/> (<c>C×H×W</c>).</summary>
    public NetworkBuilder(ModelInfo info)
    {
        this.info = info;
        Channels = info.InputChannels; Height = info.Height; Width = info.Width;
    }

    /// <summary>Current channels (or features after <see cref="Flatten"/>).</summary>
    public long Channels { get; private set; }

    /// <summary>Current height (1 after flatten).</summary>
    public long Height { get; private set; }

    /// <summary>Current width (1 after flatten).</summary>
    public long Width { get; private set; }

    private string Next(string kind) => $"{layers.Count}_{kind}";

    /// <summary>Conv2d → BN (or TEBN) → spiking neuron ("CBL").</summary>
    public NetworkBuilder ConvBnSpike(long outChannels, long kernel = 3, long stride = 1, long padding = 1)
    {
        var conv = nn.Conv2d(Channels, outChannels, kernel, stride: stride, padding: padding, bias: true);
        nn.init.kaiming_normal_(conv.weight, mode: nn.init.FanInOut.FanOut, nonlinearity: nn.init.NonlinearityType.ReLU);
        if (conv.bias is not null) nn.init.zeros_(conv.bias);
        layers.Add(new TimeDistributed(Next("conv"), conv));
        Height = (Height + 2 * padding - kernel) / stride + 1;
        Width = (Width + 2 * padding - kernel) / stride + 1;
        if (Height < 1 || Width < 1) throw new ArgumentException($"input {info.Height}x{info.Width} is too small for architecture '{info.Arch}'");
        Channels = outChannels;
        if (info.Tebn) layers.Add(new TemporalEffectiveBatchNorm(Next("tebn"), outChannels, info.T));
        else layers.Add(new TimeDistributed(Next("bn"), nn.BatchNorm2d(outChannels)));
        return Spike();
    }

    /// <summary>2×2 max pooling; skipped when the map is already smaller than 2 in a dimension (small inputs).</summary>
    public NetworkBuilder MaxPool2() => Pool(max: true);

    /// <summary>2×2 average pooling; skipped when the map is already smaller than 2 in a dimension (small inputs).</summary>
    public NetworkBuilder AvgPool2() => Pool(max: false);

    private NetworkBuilder Pool(bool max)
    {
        if (Height < 2 || Width < 2) return this;
        nn.Module<Tensor, Tensor> pool = max ? nn.MaxPool2d(2, 2) : nn.AvgPool2d(2, 2);
        layers.Add(new TimeDistributed(Next(max ? "maxpool" : "avgpool"), pool));
        Height /= 2; Width /= 2;
        return this;
    }

    /// <summary>Flattens <c>C×H×W</c> to features.</summary>
    public NetworkBuilder Flatten()
    {
        layers.Add(new TimeDistributed(Next("flatten"), nn.Flatten()));
        Channels = Channels * Height * Width; Height = 1; Width = 1;
        return this;
    }

    /// <summary>Linear layer (bias added at every timestep).</summary>
    public NetworkBuilder Linear(long outFeatures)
    {
        layers.Add(new TimeDistributed(Next("fc"), nn.Linear(Channels, outFeatures)));
        Channels = outFeatures;
        return this;
    }

    /// <summary>BatchNorm1d over features (statistics over T·N).</summary>
    public NetworkBuilder BatchNorm1d()
    {
        layers.Add(new TimeDistributed(Next("bn1d"), nn.BatchNorm1d(Channels)));
        return this;
    }

    /// <summary>A spiking neuron layer built from <see cref="ModelInfo.Neuron"/> (per-layer λ when given).</summary>
    public NetworkBuilder Spike()
    {
        var s = info.Neuron;
        double threshold = s.LayerThresholds is { } lt && spikingCount < lt.Length ? lt[spikingCount] : s.Threshold;
        string name = Next(s.Kind.Name());
        SpikingNeuron neuron = s.Kind == NeuronKind.If
            ? new IfNeuron(name, threshold, s.SurrogateWidth, s.InitialMembrane)
            : new LifNeuron(name, threshold, s.Tau, s.Reset == NeuronReset.Soft, s.SurrogateWidth, s.InitialMembrane);
        layers.Add(neuron);
        spikingCount++;
        return this;
    }

    /// <summary>Adds any module that implements <see cref="ITemporalLayer"/>.</summary>
    public NetworkBuilder Add(nn.Module<Tensor, Tensor> layer)
    {
        if (layer is not ITemporalLayer) throw new ArgumentException("layer must implement ITemporalLayer");
        layers.Add(layer);
        if (layer is ISpikingLayer) spikingCount++;
        return this;
    }

    /// <summary>Finishes the network; the current feature count must equal the number of classes.</summary>
    public SequentialSpikingNetwork Build()
    {
        if (Channels != info.Classes || Height != 1 || Width != 1)
            throw new InvalidOperationException($"network ends with {Channels}x{Height}x{Width} outputs, expected {info.Classes}");
        if (info.Neuron.LayerThresholds is { } lt && lt.Length != spikingCount)
            throw new ArgumentException($"{lt.Length} layer thresholds for {spikingCount} spiking layers");
        return new SequentialSpikingNetwork(info.Arch, layers, info.Classes);
    }
}
