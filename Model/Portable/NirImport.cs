using System.Globalization;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace EventSnn.Model.Portable;

/// <summary>What <see cref="NirImport"/> built: the network, its model description and, per layer, the NIR nodes it came from.</summary>
public sealed record NirImportResult(SequentialSpikingNetwork Net, ModelInfo Info, List<(string Layer, string[] Nodes)> Mapping, double Dt);

/// <summary>
/// Builds an architecture <c>"layers"</c> network from a NIR graph written by this project or by other libraries
/// (snnTorch, Norse, SpikingJelly, Sinabs) for a feed-forward convolutional SNN: one <c>Input</c> [C, H, W], a chain of
/// <c>Conv2d</c>, <c>Affine</c>/<c>Linear</c>, <c>LIF</c>/<c>IF</c>, <c>SumPool2d</c>/<c>AvgPool2d</c>, <c>Flatten</c>,
/// <c>Threshold</c> and <c>Scale</c> nodes, one <c>Output</c>. Neurons are discretised by forward Euler for the time step
/// <c>dt</c> (the file's <c>metadata/dt</c>, else the caller's): decay <c>1 − dt/tau</c>, input gain <c>dt·r/tau</c> (LIF)
/// or <c>dt·r</c> (IF); the gain divided by <c>v_threshold</c> is folded into the layer before (or a scale layer), so
/// each neuron fires at 1 and emits 0/1 as NIR's do. Anything else — branches, recurrence, nested graphs, other node
/// types, non-zero <c>v_leak</c>/<c>v_reset</c>, per-neuron time constants — is refused with the node's name and type,
/// and nothing is built.
/// </summary>
public static class NirImport
{
    /// <summary>Builds the network of <paramref name="graph"/>.</summary>
    /// <param name="graph">The graph.</param>
    /// <param name="dt">Time step in seconds when the file has none (ignored when it has one).</param>
    /// <param name="timesteps">Timesteps T written to the model description.</param>
    /// <param name="dataset">Dataset name written to the model description ("" when unknown).</param>
    /// <exception cref="PortableFormatException">A node or structure that is not imported (names the node and its type).</exception>
    public static NirImportResult ToNetwork(NirGraph graph, double? dt, int timesteps = 16, string dataset = "")
    {
        var chain = Chain(graph);
        var input = chain[0];
        var inShape = input.Array("shape").AsLongs($"node '{input.Name}' shape");
        if (inShape.Length == 2) inShape = [1, inShape[0], inShape[1]];
        if (inShape.Length != 3 || inShape.Any(d => d < 1 || d > 1 << 16) || inShape[0] * inShape[1] * inShape[2] > NirFile.MaxElements)
            throw new PortableFormatException(input.Name, $"node '{input.Name}' (Input): shape [{string.Join(", ", inShape)}] is not a frame C×H×W");
        double? step = graph.Dt ?? dt;
        var specs = new List<LayerSpec>();
        var weights = new List<(int Layer, float[] W, float[]? B)>();
        var scales = new List<(int Layer, float[] F)>();
        var mapping = new List<(string, string[])>();
        long[] shape = inShape;
        bool binary = false;
        for (int i = 1; i < chain.Count - 1; i++)
        {
            var n = chain[i];
            switch (n.Type)
            {
                case "Conv2d":
                {
                    var w = n.Array("weight");
                    if (w.Shape.Length != 4) throw Refuse(n, $"weight has shape {w.ShapeText}, expected [out, in, kh, kw]");
                    if (shape.Length != 3 || shape[0] != w.Shape[1]) throw Refuse(n, $"weight takes {w.Shape[1]} channels, its input is [{string.Join(", ", shape)}]");
                    if (n.TryArray("groups") is { } groups && groups.Values.Any(v => v != 1)) throw Refuse(n, "grouped convolutions are not imported");
                    if (n.TryArray("dilation") is { } dil && dil.Values.Any(v => v != 1)) throw Refuse(n, "dilated convolutions are not imported");
                    long[] k = [w.Shape[2], w.Shape[3]];
                    long[] s = Pair(n.TryArray("stride"), 1, n, "stride");
                    long[] p = n.Fields.GetValueOrDefault("padding") switch
                    {
                        "valid" => new long[] { 0, 0 },
                        "same" when s.All(x => x == 1) && k.All(x => x % 2 == 1) => [k[0] / 2, k[1] / 2],
                        string other => throw Refuse(n, $"padding '{other}' is not imported"),
                        _ => Pair(n.TryArray("padding"), 0, n, "padding"),
                    };
                    var b = n.TryArray("bias");
                    if (b is not null && b.Count != w.Shape[0] && b.Count != 1) throw Refuse(n, $"bias has {b.Count} values for {w.Shape[0]} channels");
                    specs.Add(new LayerSpec { Kind = "conv", In = w.Shape[1], Out = w.Shape[0], Kernel = k, Stride = s, Padding = p, Bias = true });
                    weights.Add((specs.Count - 1, Floats(w), BiasOf(b, w.Shape[0])));
                    shape = [w.Shape[0], (shape[1] + 2 * p[0] - k[0]) / s[0] + 1, (shape[2] + 2 * p[1] - k[1]) / s[1] + 1];
                    if (shape[1] < 1 || shape[2] < 1) throw Refuse(n, "its output would be empty");
                    mapping.Add(($"{specs.Count - 1}_conv", [n.Name]));
                    binary = false;
                    break;
                }
                case "Affine" or "Linear":
                {
                    var w = n.Array("weight");
                    if (w.Shape.Length != 2) throw Refuse(n, $"weight has shape {w.ShapeText}, expected [out, in]");
                    long features = shape.Aggregate(1L, (a, c) => a * c);
                    if (features != w.Shape[1]) throw Refuse(n, $"weight takes {w.Shape[1]} features, its input [{string.Join(", ", shape)}] has {features}");
                    if (shape.Length != 1)
                    {
                        specs.Add(new LayerSpec { Kind = "flatten" });
                        mapping.Add(($"{specs.Count - 1}_flatten", [n.Name]));
                    }
                    var b = n.Type == "Affine" ? n.Array("bias") : null;
                    if (b is not null && b.Count != w.Shape[0]) throw Refuse(n, $"bias has {b.Count} values for {w.Shape[0]} outputs");
                    specs.Add(new LayerSpec { Kind = "fc", In = w.Shape[1], Out = w.Shape[0], Bias = true });
                    weights.Add((specs.Count - 1, Floats(w), BiasOf(b, w.Shape[0])));
                    mapping.Add(($"{specs.Count - 1}_fc", [n.Name]));
                    shape = [w.Shape[0]];
                    binary = false;
                    break;
                }
                case "LIF" or "IF":
                {
                    if (step is not double h) throw Refuse(n, "the file states no dt (metadata/dt): give the time step with --dt");
                    long count = shape.Aggregate(1L, (a, c) => a * c);
                    double[] r = Expand(n.Array("r"), shape, n, "r");
                    double[] th = Expand(n.Array("v_threshold"), shape, n, "v_threshold");
                    double[] reset = n.TryArray("v_reset") is { } vr ? Expand(vr, shape, n, "v_reset") : new double[count];
                    if (reset.Any(v => v != 0)) throw Refuse(n, "v_reset ≠ 0 is not imported (neurons reset to 0)");
                    double[] tau = n.Type == "LIF" ? Expand(n.Array("tau"), shape, n, "tau") : Enumerable.Repeat(double.PositiveInfinity, (int)count).ToArray();
                    if (n.Type == "LIF" && Expand(n.Array("v_leak"), shape, n, "v_leak").Any(v => v != 0)) throw Refuse(n, "v_leak ≠ 0 is not imported (leak towards 0 only)");
                    if (th.Any(v => !(v > 0))) throw Refuse(n, "v_threshold must be > 0");
                    if (tau.Any(v => !(v > 0))) throw Refuse(n, "tau must be > 0");
                    // Forward Euler at dt h: v ← (1 − h/τ)·v + (h·r/τ)·x  (IF: v ← v + h·r·x).
                    float decay = (float)(n.Type == "LIF" ? 1.0 - h / tau[0] : 1.0);
                    for (long j = 1; j < count; j++)
                        if ((float)(1.0 - h / tau[j]) != decay) throw Refuse(n, "per-neuron time constants are not imported (every neuron of a layer decays alike here)");
                    if (!(decay >= 0 && decay <= 1)) throw Refuse(n, $"dt = {h.ToString(CultureInfo.InvariantCulture)} s and tau = {tau[0].ToString(CultureInfo.InvariantCulture)} s give a decay {decay} outside [0, 1]; give the file's time step with --dt");
                    var gain = new float[count];
                    for (long j = 0; j < count; j++) gain[j] = (float)(n.Type == "LIF" ? h * r[j] / tau[j] : h * r[j]);
                    // This project's own export: unit gain, uniform θ, then a Scale of θ (its output θ·s).
                    var next = i + 1 < chain.Count - 1 ? chain[i + 1] : null;
                    double theta0 = th[0];
                    if (gain.All(v => v == 1f) && th.All(v => v == theta0) && theta0 != 1.0 && next is { Type: "Scale" }
                        && Expand(next.Array("scale"), shape, next, "scale").All(v => v == theta0))
                    {
                        specs.Add(new LayerSpec { Kind = "lif", Threshold = theta0, Tau = decay, Reset = NeuronReset.Hard });
                        mapping.Add(($"{specs.Count - 1}_lif", [n.Name, next.Name]));
                        i++;
                        binary = false;
                        break;
                    }
                    var factor = new float[count];
                    for (long j = 0; j < count; j++) factor[j] = (float)(gain[j] / th[j]);
                    var names = new List<string> { n.Name };
                    if (factor.Any(v => v != 1f))
                    {
                        if (!FoldInto(specs, weights, shape, factor))
                        {
                            specs.Add(new LayerSpec { Kind = "scale", Shape = shape });
                            scales.Add((specs.Count - 1, factor));
                            mapping.Add(($"{specs.Count - 1}_scale", [n.Name]));
                        }
                    }
                    specs.Add(new LayerSpec { Kind = "lif", Threshold = 1.0, Tau = decay, Reset = NeuronReset.Hard });
                    mapping.Add(($"{specs.Count - 1}_lif", names.ToArray()));
                    binary = true;
                    break;
                }
                case "SumPool2d" or "AvgPool2d":
                {
                    if (shape.Length != 3) throw Refuse(n, $"pooling needs a C×H×W input, gets [{string.Join(", ", shape)}]");
                    long[] k = Pair(n.Array("kernel_size"), 1, n, "kernel_size");
                    long[] s = Pair(n.TryArray("stride"), 0, n, "stride");
                    if (s.All(x => x == 0)) s = k;
                    long[] p = Pair(n.TryArray("padding"), 0, n, "padding");
                    var next = i + 1 < chain.Count - 1 ? chain[i + 1] : null;
                    string kind = n.Type == "AvgPool2d" ? "avgpool" : "sumpool";
                    var names = new List<string> { n.Name };
                    if (kind == "sumpool" && binary && next is { Type: "Threshold" } && next.Array("threshold").Values.All(v => v >= 0 && v < 1))
                    {
                        // Sum of 0/1 spikes above a level in [0, 1): max pooling, exactly.
                        kind = "maxpool";
                        names.Add(next.Name);
                        i++;
                    }
                    specs.Add(new LayerSpec { Kind = kind, Kernel = k, Stride = s, Padding = p });
                    mapping.Add(($"{specs.Count - 1}_{kind}", names.ToArray()));
                    shape = [shape[0], (shape[1] + 2 * p[0] - k[0]) / s[0] + 1, (shape[2] + 2 * p[1] - k[1]) / s[1] + 1];
                    if (shape[1] < 1 || shape[2] < 1) throw Refuse(n, "its output would be empty");
                    binary = kind == "maxpool" && binary;
                    break;
                }
                case "Flatten":
                {
                    long start = n.TryArray("start_dim") is { } sd ? (long)sd.Values[0] : 0;
                    long end = n.TryArray("end_dim") is { } ed ? (long)ed.Values[0] : -1;
                    // NIR shapes have no batch dimension (start 0); exporters that follow PyTorch write start 1.
                    if (start is not (0 or 1) || (end != -1 && end != shape.Length - 1 && end != shape.Length))
                        throw Refuse(n, $"flattening dims {start}..{end} of [{string.Join(", ", shape)}] is not a flatten of the whole sample");
                    if (shape.Length != 1)
                    {
                        specs.Add(new LayerSpec { Kind = "flatten" });
                        mapping.Add(($"{specs.Count - 1}_flatten", [n.Name]));
                        shape = [shape.Aggregate(1L, (a, c) => a * c)];
                    }
                    break;
                }
                case "Threshold":
                {
                    var t = Expand(n.Array("threshold"), shape, n, "threshold");
                    if (t.Any(v => v != t[0])) throw Refuse(n, "per-element thresholds are not imported");
                    specs.Add(new LayerSpec { Kind = "threshold", Threshold = t[0] });
                    mapping.Add(($"{specs.Count - 1}_threshold", [n.Name]));
                    binary = true;
                    break;
                }
                case "Scale":
                {
                    var f = Expand(n.Array("scale"), shape, n, "scale").Select(v => (float)v).ToArray();
                    specs.Add(new LayerSpec { Kind = "scale", Shape = shape });
                    scales.Add((specs.Count - 1, f));
                    mapping.Add(($"{specs.Count - 1}_scale", [n.Name]));
                    binary = false;
                    break;
                }
                default:
                    throw Refuse(n, n.Type switch
                    {
                        "CubaLIF" or "CubaLI" => "current-based neurons (a synaptic current state) are not imported",
                        "NIRGraph" => "nested graphs are not imported",
                        "Delay" => "delays are not imported",
                        _ => "this node type is not imported",
                    });
            }
        }
        var outNode = chain[^1];
        if (shape.Length != 1 || shape[0] < 2)
            throw new PortableFormatException(outNode.Name, $"node '{outNode.Name}' (Output) receives [{string.Join(", ", shape)}]; a classifier needs K ≥ 2 outputs");
        var info = new ModelInfo
        {
            Arch = LayerChain.ArchName, T = timesteps, Classes = (int)shape[0], InputChannels = (int)inShape[0], Height = (int)inShape[1], Width = (int)inShape[2],
            Neuron = NeuronSettings.Lif(), Dataset = dataset, Layers = specs.ToArray(),
        };
        if (graph.Metadata.GetValueOrDefault("class_names") is string cn && cn.Split(',') is { } names2 && names2.Length == info.Classes)
            info = info with { ClassNames = names2 };
        info.Validate();
        var net = LayerChain.Build(info);
        try
        {
            using var _ = torch.no_grad();
            var layers = net.Layers;
            foreach (var (layer, w, b) in weights)
            {
                var inner = ((TimeDistributed)layers[layer]).Inner;
                var (wt, bt) = inner switch
                {
                    Conv2d c => (c.weight, c.bias),
                    Linear l => (l.weight, l.bias),
                    _ => throw new InvalidOperationException("weights for a layer without any"),
                };
                using (var src = torch.tensor(w, wt.shape)) wt.copy_(src);
                if (bt is not null) using (var src = torch.tensor(b ?? new float[bt.shape[0]], bt.shape)) bt.copy_(src);
            }
            foreach (var (layer, f) in scales)
            {
                var sc = (ScaleLayer)((TimeDistributed)layers[layer]).Inner;
                using var src = torch.tensor(f, sc.Factors.shape);
                sc.Factors.copy_(src);
            }
        }
        catch
        {
            net.Dispose();
            throw;
        }
        net.eval();
        return new NirImportResult(net, info, mapping, step ?? 0);
    }

