using System.Collections;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace EventSnn.Model.Conversion;

/// <summary>A PyTorch state dict that does not fit the network it is loaded into; lists every problem.</summary>
public sealed class StateDictMismatchException : IOException
{
    public StateDictMismatchException(string file, IReadOnlyList<string> missing, IReadOnlyList<string> unexpected, IReadOnlyList<string> misShaped)
        : base(Describe(file, missing, unexpected, misShaped))
    {
        File = file;
        Missing = missing;
        Unexpected = unexpected;
        MisShaped = misShaped;
    }

    /// <summary>The state-dict file.</summary>
    public string File { get; }

    /// <summary>Tensors the network needs that the file lacks.</summary>
    public IReadOnlyList<string> Missing { get; }

    /// <summary>Tensors in the file the network does not have.</summary>
    public IReadOnlyList<string> Unexpected { get; }

    /// <summary>"name: file [shape] vs network [shape]" for tensors present on both sides with different shapes.</summary>
    public IReadOnlyList<string> MisShaped { get; }

    private static string Describe(string file, IReadOnlyList<string> missing, IReadOnlyList<string> unexpected, IReadOnlyList<string> misShaped)
    {
        var parts = new List<string>();
        if (missing.Count > 0) parts.Add($"missing: {string.Join(", ", missing)}");
        if (unexpected.Count > 0) parts.Add($"unexpected: {string.Join(", ", unexpected)}");
        if (misShaped.Count > 0) parts.Add($"mis-shaped: {string.Join("; ", misShaped)}");
        return $"{file}: state dict does not match the network ({string.Join(" | ", parts)})";
    }
}

/// <summary>
/// Moves weights between EventSnn networks and PyTorch (TorchSharp.PyBridge): <see cref="Export"/> writes a file that
/// <c>torch.load</c> reads as a state dict; <see cref="Import"/> loads one written by
/// <c>torch.save(model.state_dict(), path)</c>. Names follow the method's PyTorch models (METHOD.md §7), so a VGG-16
/// or ResNet trained there loads 1:1. Also accepted: a <c>module.</c> prefix on every key (DataParallel/DDP) and the
/// method's conversion wrapper <c>nn.Sequential(PreLayer, *model.children(), PostLayer)</c>, whose keys start with the
/// child's position (<c>1.0.weight</c> for <c>layer1.0.weight</c>). <c>num_batches_tracked</c> counters may be absent.
/// </summary>
public static class PyTorchStateDict
{
    /// <summary>Reads every tensor of a PyTorch state-dict file (zip format of <c>torch.save</c>).</summary>
    public static Dictionary<string, Tensor> Read(string path)
    {
        if (!System.IO.File.Exists(path)) throw new FileNotFoundException($"state dict not found: {path}", path);
        Hashtable table;
        try
        {
            using var stream = System.IO.File.OpenRead(path);
            table = PyTorchUnpickler.UnpickleStateDict(stream);
        }
        catch (Exception e) when (e is not (OutOfMemoryException or FileNotFoundException))
        {
            throw new InvalidDataException($"{path}: not a PyTorch state dict saved with torch.save ({e.Message})", e);
        }
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in table)
            if (entry.Key is string key && entry.Value is Tensor tensor) result[key] = tensor;
        return result;
    }

    /// <summary>Writes the network's parameters and buffers as a PyTorch state dict (atomically).</summary>
    public static void Export(nn.Module network, string path)
    {
        var state = network.state_dict();
        string full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        string tmp = full + ".tmp";
        using (var stream = System.IO.File.Create(tmp))
            PyTorchPickler.PickleStateDict(stream, state.ToDictionary(kv => kv.Key, kv => kv.Value.detach().cpu()));
        System.IO.File.Move(tmp, full, overwrite: true);
    }

    /// <summary>
    /// Loads a PyTorch state dict into <paramref name="network"/>. Every network tensor must be present with the same
    /// shape and every file tensor must belong to the network; otherwise nothing is changed and a
    /// <see cref="StateDictMismatchException"/> lists the missing, unexpected and mis-shaped names.
    /// </summary>
    public static void Import(nn.Module network, string path)
    {
        var file = Read(path);
        try
        {
            var target = network.state_dict();
            var aligned = Align(file, target, network);
            var missing = new List<string>();
            var unexpected = new List<string>();
            var misShaped = new List<string>();
            foreach (var (name, tensor) in target)
            {
                if (!aligned.TryGetValue(name, out var source))
                {
                    if (!IsCounter(name)) missing.Add(name);
                    continue;
                }
                if (!ShapesFit(source, tensor))
                    misShaped.Add($"{name}: file [{string.Join(", ", source.shape)}] vs network [{string.Join(", ", tensor.shape)}]");
            }
            foreach (var name in aligned.Keys)
                if (!target.ContainsKey(name) && !IsCounter(name)) unexpected.Add(name);
            if (missing.Count + unexpected.Count + misShaped.Count > 0)
                throw new StateDictMismatchException(path, missing, unexpected, misShaped);

            using var _ = torch.no_grad();
            foreach (var (name, tensor) in target)
            {
                if (!aligned.TryGetValue(name, out var source)) continue;
                using var converted = source.to(tensor.dtype).to(tensor.device).reshape(tensor.shape);
                tensor.copy_(converted);
            }
        }
        finally
        {
            foreach (var t in file.Values) t.Dispose();
        }
    }

    private static bool IsCounter(string name) => name.EndsWith("num_batches_tracked", StringComparison.Ordinal);

    // PyBridge turns 0-dim tensors into [1]; a one-element tensor fits a scalar slot and vice versa.
    private static bool ShapesFit(Tensor a, Tensor b) =>
        a.shape.SequenceEqual(b.shape) || (a.numel() == 1 && b.numel() == 1);

    /// <summary>Renames file keys to the network's convention (strips <c>module.</c>; maps the conversion wrapper's positions).</summary>
    private static Dictionary<string, Tensor> Align(Dictionary<string, Tensor> file, IDictionary<string, Tensor> target, nn.Module network)
    {
        var keys = file.Keys.ToList();
        if (keys.Count > 0 && keys.All(k => k.StartsWith("module.", StringComparison.Ordinal)))
            file = file.ToDictionary(kv => kv.Key["module.".Length..], kv => kv.Value, StringComparer.Ordinal);
        if (file.Keys.Any(target.ContainsKey)) return file;

        // The method's conversion wrapper puts PreLayer at position 0, so child i of the model sits at position i + 1.
        var children = network.named_children().Select(c => c.name).ToList();
        var mapped = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (key, tensor) in file)
        {
            int dot = key.IndexOf('.');
            if (dot > 0 && int.TryParse(key[..dot], out int position) && position >= 1 && position <= children.Count)
                mapped[children[position - 1] + key[dot..]] = tensor;
            else
                return file;
        }
        return mapped.Keys.Count(target.ContainsKey) > 0 ? mapped : file;
    }
}
