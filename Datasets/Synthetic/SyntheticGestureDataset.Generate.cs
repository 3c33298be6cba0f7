using System.Diagnostics;
using System.Text;
using EventSnn.Ingest;
using ICSharpCode.SharpZipLib.GZip;
using ICSharpCode.SharpZipLib.Tar;

namespace EventSnn.Datasets.Synthetic;

public static partial class SyntheticGestureDataset
{
    /// <summary>Fixed start time in the AEDAT headers and tar entries, so output bytes depend on the options only.</summary>
    static readonly DateTimeOffset FixedTime = new(2017, 6, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// Generates the dataset into <paramref name="outDir"/>: <c>DvsGesture/</c> (when <see cref="SyntheticOptions.WriteFolder"/>)
    /// and <c>DvsGesture.tar.gz</c> (when <see cref="SyntheticOptions.WriteArchive"/>), replacing earlier output.
    /// Files appear only when complete (written under temporary names, then renamed). Progress is the fraction of trials done.
    /// </summary>
    public static SyntheticDatasetInfo Generate(string outDir, SyntheticOptions options, IProgress<double>? progress = null)
    {
        options.Validate();
        if (!options.WriteFolder && !options.WriteArchive) throw new ArgumentException("nothing to write: both the folder and the archive are switched off");
        var sw = Stopwatch.StartNew();
        Directory.CreateDirectory(outDir);
        string tag = $"{Environment.ProcessId}-{Guid.NewGuid():N}";
        string work = Path.Combine(outDir, $".DvsGesture.tmp-{tag}");
        string workDs = Path.Combine(work, "DvsGesture");
        Directory.CreateDirectory(workDs);
        try
        {
            var names = new string[options.Trials];
            var sampleCounts = new int[options.Trials];
            var eventCounts = new long[options.Trials];
            int done = 0;
            Parallel.For(0, options.Trials, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.Parallelism) }, k =>
            {
                string name = TrialName(options, k);
                var (events, labels) = SyntheticTrial.Generate(options, k);
                using (events)
                {
                    using (var fs = new FileStream(Path.Combine(workDs, name + ".aedat"), FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
                        Aedat31Writer.Write(fs, events, new EventWriteOptions { Source = "DVS128" }, FixedTime);
                    using (var fs = new FileStream(Path.Combine(workDs, name + "_labels.csv"), FileMode.CreateNew, FileAccess.Write, FileShare.None))
                        GestureLabels.Write(fs, labels.Select(l => new GestureLabel(l.Class, l.StartUs, l.EndUs)));
                    names[k] = name;
                    sampleCounts[k] = labels.Count;
                    eventCounts[k] = events.Count;
                }
                progress?.Report((double)Interlocked.Increment(ref done) / options.Trials);
            });
            var train = Enumerable.Range(0, options.Trials).Where(k => !IsTestTrial(options, k)).ToList();
            var test = Enumerable.Range(0, options.Trials).Where(k => IsTestTrial(options, k)).ToList();
            File.WriteAllText(Path.Combine(workDs, "trials_to_train.txt"), string.Concat(train.Select(k => names[k] + ".aedat\n")), Encoding.ASCII);
            File.WriteAllText(Path.Combine(workDs, "trials_to_test.txt"), string.Concat(test.Select(k => names[k] + ".aedat\n")), Encoding.ASCII);
            File.WriteAllText(Path.Combine(workDs, "README.txt"),
                $"Synthetic DVS128 Gesture look-alike made by EventSnn's event-camera emulator (seed {options.Seed}, {options.Trials} trials).\n" +
                "Same layout and formats as IBM's DvsGesture: AEDAT 3.1 recordings (DVS128, 128x128) and labels CSVs.\n", Encoding.ASCII);

            string? archive = null, folder = null;
            if (options.WriteArchive)
            {
                archive = Path.Combine(outDir, "DvsGesture.tar.gz");
                string tmpArchive = Path.Combine(outDir, $".DvsGesture.tar.gz.tmp-{tag}");
                Pack(workDs, tmpArchive);
                File.Move(tmpArchive, archive, overwrite: true);
            }
            if (options.WriteFolder)
            {
                folder = Path.Combine(outDir, "DvsGesture");
                if (Directory.Exists(folder))
                {
                    // Move the old folder aside first so the new one appears in a single rename.
                    string old = Path.Combine(outDir, $".DvsGesture.old-{tag}");
                    Directory.Move(folder, old);
                    Directory.Delete(old, recursive: true);
                }
                Directory.Move(workDs, folder);
            }
            return new SyntheticDatasetInfo(outDir, folder, archive, train.Count, test.Count,
                train.Sum(k => sampleCounts[k]), test.Sum(k => sampleCounts[k]), eventCounts.Sum(), sw.Elapsed.TotalSeconds);
        }
        finally
        {
            if (Directory.Exists(work)) Directory.Delete(work, recursive: true);
            foreach (string f in Directory.EnumerateFiles(outDir, $".DvsGesture.tar.gz.tmp-{tag}")) File.Delete(f);
        }
    }

    /// <summary>Packs the folder as <c>DvsGesture/&lt;file&gt;</c> entries in name order with a fixed time stamp.</summary>
    static void Pack(string folder, string archivePath)
    {
        using var fs = new FileStream(archivePath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
        using var gz = new GZipOutputStream(fs) { IsStreamOwner = false };
        gz.SetLevel(1);
        gz.ModifiedTime = FixedTime.UtcDateTime;
        using (var tar = new TarOutputStream(gz, Encoding.UTF8) { IsStreamOwner = false })
        {
            var dir = TarEntry.CreateTarEntry("DvsGesture/");
            dir.TarHeader.TypeFlag = TarHeader.LF_DIR;
            dir.ModTime = FixedTime.UtcDateTime;
            dir.TarHeader.Mode = Convert.ToInt32("755", 8);
            tar.PutNextEntry(dir);
            tar.CloseEntry();
            foreach (string file in Directory.GetFiles(folder).OrderBy(Path.GetFileName, StringComparer.Ordinal))
            {
                var entry = TarEntry.CreateTarEntry("DvsGesture/" + Path.GetFileName(file));
                entry.Size = new FileInfo(file).Length;
                entry.ModTime = FixedTime.UtcDateTime;
                entry.TarHeader.Mode = Convert.ToInt32("644", 8);
                tar.PutNextEntry(entry);
                using (var src = File.OpenRead(file)) src.CopyTo(tar);
                tar.CloseEntry();
            }
        }
        gz.Finish();
    }
}
