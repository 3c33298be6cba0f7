using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace EventSnn.Model.Portable;

/// <summary>One operation of a <see cref="PortableNetwork"/>: the layers it came from and the sample shape it produces.</summary>
/// <param name="Kind">"conv", "fc", "neuron", "maxpool", "avgpool", "sumpool", "flatten", "threshold", "scale", or "stepscale" (TEBN's per-step
/// scale <c>p[min(t, T−1)]</c> after its BatchNorm was folded into the convolution; <see cref="PortableOp.Factors"/> holds p).</param>
/// <param name="Name">Name of the (first) network layer it came from.</param>
/// <param name="Sources">Every network layer folded into it (e.g. a convolution and its BatchNorm).</param>
/// <param name="InputShape">Shape of one sample's input (no batch dimension).</param>
/// <param name="OutputShape">Shape of one sample's output.</param>
public sealed record PortableOp(string Kind, string Name, string[] Sources, long[] InputShape, long[] OutputShape)
{
    /// <summary>conv/fc weight (row-major, <c>[out, in, kh, kw]</c> or <c>[out, in]</c>), BatchNorm folded in.</summary>
    public float[]? Weight { get; init; }

    /// <summary>conv/fc bias <c>[out]</c> (zeros when the layer has none but a BatchNorm was folded in); null = none.</summary>
    public float[]? Bias { get; init; }

    /// <summary>conv/pool kernel, stride and padding [height, width].</summary>
    public long[] Kernel { get; init; } = [];

    /// <inheritdoc cref="Kernel"/>
    public long[] Stride { get; init; } = [];

    /// <inheritdoc cref="Kernel"/>
    public long[] Padding { get; init; } = [];

    /// <summary>neuron: threshold θ (output θ·s); threshold: the step's level.</summary>
    public double Threshold { get; init; }

    /// <summary>neuron: decay factor τ per step (1 = IF).</summary>
    public double Tau { get; init; }

    /// <summary>neuron: reset by subtraction.</summary>
    public bool SoftReset { get; init; }

    /// <summary>neuron: membrane at the start of a sample, membrane units (InitialMembrane·θ).</summary>
    public double InitialMembrane { get; init; }

    /// <summary>scale: factors, shape <see cref="FactorShape"/>.</summary>
    public float[]? Factors { get; init; }

    /// <summary>scale: shape of <see cref="Factors"/>.</summary>
    public long[] FactorShape { get; init; } = [];

    /// <summary>True when every output value is 0 or 1 (spikes of θ = 1, thresholds, max pooling of those).</summary>
    public bool BinaryOutput { get; init; }

    /// <summary>Number of elements of one sample's output.</summary>
    public long OutputElements => OutputShape.Aggregate(1L, (a, b) => a * b);
}

/// <summary>
/// A <see cref="SequentialSpikingNetwork"/> as a flat list of framework-free operations with every BatchNorm folded
/// into the convolution or linear layer before it — what the NIR and ONNX exporters write (a TEBN's BatchNorm is folded
/// too, leaving its per-step scale, which only ONNX carries). Layers nothing portable can express (networks that are not
/// a chain of layers, grouped or dilated convolutions, …) are refused by name.
/// </summary>
public sealed class PortableNetwork
{
    private PortableNetwork(ModelInfo info, List<PortableOp> ops)
    {
        Info = info;
        Ops = ops;
    }

    /// <summary>The checkpoint's model description.</summary>
    public ModelInfo Info { get; }

    /// <summary>Operations in forward order.</summary>
    public IReadOnlyList<PortableOp> Ops { get; }

    /// <summary>Input sample shape <c>[C, H, W]</c>.</summary>
    public long[] InputShape => [Info.InputChannels, Info.Height, Info.Width];

