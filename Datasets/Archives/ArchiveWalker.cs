using EventSnn.Ingest;
using EventSnn.Ingest.Archives;
using ICSharpCode.SharpZipLib.GZip;
using ICSharpCode.SharpZipLib.Zip;
using EventSnn.Ingest.Io;

namespace EventSnn.Datasets.Archives;

/// <summary>
/// Visits the file entries of a .zip, .tar or .tar.gz archive in one forward pass, so a loader reads many
/// recordings from a compressed tarball without decompressing it once per entry. Entry names are normalised to
/// '/' separators without a leading "./" and are never used as file-system paths.
/// </summary>
internal static class ArchiveWalker
{
    /// <summary>True when <paramref name="path"/> ends like an archive (.zip, .tar, .tar.gz, .tgz).</summary>
    public static bool IsArchive(string path) => ArchivePath.IsArchiveName(path);

    /// <summary>
    /// Calls <paramref name="visit"/> with each entry for which <paramref name="wanted"/> is true, in archive order; the
    /// stream is valid only during the call and must not be disposed by the visitor.
    /// </summary>
    public static void Walk(string archivePath, Func<string, bool> wanted, Action<string, Stream> visit)
    {
        using var fs = new FileStream(archivePath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        Span<byte> head = stackalloc byte[4];
        int n = fs.ReadAtLeast(head, 4, throwOnEndOfStream: false);
        fs.Position = 0;
        if (n >= 2 && head[0] == 'P' && head[1] == 'K')
        {
            using var zip = new ZipFile(fs, leaveOpen: true);
            foreach (ZipEntry e in zip)
            {
                if (!e.IsFile) continue;
                string name = Normalize(e.Name);
                if (!wanted(name)) continue;
                using Stream s = new CheckedEntryStream(zip.GetInputStream(e), null, archivePath, name, e.Size, e.HasCrc ? e.Crc : null);
                visit(name, new NonClosingStream(s));
            }
            return;
        }
        Stream raw = n >= 2 && head[0] == 0x1F && head[1] == 0x8B ? new DecompressionGuardStream(new GZipInputStream(fs) { IsStreamOwner = false }, archivePath) : fs;
        try
        {
            var tar = new TarReader(raw, archivePath, ReferenceEquals(raw, fs) ? fs.Length : null);
            for (TarEntryInfo? e = tar.Next(); e != null; e = tar.Next())
            {
                if (!e.Value.IsFile) continue;
                string name = Normalize(e.Value.Name);
                if (!wanted(name)) continue;
                visit(name, new NonClosingStream(tar.OpenData()));
            }
        }
        catch (Exception ex) when (ex is ICSharpCode.SharpZipLib.SharpZipBaseException or EndOfStreamException)
        {
            throw new EventFormatException(archivePath, null, fs.CanSeek ? fs.Position : 0, "a readable .zip/.tar/.tar.gz archive", ex.Message, ex);
        }
        finally
        {
            if (!ReferenceEquals(raw, fs)) raw.Dispose();
        }
    }

    static string Normalize(string name)
    {
        string s = name.Replace('\\', '/');
        while (s.StartsWith("./", StringComparison.Ordinal)) s = s[2..];
        return s;
    }

    /// <summary>Reads an entry's stream without letting a reader close the archive under it.</summary>
    sealed class NonClosingStream(Stream inner) : ForwardReadStream
    {
        public override int Read(Span<byte> buffer) => inner.Read(buffer);
    }
}
