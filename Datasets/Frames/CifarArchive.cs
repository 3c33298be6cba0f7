using System.Text;
using ICSharpCode.SharpZipLib.GZip;
using ICSharpCode.SharpZipLib.Tar;

namespace EventSnn.Datasets;

/// <summary>Which CIFAR data set an archive holds.</summary>
public enum CifarVariant
{
    /// <summary>CIFAR-10: <c>cifar-10-binary.tar.gz</c>, records of 1 label byte + 3072 pixel bytes.</summary>
    Cifar10,

    /// <summary>CIFAR-100: <c>cifar-100-binary.tar.gz</c>, records of coarse + fine label bytes + 3072 pixel bytes (fine labels used).</summary>
    Cifar100,
}

/// <summary>
/// Reads (and, for tests and synthetic data, writes) the official CIFAR-10 / CIFAR-100 binary distributions.
/// Archives are read in place: the <c>.tar.gz</c> (or <c>.tar</c>) is streamed and only the needed members are
/// decoded; an extracted folder works too. Images are 3×32×32 bytes, R plane then G then B.
/// </summary>
public static class CifarArchive
{
    public const int Side = 32;
    public const int Channels = 3;
    public const int ImageBytes = Channels * Side * Side;

    /// <summary>File name of the official archive of a variant.</summary>
    public static string ArchiveName(CifarVariant variant) =>
        variant == CifarVariant.Cifar10 ? "cifar-10-binary.tar.gz" : "cifar-100-binary.tar.gz";

    /// <summary>Top folder inside the official archive.</summary>
    public static string FolderName(CifarVariant variant) =>
        variant == CifarVariant.Cifar10 ? "cifar-10-batches-bin" : "cifar-100-binary";

    /// <summary>Parses "cifar10" / "cifar100" (case-insensitive); null for other names.</summary>
    public static CifarVariant? ParseName(string name) => name.ToLowerInvariant() switch
    {
        "cifar10" or "cifar-10" => CifarVariant.Cifar10,
        "cifar100" or "cifar-100" => CifarVariant.Cifar100,
        _ => null,
    };

    /// <summary>Data set name used in model metadata: "cifar10" or "cifar100".</summary>
    public static string DatasetName(CifarVariant variant) => variant == CifarVariant.Cifar10 ? "cifar10" : "cifar100";

    /// <summary>Bytes of one record (labels + pixels).</summary>
    public static int RecordBytes(CifarVariant variant) => (variant == CifarVariant.Cifar10 ? 1 : 2) + ImageBytes;

    /// <summary>Member file names of a split, in the order their images are concatenated.</summary>
    public static IReadOnlyList<string> MemberNames(CifarVariant variant, DatasetSplit split) => (variant, split) switch
    {
        (CifarVariant.Cifar10, DatasetSplit.Train) => new[] { "data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin" },
        (CifarVariant.Cifar10, _) => new[] { "test_batch.bin" },
        (CifarVariant.Cifar100, DatasetSplit.Train) => new[] { "train.bin" },
        _ => new[] { "test.bin" },
    };

    private static string MetaName(CifarVariant variant) =>
        variant == CifarVariant.Cifar10 ? "batches.meta.txt" : "fine_label_names.txt";

    private static int ClassCount(CifarVariant variant) => variant == CifarVariant.Cifar10 ? 10 : 100;

    /// <summary>
    /// Finds the data under <paramref name="root"/>: the archive itself, a folder holding the official archive, or
    /// an extracted folder (the top folder of the archive or its parent).
    /// </summary>
    public static string Locate(string root, CifarVariant variant)
    {
        if (File.Exists(root)) return root;
        if (!Directory.Exists(root)) throw new FileNotFoundException($"no CIFAR data at '{root}'", root);
        foreach (var candidate in new[]
                 {
                     Path.Combine(root, ArchiveName(variant)),
                     Path.Combine(root, ArchiveName(variant).Replace(".gz", "", StringComparison.Ordinal)),
                 })
            if (File.Exists(candidate)) return candidate;
        string first = MemberNames(variant, DatasetSplit.Test)[0];
        if (File.Exists(Path.Combine(root, first))) return root;
        string nested = Path.Combine(root, FolderName(variant));
        if (File.Exists(Path.Combine(nested, first))) return nested;
        throw new FileNotFoundException(
            $"no {ArchiveName(variant)} (or extracted {FolderName(variant)}/) under '{root}'", Path.Combine(root, ArchiveName(variant)));
    }