    /// <summary>The nodes from the one Input to the one Output; refuses anything that is not a single chain.</summary>
    private static List<NirNode> Chain(NirGraph g)
    {
        var inputs = g.Nodes.Where(n => n.Type == "Input").ToList();
        var outputs = g.Nodes.Where(n => n.Type == "Output").ToList();
        if (inputs.Count != 1) throw new PortableFormatException(inputs.FirstOrDefault()?.Name ?? "input", $"the graph has {inputs.Count} Input nodes; one is imported");
        if (outputs.Count != 1) throw new PortableFormatException(outputs.FirstOrDefault()?.Name ?? "output", $"the graph has {outputs.Count} Output nodes; one is imported");
        foreach (var (a, b) in g.Edges) { g.Node(a); g.Node(b); }
        var chain = new List<NirNode> { inputs[0] };
        var seen = new HashSet<string> { inputs[0].Name };
        var current = inputs[0];
        while (current.Type != "Output")
        {
            var next = g.Edges.Where(e => e.From == current.Name).Select(e => e.To).Distinct().ToList();
            if (next.Count != 1)
                throw new PortableFormatException(current.Name, next.Count == 0
                    ? $"node '{current.Name}' ({current.Type}) leads nowhere; the graph does not reach its Output"
                    : $"node '{current.Name}' ({current.Type}) branches to {string.Join(", ", next)}; only chains are imported");
            var node = g.Node(next[0]);
            if (!seen.Add(node.Name)) throw new PortableFormatException(node.Name, $"node '{node.Name}' ({node.Type}) closes a cycle; recurrent graphs are not imported");
            if (g.Edges.Count(e => e.To == node.Name) != 1)
                throw new PortableFormatException(node.Name, $"node '{node.Name}' ({node.Type}) has {g.Edges.Count(e => e.To == node.Name)} inputs; only chains are imported");
            chain.Add(node);
            current = node;
        }
        var off = g.Nodes.FirstOrDefault(n => !seen.Contains(n.Name));
        if (off is not null) throw new PortableFormatException(off.Name, $"node '{off.Name}' ({off.Type}) is not on the path from Input to Output; only chains are imported");
        return chain;
    }

