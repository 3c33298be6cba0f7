namespace EventSnn.Ingest.Archives;

/// <summary>Splits paths of the form <c>ARCHIVE#ENTRY</c> (ARCHIVE a .zip, .tar, .tar.gz or .tgz file).</summary>
public static class ArchivePath
{
    static readonly string[] Extensions = [".zip", ".tar", ".tar.gz", ".tgz"];

    /// <summary>True when <paramref name="path"/> names an archive file by its extension.</summary>
    public static bool IsArchiveName(string path)
    {
        foreach (string ext in Extensions)
            if (path.EndsWith(ext, StringComparison.OrdinalIgnoreCase)) return true;
        return false;
    }

    /// <summary>
    /// True when <paramref name="path"/> is not an existing file but a '#' splits it into an existing archive file and
    /// an entry name. The first such '#' wins, so entry names may themselves contain '#'.
    /// </summary>
    public static bool TrySplit(string path, out string archive, out string entry)
    {
        archive = entry = "";
        if (File.Exists(path)) return false;
        for (int i = path.IndexOf('#'); i >= 0; i = path.IndexOf('#', i + 1))
        {
            string head = path[..i];
            if (IsArchiveName(head) && File.Exists(head))
            {
                archive = head;
                entry = path[(i + 1)..];
                return true;
            }
        }
        return false;
    }

    /// <summary>Joins an archive path and entry name as <c>ARCHIVE#ENTRY</c>.</summary>
    public static string Combine(string archive, string entry) => archive + "#" + entry;
}
