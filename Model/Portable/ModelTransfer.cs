namespace EventSnn.Model.Portable;

/// <summary>What <see cref="ModelTransfer.Export"/> writes: a checkpoint as a NIR graph and/or an ONNX step graph.</summary>
/// <param name="Checkpoint">Checkpoint to export (.ckpt).</param>
/// <param name="Nir">NIR file to write (HDF5), or null.</param>
/// <param name="Onnx">ONNX file to write (one step), or null.</param>
/// <param name="Dt">NIR: time step in seconds the continuous-time neuron parameters assume.</param>
public sealed record ModelExportRequest(string Checkpoint, string? Nir, string? Onnx, double Dt = NirExport.DefaultDt);

/// <summary>What <see cref="ModelTransfer.Export"/> wrote: the NIR graph and its node-to-layer mapping, and the ONNX membrane states.</summary>
public sealed record ModelExportOutcome(NirGraph? Graph, List<(string Node, string[] Layers)>? Mapping, List<OnnxStateTensor>? States);

/// <summary>What <see cref="ModelTransfer.Import"/> reads and writes: a NIR graph turned into a checkpoint.</summary>
/// <param name="Nir">NIR file (.nir, HDF5).</param>
/// <param name="Checkpoint">Checkpoint to write (.ckpt).</param>
/// <param name="Dt">Time step in seconds for the neuron parameters when the file states none.</param>
/// <param name="T">Timesteps recorded in the checkpoint.</param>
/// <param name="Dataset">Dataset name recorded in the checkpoint (null: the graph's metadata/dataset, else none).</param>
public sealed record ModelImportRequest(string Nir, string Checkpoint, double? Dt, int T = 16, string? Dataset = null);

/// <summary>What <see cref="ModelTransfer.Import"/> wrote: the checkpoint's description, the layer-to-node mapping and the time step used.</summary>
public sealed record ModelImportOutcome(ModelInfo Info, List<(string Layer, string[] Nodes)> Mapping, double Dt);

/// <summary>Carries networks between checkpoints and NIR / ONNX files (BatchNorm folded in).</summary>
public static class ModelTransfer
{
    /// <summary>Writes the checkpoint as NIR and/or ONNX; throws <see cref="ArgumentException"/> when neither is asked for.</summary>
    public static ModelExportOutcome Export(ModelExportRequest r)
    {
        if (r.Nir is null && r.Onnx is null) throw new ArgumentException("give --nir OUT.nir and/or --onnx OUT.onnx");
        var (net, info) = EventSnn.Model.Checkpoint.Load(r.Checkpoint);
        using var _ = net;
        var portable = PortableNetwork.From(net, info);
        NirGraph? graph = null;
        List<(string Node, string[] Layers)>? mapping = null;
        if (r.Nir is not null)
        {
            (graph, mapping) = NirExport.ToGraph(portable, r.Dt);
            NirFile.Write(r.Nir, graph);
        }
        var states = r.Onnx is not null ? OnnxExport.Write(portable, r.Onnx) : null;
        return new ModelExportOutcome(graph, mapping, states);
    }

    /// <summary>Reads the NIR graph, builds the network and saves it as a checkpoint.</summary>
    public static ModelImportOutcome Import(ModelImportRequest r)
    {
        if (r.T < 1) throw new ArgumentException("--T must be >= 1");
        if (r.Dt is double d && !(d > 0)) throw new ArgumentException("--dt must be a positive number of seconds");
        var graph = NirFile.Read(r.Nir);
        var result = NirImport.ToNetwork(graph, r.Dt, r.T, r.Dataset ?? (graph.Metadata.GetValueOrDefault("dataset") as string ?? ""));
        using var _ = result.Net;
        EventSnn.Model.Checkpoint.Save(r.Checkpoint, result.Net, result.Info, new Dictionary<string, string>
        {
            ["importedFrom"] = Path.GetFileName(r.Nir), ["nirVersion"] = graph.Version, ["dt"] = result.Dt.ToString("G6", System.Globalization.CultureInfo.InvariantCulture),
        });
        return new ModelImportOutcome(result.Info, result.Mapping, result.Dt);
    }
}
