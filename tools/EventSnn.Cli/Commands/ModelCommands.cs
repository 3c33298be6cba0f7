using System.CommandLine;
using System.Globalization;
using EventSnn.Model;
using EventSnn.Model.Portable;

namespace EventSnn.Cli.Commands;

/// <summary>`eventsnn model export|import|inspect`: carry networks to and from NIR (and ONNX).</summary>
internal static class ModelCommands
{
    private const int BadInput = 2;

    public static Command Create()
    {
        var cmd = new Command("model", "Export a checkpoint to NIR or ONNX, import a NIR graph as a checkpoint, inspect any of them.");
        cmd.Subcommands.Add(Export());
        cmd.Subcommands.Add(Import());
        cmd.Subcommands.Add(Inspect());
        return cmd;
    }

    private static Command Export()
    {
        var ckpt = new Argument<string>("checkpoint") { Description = "checkpoint to export (.ckpt)" };
        var nir = new Option<string?>("--nir") { Description = "write a NIR graph (HDF5) to this file" };
        var onnx = new Option<string?>("--onnx") { Description = "write one step as an ONNX graph to this file" };
        var dt = new Option<double>("--dt") { Description = "NIR: time step in seconds that the continuous-time neuron parameters assume (written to metadata/dt)", DefaultValueFactory = _ => NirExport.DefaultDt };
        var cmd = new Command("export", "Write a checkpoint as a NIR graph (--nir) and/or an ONNX step graph (--onnx); BatchNorm is folded in.");
        cmd.Arguments.Add(ckpt);
        foreach (var o in new Option[] { nir, onnx, dt }) cmd.Options.Add(o);
        cmd.SetAction(parse => Guard(() =>
        {
            string? nirPath = parse.GetValue(nir), onnxPath = parse.GetValue(onnx);
            var (graph, mapping, states) = ModelTransfer.Export(new ModelExportRequest(parse.GetValue(ckpt)!, nirPath, onnxPath, parse.GetValue(dt)));
            if (graph is not null)
            {
                Console.WriteLine($"wrote {nirPath}: NIR {graph.Version}, {graph.Nodes.Count} nodes, dt = {Num(graph.Dt ?? 0)} s");
                foreach (var (node, layers) in mapping!) Console.WriteLine($"  {node,-24} <- {string.Join(" + ", layers)}");
            }
            if (states is not null)
            {
                Console.WriteLine($"wrote {onnxPath}: ONNX opset {OnnxExport.Opset}, IR {OnnxExport.IrVersion}, one step with {states.Count} membrane states, dynamic batch");
                foreach (var st in states)
                    Console.WriteLine($"  {st.Input,-10} -> {st.Output,-14} [batch, {string.Join(", ", st.SampleShape)}] from {st.Layer}, starts at {Num(st.Initial)}");
            }
        }));
        return cmd;
    }

    private static Command Import()
    {
        var file = new Argument<string>("file") { Description = "NIR file (.nir, HDF5)" };
        var output = new Option<string>("--out") { Description = "checkpoint to write (.ckpt)", Required = true };
        var dt = new Option<double?>("--dt") { Description = "time step in seconds for the neuron parameters when the file states none (metadata/dt); snnTorch writes for 1e-4" };
        var t = new Option<int>("--T") { Description = "timesteps T recorded in the checkpoint (frames per sample for eval and calibrate)", DefaultValueFactory = _ => 16 };
        var dataset = new Option<string?>("--dataset") { Description = "dataset name recorded in the checkpoint (dvsgesture, cifar10dvs, ncaltech101, …)" };
        var cmd = new Command("import", "Build a checkpoint from a NIR graph of a feed-forward convolutional SNN (snnTorch, Norse, SpikingJelly, Sinabs, EventSnn).");
        cmd.Arguments.Add(file);
        foreach (var o in new Option[] { output, dt, t, dataset }) cmd.Options.Add(o);
        cmd.SetAction(parse => Guard(() =>
        {
            string outPath = parse.GetValue(output)!;
            var r = ModelTransfer.Import(new ModelImportRequest(parse.GetValue(file)!, outPath, parse.GetValue(dt), parse.GetValue(t), parse.GetValue(dataset)));
            Console.WriteLine($"wrote {outPath}: {r.Info.Layers!.Length} layers, input {r.Info.InputChannels}x{r.Info.Height}x{r.Info.Width}, {r.Info.Classes} outputs, T = {r.Info.T}, dt = {Num(r.Dt)} s");
            foreach (var (layer, nodes) in r.Mapping) Console.WriteLine($"  {layer,-16} <- {string.Join(" + ", nodes)}");
        }));
        return cmd;
    }

