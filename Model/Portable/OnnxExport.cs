using System.Globalization;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;

namespace EventSnn.Model.Portable;

/// <summary>The state tensors of an ONNX step graph: per neuron layer, its input name, output name, sample shape and starting value.</summary>
/// <param name="Layer">Network layer the membrane belongs to.</param>
/// <param name="Input">Graph input that carries the membrane into the step (<c>[batch, ...SampleShape]</c>).</param>
/// <param name="Output">Graph output with the membrane after the step.</param>
/// <param name="SampleShape">Shape of one sample's membrane.</param>
/// <param name="Initial">Membrane at the start of a sample (membrane units).</param>
public sealed record OnnxStateTensor(string Layer, string Input, string Output, long[] SampleShape, float Initial)
{
    /// <summary>Elements of one sample's membrane.</summary>
    public long Elements => SampleShape.Aggregate(1L, (a, b) => a * b);
}

/// <summary>
/// One timestep of a <see cref="PortableNetwork"/> as an ONNX graph, built with OnnxSharp's ONNX model types:
/// inputs <c>frame</c> <c>[batch, C, H, W]</c> and, per spiking layer, its membrane <c>state_i</c>; outputs <c>output</c>
/// <c>[batch, K]</c> (the per-step output O(t), not accumulated) and <c>state_i_next</c> (a TEBN layer's state is its
/// per-sample step count <c>[batch, 1]</c>). The batch dimension is
/// dynamic (<c>batch</c>); BatchNorm is already folded. Opset 17, IR version 8. Each neuron is the network's own
/// update, operation for operation: <c>u = v + x</c>, <c>s = (u &gt; θ)</c>, <c>u' = u·(1 − s)</c> (hard) or
/// <c>u − θ·s</c> (soft), <c>v' = τ·u'</c>, output <c>θ·s</c>; sum pooling is a depthwise convolution with ones.
/// The starting membranes are written to the model's metadata (<c>eventsnn.state.i.initial</c>).
/// </summary>
public static class OnnxExport
{
    /// <summary>ONNX operator set used.</summary>
    public const int Opset = 17;

    /// <summary>ONNX IR version written.</summary>
    public const long IrVersion = 8;

    /// <summary>Name of the frame input.</summary>
    public const string FrameInput = "frame";

    /// <summary>Name of the per-step output.</summary>
    public const string StepOutput = "output";

