using ICSharpCode.SharpZipLib.GZip;
using ICSharpCode.SharpZipLib.Zip;

namespace EventSnn.Ingest.Archives;

/// <summary>
/// Steps through the file entries (not directories) of a .zip, .tar or .tar.gz archive in archive order, in one
/// forward pass over the file, so many entries of a compressed tarball are read without decompressing it once per
/// entry. Every check of the archive readers holds: zip entry data are held to their declared size and CRC-32 and
/// to <see cref="ArchiveLimits.MaxEntryBytes"/> (<see cref="CheckedEntryStream"/>), tar headers and sizes are
/// checked by <see cref="TarReader"/>, and a damaged gzip stream is an <see cref="EventFormatException"/>
/// (<see cref="DecompressionGuardStream"/>). Entry names are normalised to '/' separators without a leading "./";
/// they are only compared, never used as file-system paths.
/// </summary>
public sealed class ArchiveReader : IDisposable
{
    readonly FileStream _file;
    readonly ZipFile? _zip;
    readonly Stream? _tarStream;
    readonly TarReader? _tar;
    int _zipIndex = -1;
    ZipEntry? _zipEntry;

    ArchiveReader(FileStream file, string path)
    {
        _file = file;
        Path = path;
        switch (Detect(file, path))
        {
            case Kind.Zip:
                _zip = new ZipFile(file, leaveOpen: true);
                break;
            case Kind.TarGz:
                _tarStream = new DecompressionGuardStream(new GZipInputStream(file) { IsStreamOwner = false }, path);
                _tar = new TarReader(_tarStream, path, null);
                break;
            default:
                _tar = new TarReader(file, path, file.Length);
                break;
        }
    }

    /// <summary>Opens <paramref name="path"/>; the kind (zip, tar, gzip'd tar) is told by content, else by extension.</summary>
    public static ArchiveReader Open(string path)
    {
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        try { return new ArchiveReader(file, path); }
        catch { file.Dispose(); throw; }
    }

    /// <summary>The archive's path, as given to <see cref="Open"/>.</summary>
    public string Path { get; }

    /// <summary>The current entry's normalised name ("" before the first <see cref="Next"/>).</summary>
    public string Name { get; private set; } = "";

    /// <summary>The current entry's uncompressed size in bytes as the archive states it, or null when it states none.</summary>
    public long? Size { get; private set; }

    /// <summary>How far into the archive file reading has come, in bytes (compressed bytes for a .tar.gz).</summary>
    public long FileOffset => _file.CanSeek ? _file.Position : 0;

    /// <summary>Moves to the next file entry; false at the end of the archive. What is left of the previous entry is skipped.</summary>
    public bool Next()
    {
        if (_zip is not null)
        {
            while (++_zipIndex < _zip.Count)
            {
                ZipEntry e = _zip[_zipIndex];
                if (!e.IsFile) continue;
                _zipEntry = e;
                Name = Normalize(e.Name);
                Size = e.Size >= 0 ? e.Size : null;
                return true;
            }
            _zipEntry = null;
            return false;
        }
        for (TarEntryInfo? e = _tar!.Next(); e != null; e = _tar.Next())
        {
            if (!e.Value.IsFile) continue;
            Name = Normalize(e.Value.Name);
            Size = e.Value.Size;
            return true;
        }
        return false;
    }

    /// <summary>
    /// The current entry's data, checked as the class describes; valid until the next <see cref="Next"/> or
    /// <see cref="Dispose"/>. Disposing it leaves the archive open.
    /// </summary>
    public Stream OpenData()
    {
        if (_zip is not null)
        {
            ZipEntry e = _zipEntry ?? throw new InvalidOperationException("no current entry: call Next first");
            // Decompression is held to the declared size and CRC (and the EVENTSNN_MAX_ENTRY_BYTES ceiling).
            return new CheckedEntryStream(_zip.GetInputStream(e), null, Path, Name, e.Size, e.HasCrc ? e.Crc : null);
        }
        return _tar!.OpenData();
    }

    /// <summary>Closes the archive file.</summary>
    public void Dispose()
    {
        try
        {
            _zip?.Close();
            _tarStream?.Dispose();
        }
        finally { _file.Dispose(); }
    }

    /// <summary>An entry name with '/' separators and no leading "./".</summary>
    internal static string Normalize(string name)
    {
        string n = name.Replace('\\', '/');
        while (n.StartsWith("./", StringComparison.Ordinal)) n = n[2..];
        return n;
    }

    enum Kind { Zip, Tar, TarGz }

    static Kind Detect(FileStream file, string path)
    {
        Span<byte> head = stackalloc byte[262];
        int n = file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        file.Position = 0;
        head = head[..n];
        if (n >= 4 && head[0] == 'P' && head[1] == 'K') return Kind.Zip;
        if (n >= 2 && head[0] == 0x1F && head[1] == 0x8B) return Kind.TarGz;
        if (n >= 262 && head.Slice(257, 5).SequenceEqual("ustar"u8)) return Kind.Tar;
        if (path.EndsWith(".zip", StringComparison.OrdinalIgnoreCase)) return Kind.Zip;
        if (path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".tgz", StringComparison.OrdinalIgnoreCase)) return Kind.TarGz;
        return Kind.Tar;
    }
}
