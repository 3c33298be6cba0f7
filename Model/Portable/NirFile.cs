using PureHDF;

namespace EventSnn.Model.Portable;

/// <summary>
/// Reads and writes NIR files (HDF5) in the layout of NIR's reference implementation: a string dataset
/// <c>version</c> and a group <c>node</c> holding the graph — dataset <c>type</c> = <c>"NIRGraph"</c>, group
/// <c>nodes</c> with one group per node (its <c>type</c> string and its fields as datasets or sub-groups), dataset
/// <c>edges</c> (strings <c>[E, 2]</c>), groups <c>input_type</c>/<c>output_type</c> and <c>metadata</c>.
/// Strings are variable-length UTF-8, as h5py's string type.
/// </summary>
public static class NirFile
{
    /// <summary>Largest number of elements one dataset may have (checked before reading it).</summary>
    public const long MaxElements = 1L << 28;

    /// <summary>Writes <paramref name="graph"/> to <paramref name="path"/> (replacing the file atomically).</summary>
    public static void Write(string path, NirGraph graph)
    {
        var nodes = new H5Group();
        foreach (var n in graph.Nodes)
        {
            var g = new H5Group();
            foreach (var (k, v) in n.Fields) g[k] = ToH5(v);
            g["type"] = n.Type;
            nodes[n.Name] = g;
        }
        var root = new H5Group
        {
            ["nodes"] = nodes,
            ["edges"] = new H5Dataset(graph.Edges.SelectMany(e => new[] { e.From, e.To }).ToArray(), fileDims: [(ulong)graph.Edges.Count, 2]),
            ["type"] = "NIRGraph",
        };
        var inputs = graph.Nodes.Where(n => n.Type == "Input").ToList();
        var outputs = graph.Nodes.Where(n => n.Type == "Output").ToList();
        var inType = new H5Group();
        foreach (var n in inputs) inType[n.Name] = ToH5(n.Array("shape"));
        var outType = new H5Group();
        foreach (var n in outputs) outType[n.Name] = ToH5(n.Array("shape"));
        root["input_type"] = inType;
        root["output_type"] = outType;
        if (graph.Metadata.Count > 0)
        {
            var meta = new H5Group();
            foreach (var (k, v) in graph.Metadata) meta[k] = ToH5(v);
            root["metadata"] = meta;
        }
        var file = new H5File { ["version"] = graph.Version, ["node"] = root };
        string full = Path.GetFullPath(path);
        string tmp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            file.Write(tmp);
            File.Move(tmp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
        }
    }

    private static object ToH5(object v) => v switch
    {
        string s => s,
        NirArray a => a.Type switch
        {
            "float32" => new H5Dataset(a.Values.Select(x => (float)x).ToArray(), fileDims: a.Shape.Select(d => (ulong)d).ToArray()),
            "int64" => new H5Dataset(a.Values.Select(x => (long)x).ToArray(), fileDims: a.Shape.Select(d => (ulong)d).ToArray()),
            _ => new H5Dataset(a.Values, fileDims: a.Shape.Select(d => (ulong)d).ToArray()),
        },
        Dictionary<string, object> d => ToGroup(d),
        _ => throw new ArgumentException($"cannot write a {v.GetType().Name} to a NIR file"),
    };

    private static H5Group ToGroup(Dictionary<string, object> d)
    {
        var g = new H5Group();
        foreach (var (k, v) in d) g[k] = ToH5(v);
        return g;
    }

