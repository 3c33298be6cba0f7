using EventSnn.Model.Cutoff;
using PureHDF;

namespace EventSnn.Model.Evaluation;

/// <summary>
/// The <c>eval --dump</c> HDF5 file: dataset <c>outputs</c> (float32 <c>[N, T, K]</c>, per-step outputs O(t),
/// not accumulated) and <c>labels</c> (int64 <c>[N]</c>), enough to recompute every metric.
/// </summary>
public static class OutputDump
{
    /// <summary>Writes the two datasets (replacing the file atomically).</summary>
    public static void Write(string path, OutputSet set) => Write(path, set, null);

    /// <summary>
    /// Writes the two datasets and, when <paramref name="about"/> is given, what they are: file attributes
    /// <c>class_names</c>, <c>T</c>, <c>model</c> and <c>arch</c>, and a dataset <c>sample_ids</c> [N] naming each row.
    /// </summary>
    public static void Write(string path, OutputSet set, DumpDescription? about)
    {
        var file = new H5File
        {
            ["outputs"] = new H5Dataset(set.Outputs, fileDims: [(ulong)set.N, (ulong)set.T, (ulong)set.K]),
            ["labels"] = new H5Dataset(set.Labels, fileDims: [(ulong)set.N]),
        };
        if (about is not null)
        {
            file.Attributes = new Dictionary<string, object>
            {
                ["T"] = set.T,
                ["model"] = about.Model,
                ["arch"] = about.Arch,
                ["class_names"] = about.ClassNames.ToArray(),
            };
            if (about.SampleIds.Count >= set.N) file["sample_ids"] = new H5Dataset(about.SampleIds.Take(set.N).ToArray());
        }
        string tmp = path + ".tmp";
        file.Write(tmp);
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>Most output values (N·T·K) a dump may declare: 2^28 float32, 1 GiB.</summary>
    public const ulong MaxElements = 1UL << 28;

    /// <summary>Reads a dump back.</summary>
    /// <exception cref="InvalidDataException">a dataset is missing or has the wrong shape (names file and dataset).</exception>
    public static OutputSet Read(string path)
    {
        try
        {
            long fileBytes;
            using (var fs = File.OpenRead(path))
            {
                fileBytes = fs.Length;
                // The HDF5 library follows soft links without a depth limit: resolve the two paths first.
                EventSnn.Ingest.Hdf5LinkWalk.Check(fs, path, null, ["outputs", "labels"]);
            }
            using var file = H5File.OpenRead(path);
            var o = file.Dataset("outputs");
            var dims = o.Space.Dimensions;
            if (dims.Length != 3) throw new InvalidDataException($"{path}: dataset 'outputs' has rank {dims.Length}, expected 3 ([N, T, K])");
            // Sizes come from the file: check them before allocating (a dump is written uncompressed, so its data are in the file).
            ulong elements = dims[0] * dims[1] * dims[2];
            if (dims[0] > int.MaxValue || dims[1] > 4096 || dims[2] > 1 << 20 || elements > MaxElements || elements * 4 > (ulong)fileBytes)
                throw new InvalidDataException($"{path}: dataset 'outputs' declares [{string.Join(", ", dims)}], more than the file's {fileBytes} bytes hold (limit {MaxElements} values)");
            var l = file.Dataset("labels");
            var ld = l.Space.Dimensions;
            if (ld.Length != 1 || ld[0] != dims[0]) throw new InvalidDataException($"{path}: dataset 'labels' must be [N] with N = {dims[0]}");
            float[] outputs = o.Read<float[]>();
            long[] labels = l.Read<long[]>();
            return new OutputSet((int)dims[0], (int)dims[1], (int)dims[2], outputs, labels);
        }
        catch (InvalidDataException) { throw; }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidDataException($"{path}: not a readable output dump (needs HDF5 datasets 'outputs' float32 [N,T,K] and 'labels' int64 [N]): {e.Message}", e);
        }
    }
}

/// <summary>What an output dump holds: the model that produced it and the samples and classes of its rows and columns.</summary>
/// <param name="Model">Checkpoint path.</param>
/// <param name="Arch">Architecture name.</param>
/// <param name="ClassNames">Class names, one per output column K.</param>
/// <param name="SampleIds">Sample ids in dataset order (the first N are the dump's rows).</param>
public sealed record DumpDescription(string Model, string Arch, IReadOnlyList<string> ClassNames, IReadOnlyList<string> SampleIds);
