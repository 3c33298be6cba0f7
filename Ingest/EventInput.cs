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
        var fs = OpenFile(path);
        return new EventInput(fs, path, null, fs.CanSeek ? fs.Length : null);
    }

    /// <summary>Seconds <see cref="Open"/> waits for a FIFO or device to open: EVENTSNN_OPEN_TIMEOUT_S, else 10.</summary>
    public static double OpenTimeoutSeconds =>
        double.TryParse(Environment.GetEnvironmentVariable("EVENTSNN_OPEN_TIMEOUT_S"), System.Globalization.NumberStyles.Float,
            System.Globalization.CultureInfo.InvariantCulture, out double s) && s > 0 ? s : 10;

    /// <summary>
    /// Opens a file for reading. A FIFO blocks in open(2) until a writer appears, so anything that is not a regular file
    /// with content (FIFOs, devices and /proc files report length 0) is opened on a worker with a bounded wait.
    /// Pipes and FIFOs open as non-seekable streams: streaming formats read them, HDF5 is copied to a temporary file.
    /// </summary>
    static FileStream OpenFile(string path)
    {
        static FileStream Raw(string p) => new(p, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        var info = new FileInfo(path);
        if (!info.Exists || info.Length > 0) return Raw(path);
        var open = Task.Run(() => Raw(path));
        double seconds = OpenTimeoutSeconds;
        try
        {
            if (open.Wait(TimeSpan.FromSeconds(seconds))) return open.Result;
        }
        catch (AggregateException e) when (e.InnerExceptions.Count == 1)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
        }
        // The open may still complete later: close what it opens then.
        open.ContinueWith(t => t.Result.Dispose(), TaskContinuationOptions.OnlyOnRanToCompletion);
        throw new IOException($"{path}: did not open within {seconds:0.#} s (a FIFO without a writer?); EVENTSNN_OPEN_TIMEOUT_S sets the wait");
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
