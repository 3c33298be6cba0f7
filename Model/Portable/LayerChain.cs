using TorchSharp;
using static TorchSharp.torch;

namespace EventSnn.Model;

/// <summary>
/// Architecture <c>"layers"</c>: a <see cref="SequentialSpikingNetwork"/> built from the <see cref="ModelInfo.Layers"/>
/// list of its checkpoint (networks imported from NIR). Layer names are <c>{index}_{kind}</c> as in
/// <see cref="NetworkBuilder"/>; shapes are checked layer by layer from the input <c>C×H×W</c> to <c>K</c> outputs.
/// </summary>
public static class LayerChain
{
    /// <summary>The architecture name.</summary>
    public const string ArchName = "layers";

    /// <summary>Builds the chain of <paramref name="info"/> (weights at their initial values).</summary>
    /// <exception cref="ArgumentException">The list is missing, a layer is invalid, or the shapes do not chain.</exception>
    public static SequentialSpikingNetwork Build(ModelInfo info)
    {
        var specs = info.Layers ?? throw new ArgumentException($"architecture '{ArchName}' needs a layer list");
        var modules = new List<nn.Module<Tensor, Tensor>>();
        long[] shape = [info.InputChannels, info.Height, info.Width];
        int spiking = 0;
        for (int i = 0; i < specs.Length; i++)
        {
            var s = specs[i];
            s.Validate();
            string name = $"{i}_{s.Kind}";
            string where = $"layer {i} ({s.Kind})";
            switch (s.Kind)
            {
                case "conv":
                    if (shape.Length != 3 || shape[0] != s.In) throw new ArgumentException($"{where}: expects {s.In} input channels, gets [{string.Join(", ", shape)}]");
                    var conv = nn.Conv2d(s.In, s.Out, (s.Kernel![0], s.Kernel[1]), stride: (s.Stride![0], s.Stride[1]), padding: (s.Padding![0], s.Padding[1]), bias: s.Bias);
                    modules.Add(new TimeDistributed(name, conv));
                    shape = [s.Out, Spatial(shape[1], s, 0, where), Spatial(shape[2], s, 1, where)];
                    break;
                case "fc":
                    if (shape.Length != 1 || shape[0] != s.In) throw new ArgumentException($"{where}: expects {s.In} features, gets [{string.Join(", ", shape)}]");
                    modules.Add(new TimeDistributed(name, nn.Linear(s.In, s.Out, hasBias: s.Bias)));
                    shape = [s.Out];
                    break;
                case "maxpool" or "avgpool" or "sumpool":
                    if (shape.Length != 3) throw new ArgumentException($"{where}: needs a C×H×W input, gets [{string.Join(", ", shape)}]");
                    nn.Module<Tensor, Tensor> pool = s.Kind == "maxpool"
                        ? nn.MaxPool2d(s.Kernel!, s.Stride, s.Padding)
                        : nn.AvgPool2d(s.Kernel!, s.Stride, s.Padding, divisor_override: s.Kind == "sumpool" ? 1 : null);
                    modules.Add(new TimeDistributed(name, pool));
                    shape = [shape[0], Spatial(shape[1], s, 0, where), Spatial(shape[2], s, 1, where)];
                    break;
                case "flatten":
                    modules.Add(new TimeDistributed(name, nn.Flatten()));
                    shape = [shape.Aggregate(1L, (a, b) => a * b)];
                    break;
                case "threshold":
                    modules.Add(new TimeDistributed(name, new ThresholdLayer("threshold", s.Threshold)));
                    break;
                case "scale":
                    if (s.Shape!.Length > shape.Length) throw new ArgumentException($"{where}: factor shape [{string.Join(", ", s.Shape)}] has more dimensions than its input [{string.Join(", ", shape)}]");
                    modules.Add(new TimeDistributed(name, new ScaleLayer("scale", s.Shape)));
                    break;
                case "lif":
                    double threshold = info.Neuron.LayerThresholds is { } lt && spiking < lt.Length ? lt[spiking] : s.Threshold;
                    modules.Add(new LifNeuron(name, threshold, s.Tau, s.Reset == NeuronReset.Soft, info.Neuron.SurrogateWidth, s.InitialMembrane));
                    spiking++;
                    break;
            }
        }
        if (shape.Length != 1 || shape[0] != info.Classes)
            throw new ArgumentException($"layer list ends with [{string.Join(", ", shape)}] outputs, expected [{info.Classes}]");
        if (info.Neuron.LayerThresholds is { } all && all.Length != spiking)
            throw new ArgumentException($"{all.Length} layer thresholds for {spiking} spiking layers");
        return new SequentialSpikingNetwork(ArchName, modules, info.Classes);
    }

    private static long Spatial(long size, LayerSpec s, int axis, string where)
    {
        long o = (size + 2 * s.Padding![axis] - s.Kernel![axis]) / s.Stride![axis] + 1;
        if (o < 1) throw new ArgumentException($"{where}: input of size {size} is too small for kernel {s.Kernel[axis]}");
        return o;
    }
}
