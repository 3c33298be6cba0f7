using EventSnn.Ingest.Archives;

namespace EventSnn.Datasets;

/// <summary>
/// Finds the recordings of a dataset stored one folder (or one zip) per class: lists, per class name, the files with
/// one of the wanted extensions, as (source, entry) pairs usable by <see cref="DatasetSample"/>.
/// </summary>
internal static class ClassFiles
{
    /// <summary>Recordings under <paramref name="folder"/>/<c>class</c>/ with an extension in <paramref name="extensions"/>.</summary>
    public static List<(string Source, string? Entry, string Name)> InFolder(string folder, string[] extensions) =>
        Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Where(f => extensions.Any(e => f.EndsWith(e, StringComparison.OrdinalIgnoreCase)))
            .Select(f => (f, (string?)null, Path.GetFileName(f)))
            .ToList();

    /// <summary>Recordings inside an archive, grouped by their parent folder name inside it.</summary>
    public static Dictionary<string, List<(string Source, string? Entry, string Name)>> InArchive(string archive, string[] extensions)
    {
        var byClass = new Dictionary<string, List<(string, string?, string)>>(StringComparer.Ordinal);
        foreach (string entry in EventArchive.List(archive))
        {
            if (!extensions.Any(e => entry.EndsWith(e, StringComparison.OrdinalIgnoreCase))) continue;
            string[] parts = entry.Split('/');
            if (parts.Length < 2) continue;
            string cls = parts[^2];
            if (!byClass.TryGetValue(cls, out var list)) byClass[cls] = list = [];
            list.Add((archive, entry, parts[^1]));
        }
        return byClass;
    }

    /// <summary>The trailing integer of a file name like <c>cifar10_cat_17.aedat</c> or <c>image_0042.bin</c>, or -1.</summary>
    public static int TrailingIndex(string name)
    {
        string stem = Path.GetFileNameWithoutExtension(name);
        int i = stem.Length;
        while (i > 0 && char.IsAsciiDigit(stem[i - 1])) i--;
        return i < stem.Length && int.TryParse(stem[i..], out int v) ? v : -1;
    }

    /// <summary>True when <paramref name="path"/> is an archive file.</summary>
    public static bool IsArchive(string path) => File.Exists(path) && ArchivePath.IsArchiveName(path);
}
