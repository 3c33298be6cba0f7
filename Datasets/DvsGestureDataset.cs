using EventSnn.Ingest;
using EventSnn.Ingest.Archives;

namespace EventSnn.Datasets;

/// <summary>
/// DVS128 Gesture (IBM): <c>DvsGesture.tar.gz</c> as downloaded, or its extracted <c>DvsGesture/</c> folder (or a folder
/// holding either). The official split comes from <c>trials_to_train.txt</c> / <c>trials_to_test.txt</c>; every row of a
/// trial's labels CSV is one sample (a class repeated in one trial gives two samples), window <c>[start, end)</c> µs,
/// label = class − 1; 11 classes; sensor 128×128. Events keep the recording's timestamps (not re-based).
/// </summary>
public sealed class DvsGestureDataset : IEventDataset
{
    /// <summary>The 11 class names, in label order (class 1 … 11 of the labels CSV).</summary>
    public static IReadOnlyList<string> GestureClassNames { get; } =
    [
        "hand_clapping", "right_hand_wave", "left_hand_wave", "right_arm_clockwise", "right_arm_counter_clockwise",
        "left_arm_clockwise", "left_arm_counter_clockwise", "arm_roll", "air_drums", "air_guitar", "other_gestures",
    ];

    readonly string? _archive;     // the tarball, or null for folder mode
    readonly string _folder;       // folder mode: the DvsGesture folder; archive mode: entry prefix (e.g. "DvsGesture/")
    readonly Dictionary<DatasetSplit, List<DatasetSample>> _samples;
    readonly Dictionary<DatasetSplit, List<string>> _trials;

    DvsGestureDataset(string? archive, string folder, Dictionary<DatasetSplit, List<string>> trials, Dictionary<string, IReadOnlyList<GestureLabel>> labels)
    {
        _archive = archive; _folder = folder; _trials = trials;
        _samples = [];
        foreach (var (split, list) in trials)
        {
            var samples = new List<DatasetSample>();
            foreach (string trial in list)
            {
                var rows = labels[trial];
                for (int k = 0; k < rows.Count; k++)
                {
                    var l = rows[k];
                    samples.Add(new DatasetSample($"{trial}#{k}", l.Class - 1, archive ?? Path.Combine(folder, trial + ".aedat"),
                        archive is null ? null : folder + trial + ".aedat", l.StartUs, l.EndUs));
                }
            }
            _samples[split] = samples;
        }
    }

    /// <inheritdoc/>
    public string Name => "dvsgesture";

    /// <inheritdoc/>
    public IReadOnlyList<string> ClassNames => GestureClassNames;

    /// <inheritdoc/>
    public int SensorWidth => 128;

    /// <inheritdoc/>
    public int SensorHeight => 128;

    /// <summary>Trial names (<c>userNN_lighting</c>) of a split, in the order of its trials file.</summary>
    public IReadOnlyList<string> Trials(DatasetSplit split) => _trials[split];

    /// <inheritdoc/>
    public IReadOnlyList<DatasetSample> Samples(DatasetSplit split) => _samples[split];

    /// <inheritdoc/>
    public EventBatch LoadEvents(DatasetSample sample)
    {
        using var rec = ReadRecording(sample.Location, null);
        return Cut(rec, sample);
    }

    /// <inheritdoc/>
    public IEnumerable<(DatasetSample Sample, EventBatch Events)> ReadAll(DatasetSplit split)
    {
        var byTrial = _samples[split].GroupBy(s => s.Entry ?? s.Source).ToDictionary(g => g.Key, g => g.ToList());
        if (_archive is null)
        {
            foreach (var (path, samples) in byTrial)
            {
                var cut = new List<(DatasetSample, EventBatch)>();
                using (var rec = ReadRecording(path, null))
                    foreach (var s in samples) cut.Add((s, Cut(rec, s)));
                foreach (var item in cut) yield return item;
            }
            yield break;
        }
        // One pass over the tarball; samples come in archive order (the frame cache places them by id).
        foreach (var batch in WalkArchive(byTrial))
            foreach (var item in batch) yield return item;
    }

