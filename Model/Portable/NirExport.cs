using System.Globalization;

namespace EventSnn.Model.Portable;

/// <summary>
/// Writes a <see cref="PortableNetwork"/> as a NIR graph. Neuron parameters follow NIR's continuous-time semantics for
/// the time step <c>dt</c> (seconds, written as <c>metadata/dt</c>), discretised by forward Euler as snnTorch and Norse
/// do: a LIF of decay τ (per step) becomes <c>tau = dt/(1 − τ)</c>, <c>r = tau/dt</c> (unit input gain),
/// <c>v_leak = 0</c>, <c>v_threshold = θ</c>, <c>v_reset = 0</c>; a non-leaking neuron (τ = 1) becomes an <c>IF</c>
/// with <c>r = 1/dt</c>. A neuron whose output is θ·s with θ ≠ 1 is followed by a <c>Scale</c> node of θ. Max pooling
/// of binary spikes becomes <c>SumPool2d</c> followed by <c>Threshold</c> at 0.5 (exact for 0/1 inputs).
/// Refused by layer name: reset by subtraction and a non-zero starting membrane (NIR neurons reset to
/// <c>v_reset</c> and start at rest), and max pooling of non-binary values.
/// </summary>
public static class NirExport
{
    /// <summary>The time step written when none is given: snnTorch's NIR default, 10⁻⁴ s.</summary>
    public const double DefaultDt = 1e-4;

