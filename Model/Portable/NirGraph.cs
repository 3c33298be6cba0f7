namespace EventSnn.Model.Portable;

/// <summary>
/// A numeric array of a NIR file: values (float64 here, exact for every float32 and int32 the file holds), its shape
/// (empty for a scalar) and the element type it has (or will have) in the file.
/// </summary>
/// <param name="Values">Elements in row-major order.</param>
/// <param name="Shape">Dimensions; empty for a scalar.</param>
/// <param name="Type">"float32", "float64" or "int64" (how it is written; what it was read as).</param>
public sealed record NirArray(double[] Values, long[] Shape, string Type)
{
    /// <summary>A float32 array.</summary>
    public static NirArray Float32(float[] values, params long[] shape) => new(values.Select(v => (double)v).ToArray(), shape, "float32");

    /// <summary>A float64 array.</summary>
    public static NirArray Float64(double[] values, params long[] shape) => new(values, shape, "float64");

    /// <summary>A float64 array of <paramref name="shape"/> with every element <paramref name="value"/>.</summary>
    public static NirArray Filled(double value, long[] shape) => new(Enumerable.Repeat(value, (int)shape.Aggregate(1L, (a, b) => a * b)).ToArray(), shape, "float64");

    /// <summary>An int64 vector.</summary>
    public static NirArray Ints(params long[] values) => new(values.Select(v => (double)v).ToArray(), [values.Length], "int64");

    /// <summary>An int64 scalar.</summary>
    public static NirArray Int(long value) => new([value], [], "int64");

    /// <summary>Number of elements.</summary>
    public long Count => Values.LongLength;

    /// <summary>The values as integers (throws when one is not a whole number).</summary>
    public long[] AsLongs(string where)
    {
        var r = new long[Values.Length];
        for (int i = 0; i < r.Length; i++)
        {
            double v = Values[i];
            if (v != Math.Floor(v) || Math.Abs(v) > 1e15) throw new InvalidDataException($"{where}: expected whole numbers, got {v}");
            r[i] = (long)v;
        }
        return r;
    }

    /// <summary>Shape as text, e.g. <c>[64, 2, 3, 3]</c>.</summary>
    public string ShapeText => "[" + string.Join(", ", Shape) + "]";
}

/// <summary>
/// One NIR node: its name in the graph, its <c>type</c> (e.g. <c>Conv2d</c>, <c>LIF</c>) and its fields as the
/// reference implementation writes them — numeric arrays (<see cref="NirArray"/>), strings, or nested groups
/// (<c>Dictionary&lt;string, object&gt;</c>, e.g. <c>input_type</c>, <c>metadata</c>).
/// </summary>
public sealed class NirNode
{
    /// <summary>Creates a node.</summary>
    public NirNode(string name, string type)
    {
        Name = name;
        Type = type;
    }

    /// <summary>Name (key in the graph's <c>nodes</c> group).</summary>
    public string Name { get; }

    /// <summary>NIR type name.</summary>
    public string Type { get; }

    /// <summary>Fields other than <c>type</c>, in writing order.</summary>
    public Dictionary<string, object> Fields { get; } = new();

    /// <summary>Sets a field and returns the node.</summary>
    public NirNode With(string key, object value)
    {
        Fields[key] = value;
        return this;
    }

    /// <summary>The numeric field <paramref name="key"/>; throws <see cref="InvalidDataException"/> naming node and field when missing.</summary>
    public NirArray Array(string key) =>
        Fields.TryGetValue(key, out var v) && v is NirArray a ? a
        : throw new InvalidDataException($"node '{Name}' ({Type}): field '{key}' is missing or not numeric");

    /// <summary>The numeric field <paramref name="key"/>, or null.</summary>
    public NirArray? TryArray(string key) => Fields.TryGetValue(key, out var v) ? v as NirArray : null;
}

/// <summary>
/// A NIR graph (<c>NIRGraph</c>): named nodes, directed edges between node names, and metadata (this project writes
/// <c>dt</c>, the time step in seconds that the neuron parameters assume, and <c>source</c>).
/// </summary>
public sealed class NirGraph
{
    /// <summary>NIR version written to the file's <c>version</c> dataset.</summary>
    public const string WrittenVersion = "1.0.6";

    /// <summary>Nodes in file order.</summary>
    public List<NirNode> Nodes { get; } = new();

    /// <summary>Edges (source node name, target node name).</summary>
    public List<(string From, string To)> Edges { get; } = new();

    /// <summary>Graph metadata: numbers (<see cref="NirArray"/>) or strings.</summary>
    public Dictionary<string, object> Metadata { get; } = new();

    /// <summary>The file's NIR version (when read), or <see cref="WrittenVersion"/>.</summary>
    public string Version { get; set; } = WrittenVersion;

    /// <summary>The node named <paramref name="name"/>.</summary>
    public NirNode Node(string name) => Nodes.FirstOrDefault(n => n.Name == name)
        ?? throw new InvalidDataException($"edge names node '{name}', which the graph does not have");

    /// <summary><c>metadata/dt</c> in seconds when present and positive.</summary>
    public double? Dt => Metadata.TryGetValue("dt", out var v) && v is NirArray a && a.Count == 1 && a.Values[0] > 0 ? a.Values[0] : null;
}