    private static PortableFormatException Refuse(NirNode n, string why) => new(n.Name, $"node '{n.Name}' ({n.Type}): {why}");

    private static long[] Pair(NirArray? a, long fallback, NirNode n, string field)
    {
        if (a is null) return [fallback, fallback];
        var v = a.AsLongs($"node '{n.Name}' {field}");
        return v.Length switch
        {
            1 => [v[0], v[0]],
            2 => v,
            _ => throw Refuse(n, $"{field} has {v.Length} values, expected 1 or 2"),
        };
    }

    private static float[] Floats(NirArray a) => a.Values.Select(v => (float)v).ToArray();

    private static float[]? BiasOf(NirArray? b, long outs) => b is null ? null : b.Count == 1 ? Enumerable.Repeat((float)b.Values[0], (int)outs).ToArray() : Floats(b);

    /// <summary>
    /// A parameter array over one sample of <paramref name="shape"/>: the full shape, one value per channel
    /// (<c>[C]</c> or <c>[C, 1, 1]</c>), or a single value; anything else is refused.
    /// </summary>
    private static double[] Expand(NirArray a, long[] shape, NirNode n, string field)
    {
        long count = shape.Aggregate(1L, (x, y) => x * y);
        if (a.Count == count) return a.Values;
        if (a.Count == 1) return Enumerable.Repeat(a.Values[0], (int)count).ToArray();
        if (shape.Length == 3 && a.Count == shape[0])
        {
            long per = shape[1] * shape[2];
            var r = new double[count];
            for (long i = 0; i < count; i++) r[i] = a.Values[i / per];
            return r;
        }
        throw Refuse(n, $"{field} has shape {a.ShapeText}, which does not fit its input [{string.Join(", ", shape)}]");
    }

    /// <summary>Multiplies the last conv/fc layer's outputs by <paramref name="factor"/> when it is uniform per channel and that layer comes right before.</summary>
    private static bool FoldInto(List<LayerSpec> specs, List<(int Layer, float[] W, float[]? B)> weights, long[] shape, float[] factor)
    {
        if (specs.Count == 0 || specs[^1].Kind is not ("conv" or "fc") || weights.Count == 0 || weights[^1].Layer != specs.Count - 1) return false;
        long channels = shape[0], per = factor.Length / channels;
        for (long c = 0; c < channels; c++)
            for (long j = 1; j < per; j++)
                if (factor[c * per + j] != factor[c * per]) return false;
        var (layer, w, b) = weights[^1];
        long fanIn = w.Length / channels;
        var nw = new float[w.Length];
        var nb = new float[channels];
        for (long c = 0; c < channels; c++)
        {
            float f = factor[c * per];
            for (long j = 0; j < fanIn; j++) nw[c * fanIn + j] = w[c * fanIn + j] * f;
            nb[c] = (b is null ? 0f : b[c]) * f;
        }
        weights[^1] = (layer, nw, nb);
        return true;
    }
}
