using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Serialization;
using TorchSharp;
using static TorchSharp.torch;
using EventSnn.Ingest.Io;

namespace EventSnn.Model;

/// <summary>
/// Checkpoint files (<c>*.ckpt</c>): one ZIP archive holding
/// <list type="bullet">
/// <item><c>info.json</c> (<see cref="ProjectJson"/>; older checkpoints with camelCase keys still read): the <see cref="ModelInfo"/> (architecture, T, neurons with the current per-layer thresholds, dataset, classes, input and frame settings, kind);</item>
/// <item><c>metadata.json</c>: free string pairs (training epoch, accuracies, how the checkpoint was selected);</item>
/// <item><c>weights.bin</c>: the network's parameters and buffers in TorchSharp's <c>Module.save</c> format.</item>
/// </list>
/// Writes are atomic: the archive is written to a temporary file in the same folder and then renamed over the target,
/// so a crash never leaves a half-written checkpoint under the final name.
/// </summary>
public static class Checkpoint
{
    /// <summary>Writes <paramref name="net"/> and <paramref name="info"/> (thresholds refreshed from the net) to <paramref name="path"/> atomically.</summary>
    public static void Save(string path, SpikingNetwork net, ModelInfo info, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var thresholds = net.SpikingLayers.Select(l => l.Threshold).ToArray();
        bool uniform = thresholds.All(t => t == info.Neuron.Threshold);
        var stored = info with { Neuron = info.Neuron with { LayerThresholds = uniform ? null : thresholds } };
        stored.Validate();
        WriteArchive(path, net, ("info.json", stored), ("metadata.json", metadata ?? new Dictionary<string, string>()));
    }

    /// <summary>
    /// Writes the weights of any module with <paramref name="metadata"/> in the checkpoint layout but without
    /// <c>info.json</c>: the training state of a network that is not a spiking network (an ANN before conversion).
    /// Read back with <see cref="LoadWeights"/>.
    /// </summary>
    public static void SaveWeights(string path, nn.Module net, IReadOnlyDictionary<string, string> metadata)
        => WriteArchive(path, net, ("metadata.json", metadata));

    /// <summary>
    /// Loads weights written by <see cref="SaveWeights"/> (or a checkpoint's) into <paramref name="net"/>, which must be the
    /// same architecture (<paramref name="what"/> names it in errors); returns the metadata.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is damaged or its weights do not fit the network.</exception>
    public static IReadOnlyDictionary<string, string> LoadWeights(string path, nn.Module net, string what)
    {
        using var zip = OpenArchive(path);
        var metadata = ReadJson<Dictionary<string, string>>(zip, path, "metadata.json");
        ReadWeights(zip, path, net, what);
        return metadata;
    }