    IEnumerable<List<(DatasetSample, EventBatch)>> WalkArchive(Dictionary<string, List<DatasetSample>> byTrial)
    {
        // EventArchive.Walk calls back; a bounded queue hands each recording's samples out as soon as it is read.
        using var queue = new System.Collections.Concurrent.BlockingCollection<List<(DatasetSample, EventBatch)>>(boundedCapacity: 2);
        using var stop = new CancellationTokenSource();
        Exception? failure = null;
        var worker = Task.Run(() =>
        {
            try
            {
                EventArchive.Walk(_archive!, byTrial.ContainsKey, (entry, stream) =>
                {
                    var list = new List<(DatasetSample, EventBatch)>();
                    using (var rec = ReadRecording(entry, stream))
                        foreach (var s in byTrial[entry]) list.Add((s, Cut(rec, s)));
                    queue.Add(list, stop.Token);
                });
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested) { }
            catch (Exception e) { failure = e; }
            finally { queue.CompleteAdding(); }
        });
        try
        {
            foreach (var list in queue.GetConsumingEnumerable()) yield return list;
        }
        finally
        {
            // A consumer that stops early must not leave the reader blocked on a full queue.
            stop.Cancel();
            worker.Wait();
            foreach (var list in queue) foreach (var (_, b) in list) b.Dispose();
        }
        if (failure is not null) throw failure is EventFormatException or InvalidDataException ? failure : new InvalidDataException(failure.Message, failure);
    }

    EventRecording ReadRecording(string location, Stream? stream)
    {
        if (stream is null) return EventFile.ReadAll(location);
        using var reader = EventFile.Open(EventInput.FromStream(stream, _archive!, location));
        return EventFile.ReadAll(reader);
    }

    static EventBatch Cut(EventRecording rec, DatasetSample s)
    {
        var parts = GestureLabels.Cut(rec.Events, [new GestureLabel(s.Label + 1, s.StartUs, s.EndUs)]);
        var batch = parts[0].Events;
        batch.Width = 128; batch.Height = 128;
        return batch;
    }

    /// <summary>True when <paramref name="root"/> looks like DVS128 Gesture (trial lists or the tarball).</summary>
    internal static bool Looks(string root) => Locate(root) is not null;

    static (string? Archive, string Folder)? Locate(string root)
    {
        if (File.Exists(root) && ArchivePath.IsArchiveName(root)) return (root, "");
        if (!Directory.Exists(root)) return null;
        if (File.Exists(Path.Combine(root, "trials_to_train.txt")) || File.Exists(Path.Combine(root, "trials_to_test.txt"))) return (null, root);
        string sub = Path.Combine(root, "DvsGesture");
        if (Directory.Exists(sub) && (File.Exists(Path.Combine(sub, "trials_to_train.txt")) || File.Exists(Path.Combine(sub, "trials_to_test.txt")))) return (null, sub);
        string tgz = Path.Combine(root, "DvsGesture.tar.gz");
        if (File.Exists(tgz)) return (tgz, "");
        return null;
    }

    /// <summary>Opens the dataset at <paramref name="root"/>, reading the trial lists and every labels CSV.</summary>
    /// <exception cref="DatasetNotFoundException">Trial lists, recordings or label files are missing.</exception>
    internal static DvsGestureDataset Open(string root)
    {
        var loc = Locate(root) ?? throw new DatasetNotFoundException("dvsgesture", root,
            ["trials_to_train.txt", "trials_to_test.txt"], "Expected DvsGesture.tar.gz, its extracted DvsGesture/ folder, or a folder holding either");
        return loc.Archive is null ? OpenFolder(loc.Folder) : OpenArchive(loc.Archive);
    }

    static DvsGestureDataset OpenFolder(string folder)
    {
        var missing = new List<string>();
        var trials = new Dictionary<DatasetSplit, List<string>>();
        foreach (var (split, file) in new[] { (DatasetSplit.Train, "trials_to_train.txt"), (DatasetSplit.Test, "trials_to_test.txt") })
        {
            string path = Path.Combine(folder, file);
            if (!File.Exists(path)) { missing.Add(file); trials[split] = []; continue; }
            trials[split] = ParseTrialList(BoundedText.ReadAllText(path, MaxTrialListBytes, "a trial list"), path);
        }
        var labels = new Dictionary<string, IReadOnlyList<GestureLabel>>();
        foreach (string trial in trials.Values.SelectMany(t => t))
        {
            if (!File.Exists(Path.Combine(folder, trial + ".aedat"))) missing.Add(trial + ".aedat");
            string csv = Path.Combine(folder, trial + "_labels.csv");
            if (!File.Exists(csv)) { missing.Add(trial + "_labels.csv"); continue; }
            labels[trial] = CheckLabels(GestureLabels.Parse(csv), csv);
        }
        if (missing.Count > 0) throw new DatasetNotFoundException("dvsgesture", folder, missing);
        return new DvsGestureDataset(null, folder, trials, labels);
    }