    /// <summary>The step graph of <paramref name="net"/> and its state tensors.</summary>
    /// <exception cref="PortableFormatException">An operation with no ONNX form (names the layer).</exception>
    public static (ModelProto Model, List<OnnxStateTensor> States) ToModel(PortableNetwork net)
    {
        var g = new GraphProto { Name = "eventsnn_step" };
        var states = new List<OnnxStateTensor>();
        g.Input.Add(Value(FrameInput, net.InputShape));
        string h = FrameInput;
        int counter = 0;
        string Fresh(string stem) => $"{stem}_{counter++}";
        string Scalar(string stem, float v)
        {
            string name = Fresh(stem);
            g.Initializer.Add(Floats(name, [v], []));
            return name;
        }
        string Node(string op, string name, string[] inputs, params AttributeProto[] attributes)
        {
            string output = Fresh(name);
            var node = new NodeProto { OpType = op, Name = output };
            node.Input.AddRange(inputs);
            node.Output.Add(output);
            node.Attribute.AddRange(attributes);
            g.Node.Add(node);
            return output;
        }
        foreach (var op in net.Ops)
        {
            string n = op.Name;
            switch (op.Kind)
            {
                case "conv":
                {
                    string w = $"{n}.weight";
                    g.Initializer.Add(Floats(w, op.Weight!, [op.OutputShape[0], op.InputShape[0], op.Kernel[0], op.Kernel[1]]));
                    var inputs = new List<string> { h, w };
                    if (op.Bias is not null) { g.Initializer.Add(Floats($"{n}.bias", op.Bias, [op.OutputShape[0]])); inputs.Add($"{n}.bias"); }
                    h = Node("Conv", n, inputs.ToArray(), Ints("kernel_shape", op.Kernel), Ints("strides", op.Stride),
                        Ints("pads", [op.Padding[0], op.Padding[1], op.Padding[0], op.Padding[1]]), Ints("dilations", [1, 1]), Int("group", 1));
                    break;
                }
                case "fc":
                {
                    string w = $"{n}.weight";
                    g.Initializer.Add(Floats(w, op.Weight!, [op.OutputShape[0], op.InputShape[0]]));
                    var inputs = new List<string> { h, w };
                    if (op.Bias is not null) { g.Initializer.Add(Floats($"{n}.bias", op.Bias, [op.OutputShape[0]])); inputs.Add($"{n}.bias"); }
                    h = Node("Gemm", n, inputs.ToArray(), Int("transB", 1));
                    break;
                }
                case "neuron":
                {
                    int i = states.Count;
                    string vIn = $"state_{i}", vOut = $"state_{i}_next";
                    g.Input.Add(Value(vIn, op.OutputShape));
                    g.Output.Add(Value(vOut, op.OutputShape));
                    states.Add(new OnnxStateTensor(n, vIn, vOut, op.OutputShape, (float)op.InitialMembrane));
                    string theta = Scalar($"{n}.threshold", (float)op.Threshold);
                    string u = Node("Add", $"{n}.u", [vIn, h]);
                    string s = Node("Cast", $"{n}.spike", [Node("Greater", $"{n}.above", [u, theta])], Int("to", (long)TensorProto.Types.DataType.Float));
                    string post = op.SoftReset
                        ? Node("Sub", $"{n}.reset", [u, Node("Mul", $"{n}.theta_s", [s, theta])])
                        : Node("Mul", $"{n}.reset", [u, Node("Sub", $"{n}.keep", [Scalar($"{n}.one", 1f), s])]);
                    string next = op.Tau == 1.0 ? post : Node("Mul", $"{n}.decay", [post, Scalar($"{n}.tau", (float)op.Tau)]);
                    g.Node.Add(new NodeProto { OpType = "Identity", Name = vOut, Input = { next }, Output = { vOut } });
                    h = op.Threshold == 1.0 ? s : Node("Mul", $"{n}.out", [s, theta]);
                    break;
                }
                case "maxpool":
                    h = Node("MaxPool", n, [h], Ints("kernel_shape", op.Kernel), Ints("strides", op.Stride),
                        Ints("pads", [op.Padding[0], op.Padding[1], op.Padding[0], op.Padding[1]]));
                    break;
                case "avgpool":
                    h = Node("AveragePool", n, [h], Ints("kernel_shape", op.Kernel), Ints("strides", op.Stride),
                        Ints("pads", [op.Padding[0], op.Padding[1], op.Padding[0], op.Padding[1]]), Int("count_include_pad", 1));
                    break;
                case "sumpool":
                {
                    long c = op.InputShape[0];
                    string w = $"{n}.ones";
                    g.Initializer.Add(Floats(w, Enumerable.Repeat(1f, (int)(c * op.Kernel[0] * op.Kernel[1])).ToArray(), [c, 1, op.Kernel[0], op.Kernel[1]]));
                    h = Node("Conv", n, [h, w], Ints("kernel_shape", op.Kernel), Ints("strides", op.Stride),
                        Ints("pads", [op.Padding[0], op.Padding[1], op.Padding[0], op.Padding[1]]), Int("group", c));
                    break;
                }
                case "stepscale":
                {
                    // TEBN after its folded BatchNorm: x · p[min(t, T−1)], t counted per sample in a state [batch, 1] (float, exact to 2^24).
                    int i = states.Count;
                    string tIn = $"state_{i}", tOut = $"state_{i}_next";
                    g.Input.Add(Value(tIn, [1]));
                    g.Output.Add(Value(tOut, [1]));
                    states.Add(new OnnxStateTensor(n, tIn, tOut, [1], 0f));
                    string p = $"{n}.scale";
                    g.Initializer.Add(Floats(p, op.Factors!, [op.Factors!.Length]));
                    string last = Scalar($"{n}.last", op.Factors!.Length - 1);
                    string index = Node("Cast", $"{n}.index", [Node("Min", $"{n}.clamped", [tIn, last])], Int("to", (long)TensorProto.Types.DataType.Int64));
                    string factor = Node("Gather", $"{n}.factor", [p, index], Int("axis", 0)); // [batch, 1]
                    string shape = $"{n}.shape";
                    g.Initializer.Add(new TensorProto { Name = shape, DataType = (int)TensorProto.Types.DataType.Int64, Dims = { 4 }, Int64Data = { -1, 1, 1, 1 } });
                    h = Node("Mul", n, [h, Node("Reshape", $"{n}.per_sample", [factor, shape])]);
                    g.Node.Add(new NodeProto { OpType = "Add", Name = tOut, Input = { tIn, Scalar($"{n}.one", 1f) }, Output = { tOut } });
                    break;
                }
                case "flatten":
                    h = Node("Flatten", n, [h], Int("axis", 1));
                    break;
                case "threshold":
                    h = Node("Cast", n, [Node("Greater", $"{n}.above", [h, Scalar($"{n}.level", (float)op.Threshold)])], Int("to", (long)TensorProto.Types.DataType.Float));
                    break;
                case "scale":
                {
                    string f = $"{n}.scale";
                    g.Initializer.Add(Floats(f, op.Factors!, op.FactorShape));
                    h = Node("Mul", n, [h, f]);
                    break;
                }
                default:
                    throw new PortableFormatException(n, $"layer '{n}' ({op.Kind}) has no ONNX form");
            }
        }
        g.Node.Add(new NodeProto { OpType = "Identity", Name = StepOutput, Input = { h }, Output = { StepOutput } });
        g.Output.Insert(0, Value(StepOutput, net.Ops[^1].OutputShape));
        var model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "EventSnn",
            ProducerVersion = typeof(OnnxExport).Assembly.GetName().Version?.ToString() ?? "",
            DocString = "One timestep of a spiking network: frame and every layer's membrane in, per-step output and new membranes out.",
            Graph = g,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        void Meta(string k, string v) => model.MetadataProps.Add(new StringStringEntryProto { Key = k, Value = v });
        var inv = CultureInfo.InvariantCulture;
        Meta("eventsnn.architecture", net.Info.Arch);
        Meta("eventsnn.classes", net.Info.Classes.ToString(inv));
        Meta("eventsnn.timesteps", net.Info.T.ToString(inv));
        Meta("eventsnn.input", string.Join(",", net.InputShape));
        if (net.Info.ClassNames.Length > 0) Meta("eventsnn.class_names", string.Join(",", net.Info.ClassNames));
        Meta("eventsnn.states", states.Count.ToString(inv));
        for (int i = 0; i < states.Count; i++)
        {
            Meta($"eventsnn.state.{i}.layer", states[i].Layer);
            Meta($"eventsnn.state.{i}.initial", states[i].Initial.ToString("R", inv));
        }
        return (model, states);
    }

