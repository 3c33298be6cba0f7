using System.Text;
using ICSharpCode.SharpZipLib;
using ICSharpCode.SharpZipLib.GZip;
using ICSharpCode.SharpZipLib.Zip;
using EventSnn.Ingest.Io;

namespace EventSnn.Ingest.Archives;

/// <summary>
/// Lists and streams entries of .zip, .tar and .tar.gz archives without extracting them (SharpZipLib). Entry names
/// are normalised to '/' separators without a leading "./"; they are only compared, never used as file-system paths
/// (use <see cref="IsSafeRelativeName"/> before doing so).
/// </summary>
public static class EventArchive
{
    enum Kind { Zip, Tar, TarGz }

    /// <summary>Names of the file entries (not directories), in archive order.</summary>
    public static IReadOnlyList<string> List(string archivePath)
    {
        var names = new List<string>();
        try
        {
            switch (Detect(archivePath))
            {
                case Kind.Zip:
                    using (var zip = new ZipFile(archivePath))
                        foreach (ZipEntry e in zip)
                            if (e.IsFile) names.Add(Normalize(e.Name));
                    break;
                default:
                    using (var raw = OpenTarStream(archivePath, out long? length))
                    {
                        var tar = new TarReader(raw, archivePath, length);
                        for (TarEntryInfo? e = tar.Next(); e != null; e = tar.Next())
                            if (e.Value.IsFile) names.Add(Normalize(e.Value.Name));
                    }
                    break;
            }
        }
        catch (Exception ex) when (IsArchiveFailure(ex) && ex is not EventFormatException)
        {
            throw new EventFormatException(archivePath, null, 0, "a readable .zip/.tar/.tar.gz archive", ex.Message, ex);
        }
        return names;
    }

    /// <summary>Opens entry <paramref name="entry"/> as a forward-only stream; disposing it closes the archive.</summary>
    public static Stream OpenEntry(string archivePath, string entry) => OpenEntry(archivePath, entry, out _);

    /// <summary>Opens an entry and reports its uncompressed length when the archive states it.</summary>
    public static Stream OpenEntry(string archivePath, string entry, out long? length)
    {
        string wanted = Normalize(entry);
        try
        {
            if (Detect(archivePath) == Kind.Zip)
            {
                var zip = new ZipFile(archivePath);
                try
                {
                    foreach (ZipEntry e in zip)
                    {
                        if (!e.IsFile || Normalize(e.Name) != wanted) continue;
                        length = e.Size >= 0 ? e.Size : null;
                        // Decompression is held to the declared size and CRC (and the EVENTSNN_MAX_ENTRY_BYTES ceiling).
                        return new CheckedEntryStream(zip.GetInputStream(e), zip, archivePath, entry, e.Size, e.HasCrc ? e.Crc : null);
                    }
                }
                catch { zip.Close(); throw; }
                zip.Close();
            }
            else
            {
                var raw = OpenTarStream(archivePath, out long? archiveLength);
                try
                {
                    var tar = new TarReader(raw, archivePath, archiveLength);
                    for (TarEntryInfo? e = tar.Next(); e != null; e = tar.Next())
                    {
                        if (!e.Value.IsFile || Normalize(e.Value.Name) != wanted) continue;
                        length = e.Value.Size;
                        return new OwnedStream(tar.OpenData(), raw);
                    }
                }
                catch { raw.Dispose(); throw; }
                raw.Dispose();
            }
        }
        catch (Exception ex) when (IsArchiveFailure(ex) && ex is not EventFormatException)
        {
            throw new EventFormatException(archivePath, entry, 0, "a readable .zip/.tar/.tar.gz archive", ex.Message, ex);
        }
        throw new FileNotFoundException($"{archivePath}: no entry named '{entry}'", ArchivePath.Combine(archivePath, entry));
    }

    /// <summary>
    /// True when <paramref name="entry"/> is a relative name that stays inside a folder it is joined to: no rooted path,
    /// drive letter, "..", "." or empty segment, and no control characters.
    /// </summary>
    public static bool IsSafeRelativeName(string entry)
    {
        if (string.IsNullOrEmpty(entry) || entry.Contains(':') || entry.Contains('\\')) return false;
        if (entry.StartsWith('/')) return false;
        foreach (char c in entry) if (char.IsControl(c)) return false;
        foreach (string seg in entry.Split('/'))
            if (seg.Length == 0 || seg == "." || seg == "..") return false;
        return true;
    }

    static string Normalize(string name)
    {
        string n = name.Replace('\\', '/');
        while (n.StartsWith("./", StringComparison.Ordinal)) n = n[2..];
        return n;
    }

    static Kind Detect(string path)
    {
        Span<byte> head = stackalloc byte[262];
        int n;
        using (var fs = File.OpenRead(path)) n = fs.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        head = head[..n];
        if (n >= 4 && head[0] == 'P' && head[1] == 'K') return Kind.Zip;
        if (n >= 2 && head[0] == 0x1F && head[1] == 0x8B) return Kind.TarGz;
        if (n >= 262 && head.Slice(257, 5).SequenceEqual("ustar"u8)) return Kind.Tar;
        if (path.EndsWith(".zip", StringComparison.OrdinalIgnoreCase)) return Kind.Zip;
        if (path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".tgz", StringComparison.OrdinalIgnoreCase)) return Kind.TarGz;
        return Kind.Tar;
    }

    /// <summary>The tar byte stream of a .tar or .tar.gz file (decompressed); <paramref name="length"/> is known for a plain .tar.</summary>
    public static Stream OpenTarStream(string path, out long? length)
    {
        Stream s = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        try
        {
            if (Detect(path) == Kind.TarGz) { length = null; return new DecompressionGuardStream(new GZipInputStream(s), path); }
            length = s.Length;
            return s;
        }
        catch { s.Dispose(); throw; }
    }

    static bool IsArchiveFailure(Exception ex) => ex is SharpZipBaseException or EndOfStreamException or InvalidDataException or IndexOutOfRangeException or ArgumentOutOfRangeException
        || (ex is IOException && ex is not FileNotFoundException && ex is not DirectoryNotFoundException);

    /// <summary>Reads an entry stream and closes its archive on dispose; failures inside surface as <see cref="InvalidDataException"/>.</summary>
    sealed class OwnedStream(Stream inner, IDisposable? owner) : ForwardReadStream
    {
        public override int Read(Span<byte> buffer)
        {
            try { return inner.Read(buffer); }
            catch (SharpZipBaseException ex) { throw new InvalidDataException("archive data is corrupt: " + ex.Message, ex); }
        }
        protected override void Dispose(bool disposing)
        {
            if (disposing) { inner.Dispose(); owner?.Dispose(); }
            base.Dispose(disposing);
        }
    }
}