    /// <summary>Reads the layers of <paramref name="net"/> (in evaluation semantics: BatchNorm running statistics).</summary>
    /// <exception cref="PortableFormatException">A layer has no portable form (names it).</exception>
    public static PortableNetwork From(SpikingNetwork net, ModelInfo info)
    {
        if (net is not SequentialSpikingNetwork seq)
            throw new PortableFormatException(info.Arch, $"architecture '{info.Arch}' ({net.GetType().Name}) is not a chain of layers; only chains are exported");
        var layers = seq.Layers;
        var ops = new List<PortableOp>();
        long[] shape = [info.InputChannels, info.Height, info.Width];
        bool binary = false;
        for (int i = 0; i < layers.Count; i++)
        {
            var layer = layers[i];
            string name = layer.GetName();
            var inner = (layer as TimeDistributed)?.Inner;
            BatchNorm? NextBatchNorm()
            {
                if (i + 1 < layers.Count && layers[i + 1] is TimeDistributed { Inner: BatchNorm bn }) { i++; return bn; }
                return null;
            }
            switch (inner ?? (object)layer)
            {
                case Conv2d conv:
                {
                    if (conv.groups != 1 || conv.dilation.Any(d => d != 1))
                        throw new PortableFormatException(name, $"layer '{name}': grouped or dilated convolutions are not exported");
                    if (conv.padding is null || conv.padding_mode != TorchSharp.PaddingModes.Zeros)
                        throw new PortableFormatException(name, $"layer '{name}': only numeric zero padding is exported");
                    if (shape.Length != 3 || shape[0] != conv.in_channels)
                        throw new PortableFormatException(name, $"layer '{name}': expects {conv.in_channels} channels, gets [{string.Join(", ", shape)}]");
                    var bn = NextBatchNorm();
                    var tebn = bn is null && i + 1 < layers.Count && layers[i + 1] is TemporalEffectiveBatchNorm te ? te : null;
                    if (tebn is not null) { i++; bn = tebn.BatchNorm; }
                    var (w, b) = Parameters(conv.weight, conv.bias, bn, name);
                    long[] k = Pair(conv.kernel_size), s = Pair(conv.stride), p = Pair(conv.padding);
                    long[] outShape = [conv.out_channels, (shape[1] + 2 * p[0] - k[0]) / s[0] + 1, (shape[2] + 2 * p[1] - k[1]) / s[1] + 1];
                    ops.Add(new PortableOp("conv", name, bn is null ? [name] : [name, layers[i].GetName()], shape, outShape)
                    { Weight = w, Bias = b, Kernel = k, Stride = s, Padding = p });
                    if (tebn is not null)
                        ops.Add(new PortableOp("stepscale", tebn.GetName(), [tebn.GetName()], outShape, outShape) { Factors = Floats(tebn.Scale), FactorShape = [tebn.Scale.shape[0]] });
                    shape = outShape; binary = false;
                    break;
                }
                case Linear lin:
                {
                    if (shape.Length != 1 || shape[0] != lin.in_features)
                        throw new PortableFormatException(name, $"layer '{name}': expects {lin.in_features} features, gets [{string.Join(", ", shape)}]");
                    var bn = NextBatchNorm();
                    var (w, b) = Parameters(lin.weight, lin.bias, bn, name);
                    long[] outShape = [lin.out_features];
                    ops.Add(new PortableOp("fc", name, bn is null ? [name] : [name, layers[i].GetName()], shape, outShape) { Weight = w, Bias = b });
                    shape = outShape; binary = false;
                    break;
                }
                case BatchNorm:
                    throw new PortableFormatException(name, $"layer '{name}': a BatchNorm that does not follow a convolution or linear layer cannot be folded");
                case TemporalEffectiveBatchNorm:
                    throw new PortableFormatException(name, $"layer '{name}': a TEBN that does not follow a convolution is not exported");
                case SpikingNeuron n:
                {
                    var op = new PortableOp("neuron", name, [name], shape, shape)
                    {
                        Threshold = n.Threshold, Tau = n.Tau, SoftReset = n.SoftReset, InitialMembrane = n.InitialMembrane * n.Threshold,
                        BinaryOutput = n.Threshold == 1.0,
                    };
                    ops.Add(op);
                    binary = op.BinaryOutput;
                    break;
                }
                case MaxPool2d mp:
                {
                    if (mp.ceil_mode || (mp.dilation is { } d && d.Any(x => x != 1)))
                        throw new PortableFormatException(name, $"layer '{name}': max pooling with ceil mode or dilation is not exported");
                    var (op, o) = Pool("maxpool", name, shape, mp.kernel_size, mp.stride, mp.padding);
                    ops.Add(op with { BinaryOutput = binary });
                    shape = o;
                    break;
                }
                case AvgPool2d ap:
                {
                    if (ap.ceil_mode) throw new PortableFormatException(name, $"layer '{name}': average pooling with ceil mode is not exported");
                    bool sum = ap.divisor_override == 1;
                    if (!sum && ap.divisor_override is not null) throw new PortableFormatException(name, $"layer '{name}': average pooling with divisor {ap.divisor_override} is not exported");
                    if (!sum && !ap.count_include_pad && (ap.padding ?? [0]).Any(x => x != 0))
                        throw new PortableFormatException(name, $"layer '{name}': average pooling that leaves padding out of the count is not exported");
                    var (op, o) = Pool(sum ? "sumpool" : "avgpool", name, shape, ap.kernel_size, ap.stride, ap.padding);
                    ops.Add(op);
                    shape = o; binary = false;
                    break;
                }
                case Flatten:
                {
                    long[] o = [shape.Aggregate(1L, (a, b) => a * b)];
                    ops.Add(new PortableOp("flatten", name, [name], shape, o) { BinaryOutput = binary });
                    shape = o;
                    break;
                }
                case ThresholdLayer th:
                    ops.Add(new PortableOp("threshold", name, [name], shape, shape) { Threshold = th.Value, BinaryOutput = true });
                    binary = true;
                    break;
                case ScaleLayer sc:
                    ops.Add(new PortableOp("scale", name, [name], shape, shape) { Factors = Floats(sc.Factors), FactorShape = sc.Factors.shape.ToArray() });
                    binary = false;
                    break;
                default:
                    throw new PortableFormatException(name, $"layer '{name}' ({(inner ?? layer).GetType().Name}) has no portable form");
            }
        }
        if (shape.Length != 1 || shape[0] != info.Classes)
            throw new PortableFormatException(info.Arch, $"network ends with [{string.Join(", ", shape)}], expected [{info.Classes}]");
        return new PortableNetwork(info, ops);
    }