    private static void WriteArchive(string path, nn.Module net, params (string Name, object Value)[] json)
    {
        string full = Path.GetFullPath(path);
        string dir = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        string tmp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var file = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write))
            using (var zip = new ZipArchive(file, ZipArchiveMode.Create))
            {
                foreach (var (name, value) in json) WriteJson(zip, name, value);
                var entry = zip.CreateEntry("weights.bin", CompressionLevel.Fastest);
                using var es = entry.Open();
                using var writer = new BinaryWriter(es);
                net.save(writer);
            }
            File.Move(tmp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
        }
    }

    /// <summary>Rebuilds the network named in the checkpoint, loads its weights and moves it to <paramref name="device"/> (CPU by default); the network is in eval mode.</summary>
    /// <exception cref="InvalidDataException">The file is not a checkpoint or is damaged (the message names the file and entry).</exception>
    public static (SpikingNetwork Net, ModelInfo Info) Load(string path, Device? device = null)
    {
        using var zip = OpenArchive(path);
        var info = ReadJson<ModelInfo>(zip, path, "info.json");
        SpikingNetwork net;
        try
        {
            info.Validate();  // sizes from the file are checked before anything is allocated for them
            net = Architectures.Create(info);
        }
        catch (ArgumentException e) { throw new InvalidDataException($"{path}#info.json: {e.Message}", e); }
        try { ReadWeights(zip, path, net, $"architecture '{info.Arch}'"); }
        catch { net.Dispose(); throw; }
        if (device is not null && device.type != DeviceType.CPU) net.to(device);
        net.eval();
        return (net, info);
    }

    /// <summary>Streams <c>weights.bin</c> into <paramref name="net"/>.</summary>
    private static void ReadWeights(ZipArchive zip, string path, nn.Module net, string what)
    {
        var entry = zip.GetEntry("weights.bin") ?? throw new InvalidDataException($"{path}: entry 'weights.bin' is missing");
        // The architecture fixes how many bytes its weights take: a weights.bin declaring or holding more is refused
        // while streaming, never buffered (TorchSharp reads each tensor's shape and checks it against the parameter).
        long expected = 1 << 20;
        foreach (var (name, tensor) in net.state_dict())
            expected += tensor.NumberOfElements * tensor.ElementSize + name.Length + 64;
        try
        {
            if (entry.Length > expected)
                throw new InvalidDataException($"{path}#weights.bin: {entry.Length} bytes declared, {what} needs at most {expected}");
            using var es = new LimitedReadStream(entry.Open(), expected, $"{path}#weights.bin");
            using var reader = new BinaryReader(new BufferedStream(es, 1 << 16));
            net.load(reader, strict: true);
        }
        catch (Exception e) when (e is not OutOfMemoryException and not InvalidDataException)
        {
            throw new InvalidDataException($"{path}#weights.bin: weights do not match {what} ({e.Message})", e);
        }
    }

    /// <summary>Reads only the <see cref="ModelInfo"/> of a checkpoint.</summary>
    public static ModelInfo ReadInfo(string path)
    {
        using var zip = OpenArchive(path);
        return ReadJson<ModelInfo>(zip, path, "info.json");
    }

    /// <summary>Reads only the metadata pairs of a checkpoint.</summary>
    public static IReadOnlyDictionary<string, string> ReadMetadata(string path)
    {
        using var zip = OpenArchive(path);
        return ReadJson<Dictionary<string, string>>(zip, path, "metadata.json");
    }

    private static ZipArchive OpenArchive(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"checkpoint not found: {path}", path);
        try { return ZipFile.OpenRead(path); }
        catch (InvalidDataException e) { throw new InvalidDataException($"{path}: not a checkpoint archive ({e.Message})", e); }
    }

    private static void WriteJson<T>(ZipArchive zip, string name, T value)
    {
        var entry = zip.CreateEntry(name, CompressionLevel.Fastest);
        using var s = entry.Open();
        JsonSerializer.Serialize(s, value, ProjectJson.Options);
    }

    /// <summary>Largest info.json or metadata.json read from a checkpoint: 16 MiB.</summary>
    public const int MaxJsonBytes = 16 << 20;

    private static T ReadJson<T>(ZipArchive zip, string path, string name)
    {
        var entry = zip.GetEntry(name) ?? throw new InvalidDataException($"{path}: entry '{name}' is missing");
        if (entry.Length > MaxJsonBytes) throw new InvalidDataException($"{path}#{name}: {entry.Length} bytes, more than the {MaxJsonBytes} a checkpoint's JSON may hold");
        try
        {
            using var s = new LimitedReadStream(entry.Open(), MaxJsonBytes, $"{path}#{name}");
            return ProjectJson.Deserialize<T>(s) ?? throw new InvalidDataException($"{path}#{name}: empty JSON");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}#{name}: invalid JSON at byte {e.BytePositionInLine} of line {e.LineNumber} ({e.Message})", e);
        }
    }
}

/// <summary>Reads at most a given number of bytes from a stream; one more is an <see cref="InvalidDataException"/> naming the source.</summary>
internal sealed class LimitedReadStream(Stream inner, long limit, string where) : ForwardReadStream
{
    long _read;

    public override long Position { get => _read; set => throw new NotSupportedException(); }
    public override int Read(Span<byte> buffer)
    {
        int n = inner.Read(buffer[..(int)Math.Min(buffer.Length, limit - _read + 1)]);
        _read += n;
        if (_read > limit) throw new InvalidDataException($"{where}: more than the {limit} bytes it may hold");
        return n;
    }
    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }
}