    private static Command Inspect()
    {
        var file = new Argument<string>("file") { Description = "a NIR file (.nir), a checkpoint (.ckpt) or an ONNX step graph (.onnx)" };
        var dt = new Option<double?>("--dt") { Description = "NIR: time step in seconds when the file states none (for the import preview)" };
        var cmd = new Command("inspect", "Print the nodes (or layers), their shapes and parameters, and what maps to what.");
        cmd.Arguments.Add(file);
        cmd.Options.Add(dt);
        cmd.SetAction(parse => Guard(() =>
        {
            string path = parse.GetValue(file)!;
            if (!File.Exists(path)) throw new FileNotFoundException($"file not found: {path}", path);
            string ext = Path.GetExtension(path).ToLowerInvariant();
            if (ext == ".ckpt") InspectCheckpoint(path);
            else if (ext == ".onnx") InspectOnnx(path);
            else InspectNir(path, parse.GetValue(dt));
        }));
        return cmd;
    }

    private static void InspectOnnx(string path)
    {
        Onnx.ModelProto model;
        try { model = Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(path)); }
        catch (Google.Protobuf.InvalidProtocolBufferException e) { throw new InvalidDataException($"{path}: not an ONNX model ({e.Message})", e); }
        var g = model.Graph ?? throw new InvalidDataException($"{path}: the ONNX model has no graph");
        Console.WriteLine($"{path}: ONNX IR {model.IrVersion}, opset {string.Join(", ", model.OpsetImport.Select(o => o.Version))}, producer {model.ProducerName}");
        string Shape(Onnx.ValueInfoProto v) => "[" + string.Join(", ", v.Type?.TensorType?.Shape?.Dim.Select(d => string.IsNullOrEmpty(d.DimParam) ? d.DimValue.ToString(CultureInfo.InvariantCulture) : d.DimParam) ?? []) + "]";
        foreach (var i in g.Input) Console.WriteLine($"  input  {i.Name,-14} {Shape(i)}");
        foreach (var o in g.Output) Console.WriteLine($"  output {o.Name,-14} {Shape(o)}");
        Console.WriteLine($"  {g.Node.Count} nodes: " + string.Join(", ", g.Node.GroupBy(n => n.OpType).Select(x => $"{x.Key} {x.Count()}")));
        Console.WriteLine($"  {g.Initializer.Count} initializers, {g.Initializer.Sum(t => t.Dims.Aggregate(1L, (a, b) => a * b))} parameters");
        foreach (var p in model.MetadataProps) Console.WriteLine($"  metadata {p.Key} = {p.Value}");
        var states = OnnxExport.States(model, path);
        Console.WriteLine($"step graph: {states.Count} membrane states, {states.Sum(st => st.Elements) * 4} bytes per sample");
    }

    private static void InspectNir(string path, double? dt)
    {
        var g = NirFile.Read(path);
        Console.WriteLine($"{path}: NIR {g.Version}, {g.Nodes.Count} nodes, {g.Edges.Count} edges");
        foreach (var (k, v) in g.Metadata) Console.WriteLine($"  metadata/{k} = {Describe(v)}");
        foreach (var n in g.Nodes)
        {
            var fields = n.Fields.Where(f => f.Key is not ("input_type" or "output_type" or "metadata"))
                .Select(f => $"{f.Key} {Describe(f.Value)}");
            Console.WriteLine($"  {n.Name,-20} {n.Type,-10} {string.Join(", ", fields)}");
        }
        foreach (var (a, b) in g.Edges) Console.WriteLine($"  edge {a} -> {b}");
        try
        {
            var r = NirImport.ToNetwork(g, dt);
            using var _ = r.Net;
            Console.WriteLine($"imports as: {r.Info.Layers!.Length} layers, input {r.Info.InputChannels}x{r.Info.Height}x{r.Info.Width}, {r.Info.Classes} outputs, dt = {Num(r.Dt)} s");
            foreach (var (layer, nodes) in r.Mapping)
            {
                var spec = r.Info.Layers[int.Parse(layer[..layer.IndexOf('_')], CultureInfo.InvariantCulture)];
                Console.WriteLine($"  {layer,-16} <- {string.Join(" + ", nodes),-28} {SpecText(spec)}");
            }
        }
        catch (PortableFormatException e)
        {
            Console.WriteLine($"does not import: {e.Message}");
        }
    }

    private static void InspectCheckpoint(string path)
    {
        var (net, info) = Checkpoint.Load(path);
        using var _ = net;
        Console.WriteLine($"{path}: architecture {info.Arch}, input {info.InputChannels}x{info.Height}x{info.Width}, {info.Classes} classes, T = {info.T}");
        PortableNetwork portable;
        try { portable = PortableNetwork.From(net, info); }
        catch (PortableFormatException e) { Console.WriteLine($"not exportable: {e.Message}"); return; }
        foreach (var op in portable.Ops)
            Console.WriteLine($"  {op.Name,-14} {op.Kind,-9} [{string.Join(", ", op.InputShape)}] -> [{string.Join(", ", op.OutputShape)}]  from {string.Join(" + ", op.Sources)}" +
                (op.Kind == "neuron" ? $"  θ = {Num(op.Threshold)}, τ = {Num(op.Tau)}, {(op.SoftReset ? "soft" : "hard")} reset, v0 = {Num(op.InitialMembrane)}" : ""));
        try
        {
            var (_, mapping) = NirExport.ToGraph(portable);
            Console.WriteLine("NIR nodes:");
            foreach (var (node, layers) in mapping) Console.WriteLine($"  {node,-24} <- {string.Join(" + ", layers)}");
        }
        catch (PortableFormatException e) { Console.WriteLine($"not exportable to NIR: {e.Message}"); }
    }

    private static string SpecText(LayerSpec s) => s.Kind switch
    {
        "conv" => $"conv {s.In}->{s.Out} k{s.Kernel![0]}x{s.Kernel[1]} s{s.Stride![0]} p{s.Padding![0]}",
        "fc" => $"fc {s.In}->{s.Out}",
        "lif" => $"lif θ = {Num(s.Threshold)}, τ = {Num(s.Tau)}",
        "threshold" => $"threshold > {Num(s.Threshold)}",
        "maxpool" or "avgpool" or "sumpool" => $"{s.Kind} k{s.Kernel![0]} s{s.Stride![0]}",
        _ => s.Kind,
    };

    private static string Describe(object v) => v switch
    {
        string s => $"\"{s}\"",
        string[] a => $"strings[{a.Length}]",
        NirArray { Count: 1 } a => $"{Num(a.Values[0])} ({a.Type})",
        NirArray a => $"{a.Type}{a.ShapeText}",
        Dictionary<string, object> d => "{" + string.Join(", ", d.Keys) + "}",
        _ => v.GetType().Name,
    };

    private static string Num(double v) => v.ToString("G6", CultureInfo.InvariantCulture);

    private static int Guard(Action body)
    {
        try
        {
            body();
            return 0;
        }
        catch (Exception e) when (e is PortableFormatException or InvalidDataException or FileNotFoundException or DirectoryNotFoundException or ArgumentException or IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return BadInput;
        }
    }
}
