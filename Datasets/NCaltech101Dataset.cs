using EventSnn.Datasets.Synthetic;
using EventSnn.Ingest;

namespace EventSnn.Datasets;

/// <summary>
/// N-Caltech101: <c>Caltech101.zip</c> as downloaded or its extracted <c>Caltech101/</c> folder (or a folder holding
/// either); ATIS <c>.bin</c> recordings <c>Caltech101/&lt;class&gt;/image_NNNN.bin</c>, sensor 240×180 (W×H). Classes are the
/// folder names in ordinal sorted order, <c>BACKGROUND_Google</c> left out unless
/// <see cref="DatasetOptions.IncludeBackground"/> (101 classes by default). The dataset defines no split, so this one is
/// documented and deterministic: per class, the files sorted by name are shuffled by a generator seeded with
/// <see cref="DatasetOptions.SplitSeed"/> and the class index, the first <c>⌊n·TrainFraction⌋</c> (at least 1 and at
/// most n − 1 when n ≥ 2) train and the rest test.
/// </summary>
public sealed class NCaltech101Dataset : IEventDataset
{
    /// <summary>Name of the clutter class that is excluded by default.</summary>
    public const string BackgroundClass = "BACKGROUND_Google";

    readonly Dictionary<DatasetSplit, List<DatasetSample>> _samples;

    NCaltech101Dataset(List<string> classes, Dictionary<DatasetSplit, List<DatasetSample>> samples)
    {
        ClassNames = classes; _samples = samples;
    }

    /// <inheritdoc/>
    public string Name => "ncaltech101";

    /// <inheritdoc/>
    public IReadOnlyList<string> ClassNames { get; }

    /// <inheritdoc/>
    public int SensorWidth => 240;

    /// <inheritdoc/>
    public int SensorHeight => 180;

    /// <inheritdoc/>
    public IReadOnlyList<DatasetSample> Samples(DatasetSplit split) => _samples[split];

    /// <inheritdoc/>
    public EventBatch LoadEvents(DatasetSample sample)
    {
        var e = EventFile.ReadAll(sample.Location).Events;
        e.Width = 240; e.Height = 180;
        return e;
    }

    static string? Locate(string root)
    {
        if (ClassFiles.IsArchive(root)) return root;
        if (!Directory.Exists(root)) return null;
        string sub = Path.Combine(root, "Caltech101");
        if (Directory.Exists(sub)) return sub;
        string zip = Path.Combine(root, "Caltech101.zip");
        if (File.Exists(zip)) return zip;
        if (Directory.EnumerateDirectories(root).Any(d => Directory.EnumerateFiles(d, "*.bin").Any())) return root;
        return null;
    }

    internal static bool Looks(string root) => Locate(root) is { } p && (ClassFiles.IsArchive(p) || Path.GetFileName(p) == "Caltech101" || Directory.Exists(p));

    internal static NCaltech101Dataset Open(string root, DatasetOptions options)
    {
        string location = Locate(root) ?? throw new DatasetNotFoundException("ncaltech101", root, ["Caltech101.zip or Caltech101/"],
            "Expected Caltech101.zip, its extracted Caltech101/ folder of class folders with .bin files, or a folder holding either");
        if (!(options.TrainFraction > 0 && options.TrainFraction < 1)) throw new ArgumentException($"train fraction must lie in (0, 1), got {options.TrainFraction}");
        Dictionary<string, List<(string Source, string? Entry, string Name)>> byClass;
        if (ClassFiles.IsArchive(location)) byClass = ClassFiles.InArchive(location, [".bin"]);
        else
            byClass = Directory.EnumerateDirectories(location).ToDictionary(d => new DirectoryInfo(d).Name, d => ClassFiles.InFolder(d, [".bin"]));
        var classes = byClass.Where(kv => kv.Value.Count > 0).Select(kv => kv.Key)
            .Where(c => options.IncludeBackground || c != BackgroundClass)
            .OrderBy(c => c, StringComparer.Ordinal).ToList();
        if (classes.Count == 0) throw new DatasetNotFoundException("ncaltech101", location, ["class folders holding .bin recordings"]);
        var samples = new Dictionary<DatasetSplit, List<DatasetSample>> { [DatasetSplit.Train] = [], [DatasetSplit.Test] = [] };
        for (int label = 0; label < classes.Count; label++)
        {
            var files = byClass[classes[label]].OrderBy(f => f.Name, StringComparer.Ordinal).ToList();
            var rng = new SplitMixRandom(options.SplitSeed, label);
            for (int i = files.Count - 1; i > 0; i--) { int j = rng.Next(i + 1); (files[i], files[j]) = (files[j], files[i]); }
            int n = files.Count;
            int nTrain = n < 2 ? n : Math.Clamp((int)Math.Floor(n * options.TrainFraction), 1, n - 1);
            for (int k = 0; k < n; k++)
                samples[k < nTrain ? DatasetSplit.Train : DatasetSplit.Test].Add(new DatasetSample(
                    $"{classes[label]}/{Path.GetFileNameWithoutExtension(files[k].Name)}", label, files[k].Source, files[k].Entry));
        }
        foreach (var list in samples.Values) list.Sort((a, b) => a.Label != b.Label ? a.Label.CompareTo(b.Label) : string.CompareOrdinal(a.Id, b.Id));
        return new NCaltech101Dataset(classes, samples);
    }
}