    /// <summary>The NIR graph of <paramref name="net"/> and, per node, the network layers it came from.</summary>
    /// <exception cref="PortableFormatException">A layer NIR cannot express (names it).</exception>
    public static (NirGraph Graph, List<(string Node, string[] Layers)> Mapping) ToGraph(PortableNetwork net, double dt = DefaultDt)
    {
        if (!(dt > 0) || !double.IsFinite(dt)) throw new ArgumentOutOfRangeException(nameof(dt), "dt must be a positive number of seconds");
        var g = new NirGraph();
        var mapping = new List<(string, string[])>();
        string prev = "input";
        g.Nodes.Add(new NirNode("input", "Input").With("shape", NirArray.Ints(net.InputShape))
            .With("input_type", new Dictionary<string, object> { ["input"] = NirArray.Ints(net.InputShape) }));
        void Add(NirNode node, string[] sources)
        {
            g.Nodes.Add(node);
            g.Edges.Add((prev, node.Name));
            mapping.Add((node.Name, sources));
            prev = node.Name;
        }
        foreach (var op in net.Ops)
        {
            var shape = op.OutputShape;
            switch (op.Kind)
            {
                case "conv":
                    Add(new NirNode(op.Name, "Conv2d")
                        .With("input_shape", NirArray.Ints(op.InputShape[1], op.InputShape[2]))
                        .With("weight", NirArray.Float32(op.Weight!, op.OutputShape[0], op.InputShape[0], op.Kernel[0], op.Kernel[1]))
                        .With("stride", NirArray.Ints(op.Stride))
                        .With("padding", NirArray.Ints(op.Padding))
                        .With("dilation", NirArray.Ints(1, 1))
                        .With("groups", NirArray.Int(1))
                        .With("bias", NirArray.Float32(op.Bias ?? new float[op.OutputShape[0]], op.OutputShape[0])), op.Sources);
                    break;
                case "fc":
                    var fc = new NirNode(op.Name, op.Bias is null ? "Linear" : "Affine")
                        .With("weight", NirArray.Float32(op.Weight!, op.OutputShape[0], op.InputShape[0]));
                    if (op.Bias is not null) fc.With("bias", NirArray.Float32(op.Bias, op.OutputShape[0]));
                    Add(fc, op.Sources);
                    break;
                case "neuron":
                    if (op.InitialMembrane != 0)
                        throw new PortableFormatException(op.Name, $"layer '{op.Name}': the membrane starts at {op.InitialMembrane.ToString(CultureInfo.InvariantCulture)}, NIR neurons start at rest (0)");
                    if (op.SoftReset)
                        throw new PortableFormatException(op.Name, $"layer '{op.Name}': reset by subtraction has no NIR form (NIR's LIF and IF reset to v_reset)");
                    var types = new Dictionary<string, object> { ["input"] = NirArray.Ints(shape) };
                    var outTypes = new Dictionary<string, object> { ["output"] = NirArray.Ints(shape) };
                    NirNode neuron;
                    if (op.Tau == 1.0)
                    {
                        neuron = new NirNode(op.Name, "IF")
                            .With("r", NirArray.Filled(1.0 / dt, shape));
                    }
                    else
                    {
                        double tau = dt / (1.0 - op.Tau);
                        neuron = new NirNode(op.Name, "LIF")
                            .With("tau", NirArray.Filled(tau, shape))
                            .With("r", NirArray.Filled(tau / dt, shape))
                            .With("v_leak", NirArray.Filled(0.0, shape));
                    }
                    neuron.With("v_threshold", NirArray.Filled(op.Threshold, shape))
                        .With("v_reset", NirArray.Filled(0.0, shape))
                        .With("input_type", types).With("output_type", outTypes);
                    Add(neuron, op.Sources);
                    if (op.Threshold != 1.0) Add(new NirNode(op.Name + "_scale", "Scale").With("scale", NirArray.Filled(op.Threshold, shape)), op.Sources);
                    break;
                case "maxpool":
                    if (!op.BinaryOutput)
                        throw new PortableFormatException(op.Name, $"layer '{op.Name}': max pooling is written as SumPool2d + Threshold, exact only for 0/1 inputs, and its input is not binary");
                    Add(PoolNode(op, "SumPool2d"), op.Sources);
                    Add(new NirNode(op.Name + "_threshold", "Threshold").With("threshold", NirArray.Filled(0.5, shape))
                        .With("input_type", new Dictionary<string, object> { ["input"] = NirArray.Ints(shape) })
                        .With("output_type", new Dictionary<string, object> { ["output"] = NirArray.Ints(shape) }), op.Sources);
                    break;
                case "sumpool":
                    Add(PoolNode(op, "SumPool2d"), op.Sources);
                    break;
                case "avgpool":
                    Add(PoolNode(op, "AvgPool2d"), op.Sources);
                    break;
                case "flatten":
                    Add(new NirNode(op.Name, "Flatten").With("input_type", NirArray.Ints(op.InputShape))
                        .With("start_dim", NirArray.Int(0)).With("end_dim", NirArray.Int(-1)), op.Sources);
                    break;
                case "threshold":
                    Add(new NirNode(op.Name, "Threshold").With("threshold", NirArray.Filled(op.Threshold, shape))
                        .With("input_type", new Dictionary<string, object> { ["input"] = NirArray.Ints(shape) })
                        .With("output_type", new Dictionary<string, object> { ["output"] = NirArray.Ints(shape) }), op.Sources);
                    break;
                case "scale":
                    Add(new NirNode(op.Name, "Scale").With("scale", Broadcast(op, shape)), op.Sources);
                    break;
                case "stepscale":
                    throw new PortableFormatException(op.Name, $"layer '{op.Name}': TEBN scales every timestep differently (a step counter), which NIR's time-invariant nodes cannot express");
                default:
                    throw new PortableFormatException(op.Name, $"layer '{op.Name}' ({op.Kind}) has no NIR form");
            }
        }
        var output = new NirNode("output", "Output").With("shape", NirArray.Ints(net.Ops[^1].OutputShape))
            .With("output_type", new Dictionary<string, object> { ["output"] = NirArray.Ints(net.Ops[^1].OutputShape) });
        g.Nodes.Add(output);
        g.Edges.Add((prev, "output"));
        g.Metadata["dt"] = NirArray.Float64([dt]);
        g.Metadata["source"] = "EventSnn";
        g.Metadata["architecture"] = net.Info.Arch;
        g.Metadata["timesteps"] = NirArray.Int(net.Info.T);
        if (net.Info.ClassNames.Length > 0) g.Metadata["class_names"] = string.Join(",", net.Info.ClassNames);
        if (!string.IsNullOrEmpty(net.Info.Dataset)) g.Metadata["dataset"] = net.Info.Dataset;
        return (g, mapping);
    }

    private static NirNode PoolNode(PortableOp op, string type) => new NirNode(op.Name, type)
        .With("kernel_size", NirArray.Ints(op.Kernel)).With("stride", NirArray.Ints(op.Stride)).With("padding", NirArray.Ints(op.Padding));

    private static NirArray Broadcast(PortableOp op, long[] shape)
    {
        long n = shape.Aggregate(1L, (a, b) => a * b);
        var f = op.Factors!;
        if (f.Length == n) return NirArray.Float32(f, shape);
        // factors [C] or [C,1,1] over C×H×W, or a scalar
        long per = n / Math.Max(1, f.Length);
        var full = new float[n];
        for (long i = 0; i < n; i++) full[i] = f[f.Length == 1 ? 0 : i / per];
        return NirArray.Float32(full, shape);
    }
}