    /// <summary>Largest trial list read, in bytes (the real lists are about 2 KB).</summary>
    public const int MaxTrialListBytes = 1 << 20;

    /// <summary>A trial list's text, refused past <see cref="MaxTrialListBytes"/> instead of read whole.</summary>
    static string ReadListText(Stream stream, string where) => BoundedText.ReadAllText(stream, MaxTrialListBytes, where, "a trial list");

    static DvsGestureDataset OpenArchive(string archive)
    {
        var texts = new Dictionary<string, string>(StringComparer.Ordinal);
        var labelFiles = new Dictionary<string, IReadOnlyList<GestureLabel>>(StringComparer.Ordinal);
        var names = new HashSet<string>(StringComparer.Ordinal);
        EventArchive.Walk(archive, name => { names.Add(name); return name.EndsWith("trials_to_train.txt", StringComparison.Ordinal) || name.EndsWith("trials_to_test.txt", StringComparison.Ordinal) || name.EndsWith("_labels.csv", StringComparison.Ordinal); },
            (name, stream) =>
            {
                if (name.EndsWith("_labels.csv", StringComparison.Ordinal)) labelFiles[name] = CheckLabels(GestureLabels.Parse(stream, archive + "#" + name), archive + "#" + name);
                else texts[name] = ReadListText(stream, archive + "#" + name);
            });
        string? trainList = texts.Keys.FirstOrDefault(k => k.EndsWith("trials_to_train.txt", StringComparison.Ordinal));
        string? testList = texts.Keys.FirstOrDefault(k => k.EndsWith("trials_to_test.txt", StringComparison.Ordinal));
        string anyList = trainList ?? testList ?? throw new DatasetNotFoundException("dvsgesture", archive, ["DvsGesture/trials_to_train.txt", "DvsGesture/trials_to_test.txt"]);
        string prefix = anyList[..(anyList.LastIndexOf('/') + 1)];
        var missing = new List<string>();
        var trials = new Dictionary<DatasetSplit, List<string>>
        {
            [DatasetSplit.Train] = trainList is null ? [] : ParseTrialList(texts[trainList], archive + "#" + trainList),
            [DatasetSplit.Test] = testList is null ? [] : ParseTrialList(texts[testList], archive + "#" + testList),
        };
        if (trainList is null) missing.Add(prefix + "trials_to_train.txt");
        if (testList is null) missing.Add(prefix + "trials_to_test.txt");
        var labels = new Dictionary<string, IReadOnlyList<GestureLabel>>();
        foreach (string trial in trials.Values.SelectMany(t => t))
        {
            if (!names.Contains(prefix + trial + ".aedat")) missing.Add(prefix + trial + ".aedat");
            if (!labelFiles.TryGetValue(prefix + trial + "_labels.csv", out var l)) { missing.Add(prefix + trial + "_labels.csv"); continue; }
            labels[trial] = l;
        }
        if (missing.Count > 0) throw new DatasetNotFoundException("dvsgesture", archive, missing);
        return new DvsGestureDataset(archive, prefix, trials, labels);
    }

    /// <summary>Trial names from a trials file: one <c>userNN_lighting.aedat</c> per line; blank lines ignored.</summary>
    static List<string> ParseTrialList(string text, string file)
    {
        var list = new List<string>();
        int lineNo = 0;
        foreach (string raw in text.Split('\n'))
        {
            lineNo++;
            string line = raw.Trim();
            if (line.Length == 0) continue;
            if (!line.EndsWith(".aedat", StringComparison.Ordinal) || line.Contains('/') || line.Contains('\\') || line.Contains(".."))
                throw new InvalidDataException($"{file}: line {lineNo}: expected a trial file name like user01_led.aedat, found '{(line.Length > 60 ? line[..60] : line)}'");
            list.Add(line[..^".aedat".Length]);
        }
        return list;
    }

    static IReadOnlyList<GestureLabel> CheckLabels(IReadOnlyList<GestureLabel> labels, string file)
    {
        for (int i = 0; i < labels.Count; i++)
            if (labels[i].Class is < 1 or > 11)
                throw new InvalidDataException($"{file}: row {i + 1}: class {labels[i].Class} outside 1..11");
        return labels;
    }
}