    /// <summary>Writes the step graph of <paramref name="net"/> to <paramref name="path"/> (atomically).</summary>
    public static List<OnnxStateTensor> Write(PortableNetwork net, string path)
    {
        var (model, states) = ToModel(net);
        string full = Path.GetFullPath(path);
        string tmp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var f = File.Create(tmp)) model.WriteTo(f);
            File.Move(tmp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
        }
        return states;
    }

    /// <summary>The state tensors recorded in a step graph's metadata and inputs.</summary>
    /// <exception cref="InvalidDataException">The model is not an EventSnn step graph.</exception>
    public static List<OnnxStateTensor> States(ModelProto model, string where)
    {
        var meta = model.MetadataProps.ToDictionary(p => p.Key, p => p.Value);
        if (!meta.TryGetValue("eventsnn.states", out var countText) || !int.TryParse(countText, NumberStyles.Integer, CultureInfo.InvariantCulture, out int count) || count < 0 || count > 10_000)
            throw new InvalidDataException($"{where}: not an EventSnn step graph (metadata 'eventsnn.states' missing or invalid)");
        var result = new List<OnnxStateTensor>();
        for (int i = 0; i < count; i++)
        {
            var input = model.Graph.Input.FirstOrDefault(v => v.Name == $"state_{i}")
                ?? throw new InvalidDataException($"{where}: graph input 'state_{i}' is missing");
            var dims = input.Type.TensorType.Shape.Dim.Skip(1).Select(d => d.DimValue).ToArray();
            if (dims.Any(d => d < 1)) throw new InvalidDataException($"{where}: graph input 'state_{i}' has a non-fixed sample shape");
            if (!meta.TryGetValue($"eventsnn.state.{i}.initial", out var init) || !float.TryParse(init, NumberStyles.Float, CultureInfo.InvariantCulture, out float initial))
                throw new InvalidDataException($"{where}: metadata 'eventsnn.state.{i}.initial' is missing or invalid");
            result.Add(new OnnxStateTensor(meta.GetValueOrDefault($"eventsnn.state.{i}.layer") ?? $"state_{i}", $"state_{i}", $"state_{i}_next", dims, initial));
        }
        return result;
    }

    private static ValueInfoProto Value(string name, long[] sampleShape)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "batch" });
        foreach (var d in sampleShape) shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }

    private static TensorProto Floats(string name, float[] values, long[] dims)
    {
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        t.Dims.AddRange(dims);
        t.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan()));
        return t;
    }

    private static AttributeProto Ints(string name, long[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }

    private static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };
}
