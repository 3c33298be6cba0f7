using EventSnn.Ingest.Io;

namespace EventSnn.Ingest;

/// <summary>
/// Entry point for event files: opens, reads and writes every supported format. Paths may name an archive entry as
/// <c>ARCHIVE#ENTRY</c> (.zip, .tar, .tar.gz). The format is recognised from the first bytes ("#!AER-DAT2/3.1/4.0",
/// the HDF5 signature) and otherwise from the extension (.bin, .csv, .h5/.hdf5).
/// </summary>
public static class EventFile
{
    /// <summary>Format names this library reads and writes.</summary>
    public static IReadOnlyList<string> Formats { get; } = ["aedat2", "aedat3.1", "aedat4", "bin", "hdf5", "csv"];

    /// <summary>Opens a streaming reader. The caller disposes it (and every batch it yields).</summary>
    public static IEventReader Open(string path, EventReadOptions? options = null)
    {
        var input = EventInput.Open(path);
        try { return Open(input, options); }
        catch { input.Dispose(); throw; }
    }

    /// <summary>Opens a streaming reader over an already opened input, taking ownership of it.</summary>
    public static IEventReader Open(EventInput input, EventReadOptions? options = null)
    {
        options ??= EventReadOptions.Default;
        if (!input.Stream.CanSeek && IsHdf5Name(input.Name))
            return Hdf5EventReader.Open(input, options);
        // Small inputs get a small buffer: fuzzing and dataset loaders open thousands of little files.
        int bufferSize = input.Length is long len && len < (1 << 20) ? (int)Math.Max(len + 1, 4096) : 1 << 20;
        var source = new ByteSource(input, ownsStream: true, bufferSize);
        try
        {
            string format = Detect(source.Available.Length >= 16 ? source.Available : Peek(source), input.Name);
            return format switch
            {
                "aedat2" => new Aedat2Reader(source, options),
                "aedat3.1" => new Aedat31Reader(source, options),
                "aedat4" => new Aedat4Reader(source, options),
                "bin" => new AtisBinReader(source, options),
                "csv" => new CsvEventReader(source, options),
                "hdf5" => OpenHdf5(source, input, options),
                _ => throw input.Error(0, "a known event format (AEDAT 2.0/3.1/4.0, .bin, .csv, .h5)", "unrecognised content and extension"),
            };
        }
        catch { source.Dispose(); throw; }
    }

    static IEventReader OpenHdf5(ByteSource source, EventInput input, EventReadOptions options)
    {
        // PureHDF needs random access: hand it the input itself (rewound) rather than the forward-only buffer.
        if (!input.Stream.CanSeek) throw input.Error(0, "an HDF5 archive entry named *.h5 or *.hdf5 (read whole before its content is seen)");
        input.Stream.Seek(0, SeekOrigin.Begin);
        return Hdf5EventReader.Open(input, options);
    }

    static ReadOnlySpan<byte> Peek(ByteSource source)
    {
        source.Fill(16);
        return source.Available;
    }

    /// <summary>Names the format of content starting with <paramref name="head"/> in a file called <paramref name="name"/>.</summary>
    public static string Detect(ReadOnlySpan<byte> head, string name)
    {
        if (head.StartsWith("#!AER-DAT2"u8)) return "aedat2";
        if (head.StartsWith("#!AER-DAT3"u8)) return "aedat3.1";
        if (head.StartsWith("#!AER-DAT4"u8)) return "aedat4";
        if (head.StartsWith((ReadOnlySpan<byte>)[0x89, (byte)'H', (byte)'D', (byte)'F', 0x0D, 0x0A, 0x1A, 0x0A])) return "hdf5";
        string ext = Extension(name);
        return ext switch
        {
            ".bin" => "bin",
            ".csv" or ".txt" => "csv",
            ".h5" or ".hdf5" => "hdf5",
            ".aedat" when head.StartsWith("#!AER-DAT"u8) => "aedat2",
            // jAER files without a version line are AEDAT 1.0/2.0 headers starting with '#'; only 2.0 is read.
            _ => "",
        };
    }

    static bool IsHdf5Name(string name) => Extension(name) is ".h5" or ".hdf5";

    static string Extension(string name)
    {
        int slash = Math.Max(name.LastIndexOf('/'), name.LastIndexOf('\\'));
        int dot = name.LastIndexOf('.');
        return dot > slash ? name[dot..].ToLowerInvariant() : "";
    }

    /// <summary>
    /// Reads every event into one batch. Width/height come from the file; when it does not say (ATIS .bin, CSV without a
    /// size line) they are 1 + the largest coordinate. Warnings of a lenient read are in the "warning" metadata.
    /// </summary>
    public static EventRecording ReadAll(string path, EventReadOptions? options = null)
    {
        using var reader = Open(path, options);
        return ReadAll(reader);
    }

    /// <summary>Reads the rest of an open reader into one recording.</summary>
    public static EventRecording ReadAll(IEventReader reader)
    {
        var all = new EventBatch(1 << 16, reader.Width, reader.Height);
        try
        {
            foreach (var batch in reader.ReadBatches(1 << 20))
                using (batch) all.Append(batch);
            int w = reader.Width, h = reader.Height;
            if (w <= 0 || h <= 0)
            {
                int mx = -1, my = -1;
                foreach (ushort v in all.X) if (v > mx) mx = v;
                foreach (ushort v in all.Y) if (v > my) my = v;
                if (w <= 0) w = mx + 1;
                if (h <= 0) h = my + 1;
            }
            all.Width = w; all.Height = h;
            var meta = new Dictionary<string, string>(reader.Metadata);
            if (reader.Warnings.Count > 0) meta["warning"] = string.Join(" | ", reader.Warnings);
            return new EventRecording(all, reader.Format, w, h, reader.Source, meta);
        }
        catch { all.Dispose(); throw; }
    }

    /// <summary>
    /// Writes <paramref name="events"/> in the format named by the extension: .csv, .h5/.hdf5, .aedat (2.0 or 3.1 by
    /// <see cref="EventWriteOptions.AedatVersion"/>), .aedat4, .bin. Writes to a temporary file and renames it, so a
    /// refused event leaves no partial output.
    /// </summary>
    public static void Write(string path, EventBatch events, EventWriteOptions? options = null)
    {
        options ??= EventWriteOptions.Default;
        string ext = Extension(path);
        string tmp = path + ".tmp-" + Environment.ProcessId;
        try
        {
            if (ext is ".h5" or ".hdf5") Hdf5EventWriter.Write(tmp, events, options.Source);
            else
            {
                using var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
                switch (ext)
                {
                    case ".csv": CsvEventWriter.Write(fs, events, options.Source); break;
                    case ".bin": AtisBinWriter.Write(fs, events); break;
                    case ".aedat4": Aedat4Writer.WriteFile(fs, events, options); break;
                    case ".aedat":
                        if (options.AedatVersion.StartsWith('2')) Aedat2Writer.Write(fs, events, options);
                        else if (options.AedatVersion.StartsWith("3")) Aedat31Writer.Write(fs, events, options);
                        else throw new ArgumentException($"AEDAT version '{options.AedatVersion}' cannot be written to .aedat (use 2.0 or 3.1; .aedat4 for 4.0)");
                        break;
                    default:
                        throw new ArgumentException($"cannot tell the output format from '{path}': use .csv, .h5/.hdf5, .aedat, .aedat4 or .bin");
                }
            }
            File.Move(tmp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
        }
    }
}