    private static (PortableOp Op, long[] Shape) Pool(string kind, string name, long[] shape, long[] kernel, long[]? stride, long[]? padding)
    {
        if (shape.Length != 3) throw new PortableFormatException(name, $"layer '{name}': pooling needs a C×H×W input, gets [{string.Join(", ", shape)}]");
        long[] k = Pair(kernel), s = stride is null || stride.Length == 0 ? k : Pair(stride), p = Pair(padding ?? [0]);
        long[] o = [shape[0], (shape[1] + 2 * p[0] - k[0]) / s[0] + 1, (shape[2] + 2 * p[1] - k[1]) / s[1] + 1];
        return (new PortableOp(kind, name, [name], shape, o) { Kernel = k, Stride = s, Padding = p }, o);
    }

    /// <summary>Weights and bias of a layer, with the BatchNorm after it folded in (<see cref="FoldedNetwork.FoldBatchNorm"/>, the served network's folding).</summary>
    private static (float[] Weight, float[]? Bias) Parameters(Tensor weight, Tensor? bias, BatchNorm? bn, string name)
    {
        if (bn is null) return (Floats(weight), bias is null ? null : Floats(bias));
        var folded = FoldedNetwork.FoldBatchNorm(weight, bias, bn)
            ?? throw new PortableFormatException(name, $"layer '{name}': the BatchNorm after it keeps no running statistics to fold");
        using var w = folded.Weight;
        using var b = folded.Bias;
        return (Floats(w), Floats(b));
    }

    /// <summary>A tensor's values as a float32 array (copied to the CPU).</summary>
    public static float[] Floats(Tensor t)
    {
        using var scope = torch.NewDisposeScope();
        var c = t.detach().to(torch.CPU).to_type(ScalarType.Float32).contiguous();
        return c.data<float>().ToArray();
    }

    private static long[] Pair(long[] v) => v.Length == 1 ? [v[0], v[0]] : [v[0], v[1]];
}
