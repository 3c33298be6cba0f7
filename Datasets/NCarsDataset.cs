using System.Collections.Concurrent;
using EventSnn.Ingest;
using EventSnn.Ingest.Archives;

namespace EventSnn.Datasets;

/// <summary>
/// N-CARS (Sironi et al., CVPR 2018; recorded with a Prophesee ATIS): 100 ms samples of cars and background as DAT
/// files <c>…train…/cars/*.dat</c>, <c>…train…/background/*.dat</c>, <c>…test…/cars/*.dat</c>,
/// <c>…test…/background/*.dat</c> (the download's <c>n-cars_train/</c> and <c>n-cars_test/</c>, or folders named
/// <c>train</c>/<c>test</c>). The root may be the folder holding them, an archive (.zip/.tar/.tar.gz) holding them, or a
/// folder holding such archives (e.g. <c>n-cars_train.zip</c> and <c>n-cars_test.zip</c>). The split is the official
/// one (the train/test folders). Classes in label order: <c>background</c> (0), <c>cars</c> (1). The samples are crops
/// of varying size whose DAT headers state none: every sample is placed on a <see cref="Width"/> × <see cref="Height"/>
/// canvas at its own coordinates (zero-padded; the few events beyond it are cropped when binning), and the whole sample
/// is the time window.
/// </summary>
public sealed class NCarsDataset : IEventDataset
{
    /// <summary>Canvas width in pixels (the largest crop width).</summary>
    public const int Width = 120;

    /// <summary>Canvas height in pixels (the largest crop height).</summary>
    public const int Height = 100;

    /// <summary>Class names in label order.</summary>
    public static IReadOnlyList<string> Classes { get; } = ["background", "cars"];

    static readonly EventReadOptions Read = new() { SensorWidth = Width, SensorHeight = Height };

    readonly Dictionary<DatasetSplit, List<DatasetSample>> _samples;

    NCarsDataset(Dictionary<DatasetSplit, List<DatasetSample>> samples) => _samples = samples;

    /// <inheritdoc/>
    public string Name => "ncars";

    /// <inheritdoc/>
    public IReadOnlyList<string> ClassNames => Classes;

    /// <inheritdoc/>
    public int SensorWidth => Width;

    /// <inheritdoc/>
    public int SensorHeight => Height;

    /// <inheritdoc/>
    public IReadOnlyList<DatasetSample> Samples(DatasetSplit split) => _samples[split];

    /// <inheritdoc/>
    public EventBatch LoadEvents(DatasetSample sample)
    {
        var e = EventFile.ReadAll(sample.Location, Read).Events;
        e.Width = Width; e.Height = Height;
        return e;
    }

    /// <summary>Plain files one by one; each archive in one forward pass (entries in archive order).</summary>
    public IEnumerable<(DatasetSample Sample, EventBatch Events)> ReadAll(DatasetSplit split)
    {
        foreach (var s in _samples[split].Where(s => s.Entry is null)) yield return (s, LoadEvents(s));
        foreach (var group in _samples[split].Where(s => s.Entry is not null).GroupBy(s => s.Source))
            foreach (var item in WalkArchive(group.Key, group.ToDictionary(s => s.Entry!, s => s)))
                yield return item;
    }

    static IEnumerable<(DatasetSample, EventBatch)> WalkArchive(string archive, Dictionary<string, DatasetSample> byEntry)
    {
        // EventArchive.Walk calls back; a bounded queue hands each sample out as soon as it is read.
        using var queue = new BlockingCollection<(DatasetSample, EventBatch)>(boundedCapacity: 64);
        using var stop = new CancellationTokenSource();
        Exception? failure = null;
        var worker = Task.Run(() =>
        {
            try
            {
                EventArchive.Walk(archive, byEntry.ContainsKey, (entry, stream) =>
                {
                    using var reader = EventFile.Open(EventInput.FromStream(stream, archive, entry), Read);
                    var events = EventFile.ReadAll(reader).Events;
                    events.Width = Width; events.Height = Height;
                    try { queue.Add((byEntry[entry], events), stop.Token); }
                    catch { events.Dispose(); throw; }
                });
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested) { }
            catch (Exception e) { failure = e; }
            finally { queue.CompleteAdding(); }
        });
        try
        {
            foreach (var item in queue.GetConsumingEnumerable()) yield return item;
        }
        finally
        {
            // A consumer that stops early must not leave the reader blocked on a full queue.
            stop.Cancel();
            worker.Wait();
            foreach (var (_, b) in queue) b.Dispose();
        }
        if (failure is not null) throw failure is EventFormatException or InvalidDataException ? failure : new InvalidDataException(failure.Message, failure);
    }

