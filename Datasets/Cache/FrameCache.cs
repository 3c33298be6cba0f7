using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using EventSnn.Ingest;
using EventSnn.Ingest.Binning;
using PureHDF;
using PureHDF.Selections;

namespace EventSnn.Datasets;

/// <summary>
/// Binned samples stored in HDF5, one file per (dataset, split, frame settings, dataset files): built once, then
/// reused. A build writes a temporary file and renames it into place, so a cache file is never half-written; a
/// lock file serialises two processes building the same file (the second waits, then reads the first's result);
/// a change of settings or of the dataset's files gives a different key and so a fresh build.
/// </summary>
/// <remarks>
/// File layout: dataset <c>frames</c> float32 <c>[N, T, 2, H, W]</c> chunked per sample, <c>labels</c> int32 <c>[N]</c>,
/// <c>ids</c> strings <c>[N]</c>; root attributes <c>key</c>, <c>dataset</c>, <c>split</c>, <c>settings</c>,
/// <c>class_names</c>, <c>format</c>.
/// </remarks>
public static class FrameCache
{
    const string FormatTag = "eventsnn-frame-cache/1";

    /// <summary>Returns the cached frames of <paramref name="dataset"/>'s <paramref name="split"/>, building the cache first if needed.</summary>
    public static FrameSet GetOrBuild(IEventDataset dataset, DatasetSplit split, FrameSettings settings, string cacheDir,
        IProgress<FrameCacheProgress>? progress = null, FrameCacheOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        settings.Validate();
        options ??= FrameCacheOptions.Default;
        Directory.CreateDirectory(cacheDir);
        string key = Key(dataset, split, settings);
        string path = PathFor(dataset, split, settings, cacheDir);

        if (TryOpen(path, key, options) is { } cached) return cached;

        using FileStream lockFile = AcquireLock(path + ".lock", options.LockTimeout, progress);
        // Another process may have finished the file while this one waited for the lock.
        if (TryOpen(path, key, options) is { } built) return built;
        Build(dataset, split, settings, path, key, progress);
        return OpenFile(path, key, options);
    }

