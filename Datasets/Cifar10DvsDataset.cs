using EventSnn.Ingest;

namespace EventSnn.Datasets;

/// <summary>
/// CIFAR10-DVS: the ten per-class zips as downloaded (<c>airplane.zip</c> … <c>truck.zip</c>, each holding
/// <c>&lt;class&gt;/cifar10_&lt;class&gt;_&lt;i&gt;.aedat</c>, AEDAT 2.0 DVS128), or one folder per class, or the AEDAT 4.0
/// re-encoding Tonic downloads once its outer <c>CIFAR10DVS.zip</c> is extracted (class zips or folders of <c>.aedat4</c>).
/// Classes in the standard CIFAR-10 order. Split (no official one exists): per class, files sorted by index; the first
/// 90 % train and the rest test, as in the method's code (<c>"method"</c>, default), or indices 0–99 test and the rest
/// train (<c>"spikingjelly"</c>). Coordinates follow <see cref="DatasetOptions.Convention"/> (libcaer by default).
/// </summary>
public sealed class Cifar10DvsDataset : IEventDataset
{
    /// <summary>CIFAR-10 class names in label order.</summary>
    public static IReadOnlyList<string> CifarClassNames { get; } =
        ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];

    static readonly string[] Extensions = [".aedat", ".aedat4"];
    readonly Dictionary<DatasetSplit, List<DatasetSample>> _samples;
    readonly EventReadOptions _read;

    Cifar10DvsDataset(Dictionary<DatasetSplit, List<DatasetSample>> samples, EventReadOptions read)
    {
        _samples = samples; _read = read;
    }

    /// <inheritdoc/>
    public string Name => "cifar10dvs";

    /// <inheritdoc/>
    public IReadOnlyList<string> ClassNames => CifarClassNames;

    /// <inheritdoc/>
    public int SensorWidth => 128;

    /// <inheritdoc/>
    public int SensorHeight => 128;

    /// <inheritdoc/>
    public IReadOnlyList<DatasetSample> Samples(DatasetSplit split) => _samples[split];

    /// <inheritdoc/>
    public EventBatch LoadEvents(DatasetSample sample)
    {
        var rec = EventFile.ReadAll(sample.Location, _read);
        var e = rec.Events;
        e.Width = 128; e.Height = 128;
        return e;
    }

    internal static bool Looks(string root) =>
        Directory.Exists(root) && CifarClassNames.Count(c => File.Exists(Path.Combine(root, c + ".zip")) || Directory.Exists(Path.Combine(root, c))) >= 2;

    internal static Cifar10DvsDataset Open(string root, DatasetOptions options)
    {
        if (!Directory.Exists(root))
            throw new DatasetNotFoundException("cifar10dvs", root, [root], "Expected a folder holding the ten class zips (airplane.zip … truck.zip) or class folders");
        string split = options.Cifar10DvsSplit.Trim().ToLowerInvariant();
        if (split is not ("method" or "spikingjelly")) throw new ArgumentException($"CIFAR10-DVS split '{options.Cifar10DvsSplit}': use 'method' or 'spikingjelly'");
        var samples = new Dictionary<DatasetSplit, List<DatasetSample>> { [DatasetSplit.Train] = [], [DatasetSplit.Test] = [] };
        var missing = new List<string>();
        for (int label = 0; label < CifarClassNames.Count; label++)
        {
            string cls = CifarClassNames[label];
            string zip = Path.Combine(root, cls + ".zip"), dir = Path.Combine(root, cls);
            List<(string Source, string? Entry, string Name)> files;
            if (Directory.Exists(dir)) files = ClassFiles.InFolder(dir, Extensions);
            else if (File.Exists(zip)) files = ClassFiles.InArchive(zip, Extensions).SelectMany(kv => kv.Value).ToList();
            else { missing.Add(cls + ".zip (or folder " + cls + "/)"); continue; }
            if (files.Count == 0) { missing.Add($"recordings of class {cls} (.aedat or .aedat4)"); continue; }
            var ordered = files.OrderBy(f => ClassFiles.TrailingIndex(f.Name)).ThenBy(f => f.Name, StringComparer.Ordinal).ToList();
            int nTrain = (int)(ordered.Count * 0.9);
            for (int k = 0; k < ordered.Count; k++)
            {
                var f = ordered[k];
                int index = ClassFiles.TrailingIndex(f.Name);
                bool test = split == "method" ? k >= nTrain : index is >= 0 and < 100;
                samples[test ? DatasetSplit.Test : DatasetSplit.Train].Add(
                    new DatasetSample($"{cls}/{Path.GetFileNameWithoutExtension(f.Name)}", label, f.Source, f.Entry));
            }
        }
        if (missing.Count > 0)
            throw new DatasetNotFoundException("cifar10dvs", root, missing, File.Exists(Path.Combine(root, "CIFAR10DVS.zip"))
                ? "CIFAR10DVS.zip (Tonic's AEDAT 4.0 copy) holds the class zips inside it: extract it once into this folder"
                : null);
        return new Cifar10DvsDataset(samples, new EventReadOptions { Convention = options.Convention });
    }
}