    /// <summary>
    /// Reads one split. <paramref name="limit"/> keeps only the first images in archive order (for quick runs). Bad content raises
    /// <see cref="CifarFormatException"/> naming the archive, member and byte offset.
    /// </summary>
    public static ImageSet Read(string root, CifarVariant variant, DatasetSplit split, int? limit = null)
    {
        string path = Locate(root, variant);
        var members = MemberNames(variant, split);
        var wanted = new HashSet<string>(members) { MetaName(variant) };
        var contents = Directory.Exists(path) ? ReadFolder(path, wanted) : ReadArchive(path, wanted, members, limit, variant);
        foreach (var member in members)
            if (!contents.ContainsKey(member))
                throw new CifarFormatException(path, member, 0, $"a member named {member} ({DatasetName(variant)} {split} split)");

        var classNames = contents.TryGetValue(MetaName(variant), out var meta) ? ParseClassNames(meta.Bytes) : null;
        int classes = ClassCount(variant);
        if (classNames is null || classNames.Count != classes)
            classNames = Enumerable.Range(0, classes).Select(i => $"class{i}").ToArray();

        int record = RecordBytes(variant);
        int labelByte = variant == CifarVariant.Cifar10 ? 0 : 1;
        var pixels = new List<byte[]>();
        var labels = new List<int>();
        int max = limit ?? int.MaxValue;
        foreach (var member in members)
        {
            var (bytes, declared, entryName) = contents[member];
            if (bytes.Length < declared)
                throw new CifarFormatException(path, entryName, bytes.Length, $"{declared} bytes as the archive header declares (member is truncated)");
            int whole = bytes.Length / record;
            if (bytes.Length % record != 0 && labels.Count + whole < max)
                throw new CifarFormatException(path, entryName, (long)whole * record, $"whole {record}-byte records (a partial record of {bytes.Length % record} bytes ends the member)");
            for (int r = 0; r < whole && labels.Count < max; r++)
            {
                int offset = r * record;
                int label = bytes[offset + labelByte];
                if (label >= classes)
                    throw new CifarFormatException(path, entryName, offset + labelByte, $"a class index below {classes} (found {label})");
                labels.Add(label);
                pixels.Add(bytes.AsSpan(offset + record - ImageBytes, ImageBytes).ToArray());
            }
        }
        var all = new byte[labels.Count * ImageBytes];
        for (int i = 0; i < pixels.Count; i++) pixels[i].CopyTo(all, i * ImageBytes);
        return new ImageSet(DatasetName(variant), all, labels.ToArray(), Channels, Side, Side, classNames);
    }

    private static Dictionary<string, (byte[] Bytes, long Declared, string Entry)> ReadFolder(string folder, HashSet<string> wanted)
    {
        var result = new Dictionary<string, (byte[], long, string)>();
        foreach (var name in wanted)
        {
            string file = Path.Combine(folder, name);
            if (File.Exists(file))
            {
                var bytes = File.ReadAllBytes(file);
                result[name] = (bytes, bytes.Length, name);
            }
        }
        return result;
    }