    /// <summary>The cache file path for these inputs (the name carries a hash of <see cref="Key"/>).</summary>
    public static string PathFor(IEventDataset dataset, DatasetSplit split, FrameSettings settings, string cacheDir)
    {
        string key = Key(dataset, split, settings);
        string hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..16];
        return Path.Combine(cacheDir, $"{dataset.Name}-{split.ToString().ToLowerInvariant()}-{hash}.h5");
    }

    /// <summary>
    /// The cache key: format, dataset name, split, settings and a fingerprint of the split's samples (ids, labels,
    /// windows) and of their source files (size and modification time), so regenerated data is never served stale.
    /// </summary>
    public static string Key(IEventDataset dataset, DatasetSplit split, FrameSettings settings)
    {
        var samples = dataset.Samples(split);
        using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var sources = new SortedSet<string>(StringComparer.Ordinal);
        foreach (DatasetSample s in samples)
        {
            h.AppendData(Encoding.UTF8.GetBytes(FormattableString.Invariant($"{s.Id}|{s.Label}|{s.Entry}|{s.StartUs}|{s.EndUs}\n")));
            sources.Add(s.Source);
        }
        foreach (string src in sources)
        {
            var fi = new FileInfo(src);
            string stamp = fi.Exists ? FormattableString.Invariant($"{fi.Length}|{fi.LastWriteTimeUtc.Ticks}") : "?";
            h.AppendData(Encoding.UTF8.GetBytes(Path.GetFileName(src) + "|" + stamp + "\n"));
        }
        string fingerprint = Convert.ToHexStringLower(h.GetHashAndReset())[..16];
        return $"{FormatTag}|{dataset.Name}|{split}|{settings.Key}|n={samples.Count}|{fingerprint}";
    }

    /// <summary>Opens an existing cache file (no key check).</summary>
    public static FrameSet Open(string path, FrameCacheOptions? options = null) =>
        OpenFile(path, expectedKey: null, options ?? FrameCacheOptions.Default);

    static FrameSet? TryOpen(string path, string key, FrameCacheOptions options)
    {
        if (!File.Exists(path)) return null;
        try { return OpenFile(path, key, options); }
        catch (StaleCacheException) { return null; }
        catch (Exception)
        {
            // A damaged or foreign file at our path is rebuilt rather than trusted; a build that
            // produces an unreadable file surfaces the error from OpenFile.
            return null;
        }
    }

    sealed class StaleCacheException : Exception;

    static FrameSet OpenFile(string path, string? expectedKey, FrameCacheOptions options)
    {
        var file = H5File.OpenRead(path);
        bool keep = false;
        try
        {
            string format = file.Attribute("format").Read<string>();
            if (format != FormatTag) throw new InvalidDataException($"{path}: not an EventSnn frame cache (format '{format}')");
            string key = file.Attribute("key").Read<string>();
            if (expectedKey is not null && key != expectedKey) throw new StaleCacheException();
            string settingsText = file.Attribute("settings").Read<string>();
            FrameSettings settings = ParseSettings(settingsText, path);
            string[] classNames = file.Attribute("class_names").Read<string[]>();
            int[] labels = file.Dataset("labels").Read<int[]>();
            string[] ids = file.Dataset("ids").Read<string[]>();
            if (ids.Length != labels.Length) throw new InvalidDataException($"{path}: {ids.Length} ids for {labels.Length} labels");
            int n = labels.Length;
            long bytes = (long)n * settings.SampleSize * sizeof(float);
            if (n == 0)
                return new FrameSet([], labels, settings.T, settings.Height, settings.Width, classNames, ids, settings);
            IH5Dataset frames = file.Dataset("frames");
            ulong[] dims = frames.Space.Dimensions;
            if (dims.Length != 5 || dims[0] != (ulong)n || dims[1] != (ulong)settings.T || dims[2] != 2 ||
                dims[3] != (ulong)settings.Height || dims[4] != (ulong)settings.Width)
                throw new InvalidDataException($"{path}: frames shape [{string.Join(",", dims)}] does not match {n} samples of {settings.Key}");
            if (bytes <= options.MaxInMemoryBytes)
            {
                float[] data = frames.Read<float[]>();
                return new FrameSet(data, labels, settings.T, settings.Height, settings.Width, classNames, ids, settings);
            }
            keep = true;
            return new FrameSet(new Hdf5FrameStore(file, frames, settings), labels, settings.T, settings.Height, settings.Width, classNames, ids, settings);
        }
        finally
        {
            if (!keep) file.Dispose();
        }
    }

    static FrameSettings ParseSettings(string text, string path)
    {
        // Key form: T=..;H=..;W=..;ds=..;rule=..
        var parts = text.Split(';', 5);
        try
        {
            int Get(int i, string name) => parts[i].StartsWith(name + "=", StringComparison.Ordinal)
                ? int.Parse(parts[i][(name.Length + 1)..], CultureInfo.InvariantCulture)
                : throw new FormatException(name);
            if (parts.Length != 5 || !parts[4].StartsWith("rule=", StringComparison.Ordinal)) throw new FormatException("rule");
            var s = new FrameSettings(Get(0, "T"), Get(1, "H"), Get(2, "W"), Get(3, "ds"), parts[4][5..]);
            s.Validate();
            return s;
        }
        catch (Exception e) when (e is FormatException or ArgumentException or IndexOutOfRangeException or OverflowException)
        {
            throw new InvalidDataException($"{path}: bad settings attribute '{text}'", e);
        }
    }

    static FileStream AcquireLock(string lockPath, TimeSpan timeout, IProgress<FrameCacheProgress>? progress)
    {
        var start = DateTime.UtcNow;
        bool told = false;
        while (true)
        {
            try
            {
                // Removed when closed, so no .lock file stays behind (a racing process at worst builds the same file twice).
                return new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
            }
            catch (IOException) when (DateTime.UtcNow - start < timeout)
            {
                if (!told) { progress?.Report(new FrameCacheProgress(0, 0, "waiting for another process building this cache")); told = true; }
                Thread.Sleep(200);
            }
        }
    }

    static void Build(IEventDataset dataset, DatasetSplit split, FrameSettings settings, string path, string key,
        IProgress<FrameCacheProgress>? progress)
    {
        var samples = dataset.Samples(split);
        int n = samples.Count;
        BinningRule rule = settings.BinningRule;
        var labels = new int[n];
        var ids = new string[n];
        for (int i = 0; i < n; i++) { labels[i] = samples[i].Label; ids[i] = samples[i].Id; }

        string tmp = $"{path}.tmp-{Environment.ProcessId}-{Guid.NewGuid():N}";
        try
        {
            var file = new H5File
            {
                ["labels"] = labels,
                ["ids"] = ids,
            };
            file.Attributes["format"] = FormatTag;
            file.Attributes["key"] = key;
            file.Attributes["dataset"] = dataset.Name;
            file.Attributes["split"] = split.ToString().ToLowerInvariant();
            file.Attributes["settings"] = settings.Key;
            file.Attributes["class_names"] = dataset.ClassNames.ToArray();
            progress?.Report(new FrameCacheProgress(0, n, "binning"));
            if (n == 0)
            {
                file.Write(tmp);
            }
            else
            {
                var frames = new H5Dataset<float[]>(
                    fileDims: [(ulong)n, (ulong)settings.T, 2, (ulong)settings.Height, (ulong)settings.Width],
                    chunks: [1, (uint)settings.T, 2, (uint)settings.Height, (uint)settings.Width]);
                file["frames"] = frames;
                var buffer = new float[settings.SampleSize];
                var slot = new Dictionary<string, int>(n, StringComparer.Ordinal);
                for (int k = 0; k < n; k++)
                    if (!slot.TryAdd(ids[k], k)) throw new InvalidOperationException($"{dataset.Name} {split}: sample id '{ids[k]}' occurs twice");
                var seen = new bool[n];
                using (H5NativeWriter writer = file.BeginWrite(tmp))
                {
                    int i = 0;
                    foreach (var (sample, events) in dataset.ReadAll(split))
                    {
                        int at;
                        using (events)
                        {
                            if (!slot.TryGetValue(sample.Id, out at) || seen[at])
                                throw new InvalidOperationException($"{dataset.Name} {split}: ReadAll returned unknown or repeated sample '{sample.Id}'");
                            seen[at] = true;
                            EventBinner.BinInto(events.T, events.X, events.Y, events.P, rule, settings.SensorWidth, settings.SensorHeight,
                                settings.Downsample, settings.T, buffer);
                        }
                        writer.Write(frames, buffer, fileSelection: new HyperslabSelection(5,
                            [(ulong)at, 0, 0, 0, 0], [1, (ulong)settings.T, 2, (ulong)settings.Height, (ulong)settings.Width]));
                        i++;
                        progress?.Report(new FrameCacheProgress(i, n, "binning"));
                    }
                    if (i != n) throw new InvalidOperationException($"{dataset.Name} {split}: ReadAll returned {i} samples, expected {n}");
                }
            }
            File.Move(tmp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
        }
    }

    sealed class Hdf5FrameStore(PureHDF.VOL.Native.NativeFile file, IH5Dataset frames, FrameSettings settings) : IFrameStore
    {
        readonly Lock _gate = new();

        public void Read(int index, Span<float> destination)
        {
            float[] a;
            lock (_gate)
            {
                a = frames.Read<float[]>(fileSelection: new HyperslabSelection(5,
                    [(ulong)index, 0, 0, 0, 0], [1, (ulong)settings.T, 2, (ulong)settings.Height, (ulong)settings.Width]));
            }
            a.AsSpan().CopyTo(destination);
        }

        public void Dispose() => file.Dispose();
    }
}
