using EventSnn.Ingest.Archives;

namespace EventSnn.Ingest;

/// <summary>
/// An opened event source: a plain file, or an entry of a .zip/.tar/.tar.gz archive named as <c>ARCHIVE#ENTRY</c>.
/// Carries the names used in error reports. Entries are streamed, never extracted.
/// </summary>
public sealed class EventInput : IDisposable
{
    EventInput(Stream stream, string file, string? entry, long? length)
    {
        Stream = stream;
        File = file;
        Entry = entry;
        Length = length;
    }

    /// <summary>The bytes of the file or entry, from its first byte.</summary>
    public Stream Stream { get; }

    /// <summary>The file path (the archive path for an entry).</summary>
    public string File { get; }

    /// <summary>The archive entry name, or null.</summary>
    public string? Entry { get; }

    /// <summary>Length in bytes when known.</summary>
    public long? Length { get; }

    /// <summary>The name whose extension tells the format: the entry name, or the file path.</summary>
    public string Name => Entry ?? File;

    /// <summary>Opens <paramref name="path"/>, which may be <c>ARCHIVE#ENTRY</c>.</summary>
    public static EventInput Open(string path)
    {
        if (ArchivePath.TrySplit(path, out string archive, out string entry))
        {
            var s = EventArchive.OpenEntry(archive, entry, out long? length);
            return new EventInput(s, archive, entry, length);
        }
        var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        return new EventInput(fs, path, null, fs.Length);
    }

    /// <summary>Wraps a stream (taking ownership) under the given names.</summary>
    public static EventInput FromStream(Stream stream, string file, string? entry = null)
    {
        long? length = null;
        try { if (stream.CanSeek) length = stream.Length - stream.Position; } catch (NotSupportedException) { }
        return new EventInput(stream, file, entry, length);
    }

    /// <summary>A format error at <paramref name="offset"/> of this input.</summary>
    public EventFormatException Error(long offset, string expected, string? found = null, Exception? inner = null)
        => new(File, Entry, offset, expected, found, inner);

    /// <summary>Closes the stream (and the archive behind it).</summary>
    public void Dispose() => Stream.Dispose();
}