    /// <summary>(split, label) of a path like <c>n-cars_train/cars/obj_004397_td.dat</c>, or null.</summary>
    internal static (DatasetSplit Split, int Label)? Classify(string relativePath)
    {
        if (!relativePath.EndsWith(".dat", StringComparison.OrdinalIgnoreCase)) return null;
        string[] parts = relativePath.Replace('\\', '/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 3) return null;
        int label = parts[^2].ToLowerInvariant() switch { "background" => 0, "cars" or "car" => 1, _ => -1 };
        if (label < 0) return null;
        for (int i = parts.Length - 3; i >= 0; i--)
        {
            string p = parts[i].ToLowerInvariant();
            if (p.Contains("train")) return (DatasetSplit.Train, label);
            if (p.Contains("test")) return (DatasetSplit.Test, label);
        }
        return null;
    }

    // (source, entry or null, relative name) of every candidate file under root.
    static IEnumerable<(string Source, string? Entry, string Name)> Candidates(string root)
    {
        if (ClassFiles.IsArchive(root))
        {
            foreach (string entry in EventArchive.List(root)) yield return (root, entry, entry);
            yield break;
        }
        if (!Directory.Exists(root)) yield break;
        string full = Path.GetFullPath(root);
        // The folder's own name may carry the split (pointing at n-cars_train/ directly).
        string prefix = Path.GetFileName(full.TrimEnd(Path.DirectorySeparatorChar)) + "/";
        foreach (string f in Directory.EnumerateFiles(full, "*", SearchOption.AllDirectories))
        {
            string rel = Path.GetRelativePath(full, f).Replace('\\', '/');
            if (f.EndsWith(".dat", StringComparison.OrdinalIgnoreCase)) yield return (f, null, prefix + rel);
            else if (ArchivePath.IsArchiveName(f) && !rel.Contains('/'))
                foreach (string entry in EventArchive.List(f)) yield return (f, entry, Path.GetFileName(f) + "/" + entry);
        }
    }

    /// <summary>True when <paramref name="root"/> holds N-CARS-shaped .dat files.</summary>
    internal static bool Looks(string root)
    {
        try { return Candidates(root).Take(100_000).Any(c => Classify(c.Name) is not null); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException) { return false; }
    }

    internal static NCarsDataset Open(string root)
    {
        if (!ClassFiles.IsArchive(root) && !Directory.Exists(root))
            throw new DatasetNotFoundException("ncars", root, [root], "Expected the N-CARS folder or archive with train/ and test/ folders of cars/ and background/ .dat files");
        var samples = new Dictionary<DatasetSplit, List<DatasetSample>> { [DatasetSplit.Train] = [], [DatasetSplit.Test] = [] };
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (source, entry, name) in Candidates(root))
        {
            if (Classify(name) is not { } c) continue;
            string id = $"{(c.Split == DatasetSplit.Train ? "train" : "test")}/{Classes[c.Label]}/{Path.GetFileNameWithoutExtension(name)}";
            if (!seen.Add(id)) continue; // the same sample extracted and archived: keep the first
            samples[c.Split].Add(new DatasetSample(id, c.Label, source, entry));
        }
        var missing = new List<string>();
        foreach (var split in new[] { DatasetSplit.Train, DatasetSplit.Test })
            foreach (int label in new[] { 0, 1 })
                if (!samples[split].Any(s => s.Label == label))
                    missing.Add($"{(split == DatasetSplit.Train ? "train" : "test")}/{Classes[label]}/*.dat");
        if (missing.Count == 4) throw new DatasetNotFoundException("ncars", root, missing, "Expected folders train|test (or n-cars_train|n-cars_test) holding cars/ and background/ .dat files");
        foreach (var list in samples.Values) list.Sort((a, b) => a.Label != b.Label ? a.Label.CompareTo(b.Label) : string.CompareOrdinal(a.Id, b.Id));
        return new NCarsDataset(samples);
    }
}