    private static Dictionary<string, (byte[] Bytes, long Declared, string Entry)> ReadArchive(
        string path, HashSet<string> wanted, IReadOnlyList<string> members, int? limit, CifarVariant variant)
    {
        var result = new Dictionary<string, (byte[], long, string)>();
        using var file = File.OpenRead(path);
        Stream stream = file;
        bool gzip = file.Length >= 2 && file.ReadByte() == 0x1f && file.ReadByte() == 0x8b;
        file.Position = 0;
        if (gzip) stream = new GZipInputStream(file) { IsStreamOwner = false };
        try
        {
            using var tar = new TarInputStream(stream, Encoding.UTF8) { IsStreamOwner = false };
            long needed = limit is { } l ? (long)l * RecordBytes(variant) : long.MaxValue;
            while (true)
            {
                TarEntry? entry;
                try { entry = tar.GetNextEntry(); }
                catch (Exception e) when (e is ICSharpCode.SharpZipLib.SharpZipBaseException or EndOfStreamException or InvalidDataException)
                {
                    throw new CifarFormatException(path, null, file.Position, $"a readable tar stream ({e.Message})");
                }
                if (entry is null) break;
                if (entry.IsDirectory) continue;
                string name = entry.Name.Replace('\\', '/');
                string leaf = name[(name.LastIndexOf('/') + 1)..];
                if (!wanted.Contains(leaf) || result.ContainsKey(leaf)) continue;
                if (entry.Size < 0 || entry.Size > int.MaxValue)
                    throw new CifarFormatException(path, name, 0, $"a member size below 2 GiB (header says {entry.Size})");
                // With a limit, training members are read only until enough records are in (archive order).
                long want = members.Contains(leaf) ? Math.Min(entry.Size, Math.Max(0, needed)) : entry.Size;
                var buffer = new byte[want];
                int read = 0;
                try
                {
                    while (read < want)
                    {
                        int n = tar.Read(buffer, read, (int)want - read);
                        if (n <= 0) break;
                        read += n;
                    }
                }
                catch (Exception e) when (e is ICSharpCode.SharpZipLib.SharpZipBaseException or EndOfStreamException or InvalidDataException)
                {
                    throw new CifarFormatException(path, name, read, $"{want} readable bytes ({e.Message})");
                }
                if (read < want) Array.Resize(ref buffer, read);
                result[leaf] = (buffer, want, name);
                if (members.Contains(leaf) && needed != long.MaxValue) needed -= read;
            }
        }
        finally
        {
            if (gzip) stream.Dispose();
        }
        return result;
    }

    private static IReadOnlyList<string> ParseClassNames(byte[] meta) =>
        Encoding.UTF8.GetString(meta).Split('\n').Select(s => s.Trim()).Where(s => s.Length > 0).ToArray();

    /// <summary>
    /// Writes <paramref name="train"/> and <paramref name="test"/> as an archive in the official binary layout
    /// (CIFAR-10 training images spread over five batches). Labels must fit the variant's class count.
    /// </summary>
    public static void Write(string path, CifarVariant variant, ImageSet train, ImageSet test)
    {
        foreach (var set in new[] { train, test })
            if (set.Channels != Channels || set.Height != Side || set.Width != Side)
                throw new ArgumentException("CIFAR images are 3×32×32");
        string folder = FolderName(variant);
        string tmp = path + ".tmp";
        using (var file = File.Create(tmp))
        using (var gz = new GZipOutputStream(file))
        using (var tar = new TarOutputStream(gz, Encoding.UTF8))
        {
            var trainMembers = MemberNames(variant, DatasetSplit.Train);
            int perBatch = (train.Count + trainMembers.Count - 1) / trainMembers.Count;
            for (int b = 0; b < trainMembers.Count; b++)
            {
                int start = Math.Min(train.Count, b * perBatch), end = Math.Min(train.Count, start + perBatch);
                WriteMember(tar, $"{folder}/{trainMembers[b]}", Records(variant, train, start, end));
            }
            WriteMember(tar, $"{folder}/{MemberNames(variant, DatasetSplit.Test)[0]}", Records(variant, test, 0, test.Count));
            var names = train.ClassNames.Count == ClassCount(variant) ? train.ClassNames : Enumerable.Range(0, ClassCount(variant)).Select(i => $"class{i}").ToList();
            WriteMember(tar, $"{folder}/{MetaName(variant)}", Encoding.UTF8.GetBytes(string.Join("\n", names) + "\n"));
        }
        File.Move(tmp, path, overwrite: true);
    }

    private static byte[] Records(CifarVariant variant, ImageSet set, int start, int end)
    {
        int record = RecordBytes(variant);
        var bytes = new byte[(end - start) * record];
        for (int i = start; i < end; i++)
        {
            int o = (i - start) * record;
            int label = set.Labels[i];
            if (label >= ClassCount(variant)) throw new ArgumentException($"label {label} does not fit {DatasetName(variant)}");
            if (variant == CifarVariant.Cifar100) { bytes[o++] = 0; }
            bytes[o] = (byte)label;
            set.Image(i).CopyTo(bytes.AsSpan(o + 1, ImageBytes));
        }
        return bytes;
    }

    private static void WriteMember(TarOutputStream tar, string name, byte[] content)
    {
        var entry = TarEntry.CreateTarEntry(name);
        entry.Size = content.Length;
        tar.PutNextEntry(entry);
        tar.Write(content, 0, content.Length);
        tar.CloseEntry();
    }
}