    /// <summary>Reads the graph of a NIR file.</summary>
    /// <exception cref="InvalidDataException">Not HDF5, no <c>node</c> group, not a <c>NIRGraph</c>, or a dataset that cannot be read (names the file and the path inside it).</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static NirGraph Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"NIR file not found: {path}", path);
        PureHDF.VOL.Native.NativeFile file;
        try { file = H5File.OpenRead(path); }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidDataException($"{path}: not an HDF5 file ({e.Message})", e);
        }
        using (file)
        {
            try
            {
                var graph = new NirGraph();
                if (file.LinkExists("version") && file.Get("version") is IH5Dataset vd) graph.Version = ReadValue(vd, path, "/version") as string ?? "";
                if (!file.LinkExists("node") || file.Get("node") is not IH5Group node)
                    throw new InvalidDataException($"{path}: no group 'node' (not a NIR file)");
                var top = ReadGroup(node, path, "/node");
                if (top.GetValueOrDefault("type") is not string type) throw new InvalidDataException($"{path}: /node has no 'type' string");
                if (type != "NIRGraph") throw new InvalidDataException($"{path}: /node is a '{type}', expected 'NIRGraph'");
                if (top.GetValueOrDefault("nodes") is not Dictionary<string, object> nodes) throw new InvalidDataException($"{path}: /node has no group 'nodes'");
                foreach (var (name, value) in nodes)
                {
                    if (value is not Dictionary<string, object> fields || fields.GetValueOrDefault("type") is not string nodeType)
                        throw new InvalidDataException($"{path}: /node/nodes/{name} is not a node group with a 'type' string");
                    var n = new NirNode(name, nodeType);
                    foreach (var (k, v) in fields) if (k != "type") n.Fields[k] = v;
                    graph.Nodes.Add(n);
                }
                if (top.GetValueOrDefault("edges") is string[] edges)
                {
                    if (edges.Length % 2 != 0) throw new InvalidDataException($"{path}: /node/edges has an odd number of names");
                    for (int i = 0; i < edges.Length; i += 2) graph.Edges.Add((edges[i], edges[i + 1]));
                }
                else if (top.ContainsKey("edges")) throw new InvalidDataException($"{path}: /node/edges is not a string array [E, 2]");
                if (top.GetValueOrDefault("metadata") is Dictionary<string, object> meta)
                    foreach (var (k, v) in meta) graph.Metadata[k] = v;
                return graph;
            }
            catch (Exception e) when (e is not (InvalidDataException or OutOfMemoryException))
            {
                throw new InvalidDataException($"{path}: unreadable NIR content ({e.Message})", e);
            }
        }
    }

    private static Dictionary<string, object> ReadGroup(IH5Group group, string file, string where)
    {
        var d = new Dictionary<string, object>();
        foreach (var child in group.Children())
        {
            string p = $"{where}/{child.Name}";
            switch (child)
            {
                case IH5Group g: d[child.Name] = ReadGroup(g, file, p); break;
                case IH5Dataset ds:
                    if (ReadValue(ds, file, p) is { } v) d[child.Name] = v;
                    break;
            }
        }
        return d;
    }

    /// <summary>A dataset as a string, a string array, a <see cref="NirArray"/>, or null when its type is not one of these (e.g. booleans).</summary>
    private static object? ReadValue(IH5Dataset ds, string file, string where)
    {
        var dims = ds.Space.Type == H5DataspaceType.Null ? [0UL] : ds.Space.Dimensions;
        long count = 1;
        foreach (var d in dims)
        {
            if (d > (ulong)MaxElements || (count *= (long)d) > MaxElements)
                throw new InvalidDataException($"{file}: dataset {where} has {string.Join("×", dims)} elements, more than {MaxElements}");
        }
        long[] shape = dims.Select(x => (long)x).ToArray();
        var cls = ds.Type.Class;
        if (cls is H5DataTypeClass.String or H5DataTypeClass.VariableLength)
        {
            try
            {
                if (shape.Length == 0) return ds.Read<string>();
                return ds.Read<string[]>();
            }
            catch (Exception e) when (e is not OutOfMemoryException && cls == H5DataTypeClass.VariableLength)
            {
                return null; // a variable-length sequence that is not a string
            }
        }
        if (cls == H5DataTypeClass.FloatingPoint)
        {
            return ds.Type.Size switch
            {
                4 => new NirArray(ds.Read<float[]>().Select(v => (double)v).ToArray(), shape, "float32"),
                8 => new NirArray(ds.Read<double[]>(), shape, "float64"),
                _ => throw new InvalidDataException($"{file}: dataset {where} has {ds.Type.Size}-byte floats (only 4 and 8 are read)"),
            };
        }
        if (cls == H5DataTypeClass.FixedPoint)
        {
            bool signed = ds.Type.FixedPoint.IsSigned;
            double[] values = (ds.Type.Size, signed) switch
            {
                (8, true) => ds.Read<long[]>().Select(v => (double)v).ToArray(),
                (8, false) => ds.Read<ulong[]>().Select(v => (double)v).ToArray(),
                (4, true) => ds.Read<int[]>().Select(v => (double)v).ToArray(),
                (4, false) => ds.Read<uint[]>().Select(v => (double)v).ToArray(),
                (2, true) => ds.Read<short[]>().Select(v => (double)v).ToArray(),
                (2, false) => ds.Read<ushort[]>().Select(v => (double)v).ToArray(),
                (1, true) => ds.Read<sbyte[]>().Select(v => (double)v).ToArray(),
                _ => ds.Read<byte[]>().Select(v => (double)v).ToArray(),
            };
            return new NirArray(values, shape, "int64");
        }
        return null;
    }
}
