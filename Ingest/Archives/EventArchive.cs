using ICSharpCode.SharpZipLib;
using EventSnn.Ingest.Io;

namespace EventSnn.Ingest.Archives;

/// <summary>
/// Lists, streams and walks entries of .zip, .tar and .tar.gz archives without extracting them, all through
/// <see cref="ArchiveReader"/>. Entry names are normalised to '/' separators without a leading "./"; they are only
/// compared, never used as file-system paths (use <see cref="IsSafeRelativeName"/> before doing so).
/// </summary>
public static class EventArchive
{
    /// <summary>Names of the file entries (not directories), in archive order.</summary>
    public static IReadOnlyList<string> List(string archivePath)
    {
        var names = new List<string>();
        try
        {
            using var reader = ArchiveReader.Open(archivePath);
            while (reader.Next()) names.Add(reader.Name);
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
        string wanted = ArchiveReader.Normalize(entry);
        length = null;
        ArchiveReader? reader = null;
        try
        {
            reader = ArchiveReader.Open(archivePath);
            while (reader.Next())
            {
                if (reader.Name != wanted) continue;
                length = reader.Size;
                return new OwnedStream(reader.OpenData(), reader);
            }
        }
        catch (Exception ex) when (IsArchiveFailure(ex) && ex is not EventFormatException)
        {
            reader?.Dispose();
            throw new EventFormatException(archivePath, entry, 0, "a readable .zip/.tar/.tar.gz archive", ex.Message, ex);
        }
        catch
        {
            reader?.Dispose();
            throw;
        }
        reader.Dispose();
        throw new FileNotFoundException($"{archivePath}: no entry named '{entry}'", ArchivePath.Combine(archivePath, entry));
    }

    /// <summary>
    /// Calls <paramref name="visit"/> with each file entry whose name <paramref name="wanted"/> accepts, in archive
    /// order, in one forward pass (<see cref="ArchiveReader"/>). The stream is valid only during the call. A damaged
    /// archive (or an entry that ends early) is an <see cref="EventFormatException"/> naming the archive and the
    /// offset reached in its file.
    /// </summary>
    public static void Walk(string archivePath, Func<string, bool> wanted, Action<string, Stream> visit)
    {
        ArchiveReader? reader = null;
        try
        {
            reader = ArchiveReader.Open(archivePath);
            while (reader.Next())
            {
                string name = reader.Name;
                if (!wanted(name)) continue;
                using Stream data = reader.OpenData();
                visit(name, data);
            }
        }
        catch (Exception ex) when (ex is SharpZipBaseException or EndOfStreamException)
        {
            throw new EventFormatException(archivePath, null, reader?.FileOffset ?? 0, "a readable .zip/.tar/.tar.gz archive", ex.Message, ex);
        }
        finally { reader?.Dispose(); }
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
