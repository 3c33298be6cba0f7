using EventSnn.Ingest.Io;

namespace EventSnn.Ingest;

/// <summary>
/// Entry point for event files: opens, reads and writes every supported format. Paths may name an archive entry as
/// <c>ARCHIVE#ENTRY</c> (.zip, .tar, .tar.gz). The format is recognised from the first bytes ("#!AER-DAT2/3.1/4.0",
/// the HDF5 signature, a Prophesee '%' header naming EVT 2.0/2.1/3.0, a DAT "% Data file" header) and otherwise from
/// the extension (.bin, .csv, .h5/.hdf5, .raw, .dat). HDF5 files holding <c>/CD/events</c> are Metavision HDF5.
/// </summary>
public static class EventFile
{
    /// <summary>Format names this library reads and writes.</summary>
    public static IReadOnlyList<string> Formats { get; } = ["aedat2", "aedat3.1", "aedat4", "bin", "hdf5", "csv", "evt2", "evt2.1", "evt3", "dat", "metavision-hdf5"];

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
            return OpenAnyHdf5(input, options);
        // Small inputs get a small buffer: fuzzing and dataset loaders open thousands of little files.
        int bufferSize = input.Length is long len && len < (1 << 20) ? (int)Math.Max(len + 1, 4096) : 1 << 20;
        var source = new ByteSource(input, ownsStream: true, bufferSize);
        try
        {
            string format = Detect(Peek(source), input.Name);
            return format switch
            {
                "aedat2" => new Aedat2Reader(source, options),
                "aedat3.1" => new Aedat31Reader(source, options),
                "aedat4" => new Aedat4Reader(source, options),
                "bin" => new AtisBinReader(source, options),
                "csv" => new CsvEventReader(source, options),
                "hdf5" => OpenHdf5(source, input, options),
                "evt2" => new Evt2Reader(source, options),
                "evt2.1" => new Evt21Reader(source, options),
                "evt3" => new Evt3Reader(source, options),
                "raw" => throw input.Error(0, "a Prophesee .raw header naming its encoding ('% evt 2.0|2.1|3.0' or '% format EVT2|EVT21|EVT3')", "no such line in the '%' header"),
                "dat" => new DatReader(source, options),
                _ => throw input.Error(0, "a known event format (AEDAT 2.0/3.1/4.0, .bin, .csv, .h5, Prophesee .raw EVT 2.0/2.1/3.0, .dat)", "unrecognised content and extension"),
            };
        }
        catch { source.Dispose(); throw; }
    }

    static IEventReader OpenHdf5(ByteSource source, EventInput input, EventReadOptions options)
    {
        // PureHDF needs random access: hand it the input itself (rewound) rather than the forward-only buffer.
        if (!input.Stream.CanSeek) throw input.Error(0, "an HDF5 archive entry named *.h5 or *.hdf5 (read whole before its content is seen)");
        input.Stream.Seek(0, SeekOrigin.Begin);
        return OpenAnyHdf5(input, options);
    }

    // The project's /events layout or Metavision's /CD/events: the groups tell.
    static IEventReader OpenAnyHdf5(EventInput input, EventReadOptions options)
    {
        Stream s = Hdf5EventReader.Seekable(input);
        bool metavision;
        try { metavision = MetavisionHdf5Reader.Holds(s); }
        catch (Exception ex)
        {
            // OutOfMemoryException included: the HDF5 library sizes arrays from the file's own (possibly damaged) fields.
            s.Dispose();
            throw new EventFormatException(input.File, input.Entry, 0, "a readable HDF5 file", ex.Message, ex);
        }
        s.Position = 0;
        return metavision ? new MetavisionHdf5Reader(input, s, options) : new Hdf5EventReader(input, s);
    }

    static ReadOnlySpan<byte> Peek(ByteSource source)
    {
        source.Fill(16);
        // Prophesee headers are '%' lines: look far enough to see the line that names the encoding.
        if (source.Available.Length > 0 && source.Available[0] == (byte)'%') source.Fill(64 << 10);
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
        if (head.Length > 0 && head[0] == '%')
        {
            if (RawHeader.EncodingOf(head) is { } encoding) return encoding;
            if (head.StartsWith("% Data file containing"u8) || ext == ".dat") return "dat";
            if (ext == ".raw") return "raw";
        }
        return ext switch
        {
            ".bin" => "bin",
            ".csv" or ".txt" => "csv",
            ".h5" or ".hdf5" => "hdf5",
            ".raw" => "raw",
            ".dat" => "dat",
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
            return new EventRecording(all, reader.Format, w, h, reader.Source, meta) { Triggers = reader.Triggers.ToArray() };
        }
        catch { all.Dispose(); throw; }
    }

    /// <summary>
    /// Writes <paramref name="events"/> in the format named by the extension: .csv, .h5/.hdf5, .aedat (2.0 or 3.1 by
    /// <see cref="EventWriteOptions.AedatVersion"/>), .aedat4, .bin, .raw (EVT 3.0 or 2.0 by
    /// <see cref="EventWriteOptions.RawEncoding"/>), .dat. Writes to a temporary file and renames it, so a
    /// refused event leaves no partial output.
    /// </summary>
    public static void Write(string path, EventBatch events, EventWriteOptions? options = null)
    {
        options ??= EventWriteOptions.Default;
        string ext = Extension(path);
        string tmp = path + ".tmp-" + Environment.ProcessId;
        TempFiles.Track(tmp);
        try
        {
            if (ext is ".h5" or ".hdf5")
            {
                if (options.Hdf5Layout.Equals("metavision", StringComparison.OrdinalIgnoreCase)) MetavisionHdf5Writer.Write(tmp, events, options);
                else if (options.Hdf5Layout.Equals("events", StringComparison.OrdinalIgnoreCase)) Hdf5EventWriter.Write(tmp, events, options.Source);
                else throw new ArgumentException($"HDF5 layout '{options.Hdf5Layout}' is not known (use events or metavision)");
            }
            else
            {
                using var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
                switch (ext)
                {
                    case ".csv": CsvEventWriter.Write(fs, events, options.Source); break;
                    case ".bin": AtisBinWriter.Write(fs, events); break;
                    case ".dat": DatWriter.Write(fs, events); break;
                    case ".raw":
                        if (options.RawEncoding.Replace(".", "").Equals("evt3", StringComparison.OrdinalIgnoreCase) || options.RawEncoding == "3.0") Evt3Writer.Write(fs, events, options);
                        else if (options.RawEncoding.Replace(".", "").Equals("evt2", StringComparison.OrdinalIgnoreCase) || options.RawEncoding == "2.0") Evt2Writer.Write(fs, events, options);
                        else throw new ArgumentException($"Prophesee encoding '{options.RawEncoding}' cannot be written to .raw (use evt3 or evt2; EVT 2.1 is read only)");
                        break;
                    case ".aedat4": Aedat4Writer.WriteFile(fs, events, options); break;
                    case ".aedat":
                        if (options.AedatVersion.StartsWith('2')) Aedat2Writer.Write(fs, events, options);
                        else if (options.AedatVersion.StartsWith("3")) Aedat31Writer.Write(fs, events, options);
                        else throw new ArgumentException($"AEDAT version '{options.AedatVersion}' cannot be written to .aedat (use 2.0 or 3.1; .aedat4 for 4.0)");
                        break;
                    default:
                        throw new ArgumentException($"cannot tell the output format from '{path}': use .csv, .h5/.hdf5, .aedat, .aedat4, .bin, .raw or .dat");
                }
            }
            File.Move(tmp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
            TempFiles.Untrack(tmp);
        }
    }

    /// <summary>
    /// Why <paramref name="reader"/> cannot be converted to <paramref name="outPath"/> batch by batch, or null when it can:
    /// HDF5 output is written whole (the library needs the event count before the first value), and CSV, AEDAT 3.1 and
    /// AEDAT 4 headers need the sensor size, which .bin files and CSV without a size line only tell at their end.
    /// </summary>
    public static string? WhyNotStreamed(IEventReader reader, string outPath, EventWriteOptions? options = null)
    {
        string ext = Extension(outPath);
        bool aedat2 = ext == ".aedat" && (options ?? EventWriteOptions.Default).AedatVersion.StartsWith('2');
        if (ext is ".h5" or ".hdf5") return "HDF5 output is written whole (the event count must be known before the first value)";
        if (ext is ".raw" or ".dat") return $"Prophesee {ext} output is written whole (its header and trigger events come from the whole recording)";
        if ((reader.Width <= 0 || reader.Height <= 0) && ext != ".bin" && !aedat2)
            return $"the {reader.Format} input does not state its sensor size, which the {ext} header needs before the first event";
        return null;
    }

    /// <summary>Outcome of <see cref="Convert"/>.</summary>
    /// <param name="Events">Events written.</param>
    /// <param name="Format">Input format name.</param>
    /// <param name="Width">Sensor width written, in pixels.</param>
    /// <param name="Height">Sensor height written, in pixels.</param>
    /// <param name="NotStreamed">Null when converted batch by batch in bounded memory, else why the whole recording was held.</param>
    /// <param name="Warnings">Warnings of a lenient read.</param>
    public sealed record ConvertResult(long Events, string Format, int Width, int Height, string? NotStreamed, IReadOnlyList<string> Warnings);

    /// <summary>
    /// Converts <paramref name="inPath"/> to <paramref name="outPath"/> (format by extension), batch by batch in bounded memory
    /// wherever the pair allows it (<see cref="WhyNotStreamed"/>), else through one in-memory recording. The output is
    /// written to a temporary file renamed into place at the end and removed on failure (and on SIGINT/SIGTERM through
    /// <see cref="TempFiles"/>). <see cref="EventWriteOptions.Source"/> null keeps the input's camera name.
    /// </summary>
    public static ConvertResult Convert(string inPath, string outPath, EventReadOptions? read = null, EventWriteOptions? write = null)
    {
        write ??= EventWriteOptions.Default;
        var reader = Open(inPath, read);
        try
        {
            return ConvertOpened(ref reader, inPath, outPath, read, write);
        }
        finally { reader.Dispose(); }
    }

    static ConvertResult ConvertOpened(ref IEventReader reader, string inPath, string outPath, EventReadOptions? read, EventWriteOptions write)
    {
        write = write with { Source = write.Source ?? reader.Source };
        string? why = WhyNotStreamed(reader, outPath, write);
        int width = reader.Width, height = reader.Height;
        if (why is not null && Extension(outPath) is not (".h5" or ".hdf5" or ".raw" or ".dat") && IsReopenable(inPath))
        {
            // The header needs the sensor size the input only tells at its end: a first pass finds it (1 + the largest
            // coordinate, as ReadAll does), a second pass converts; both in bounded memory.
            int mx = -1, my = -1;
            foreach (var batch in reader.ReadBatches(1 << 16))
                using (batch)
                {
                    foreach (ushort v in batch.X) if (v > mx) mx = v;
                    foreach (ushort v in batch.Y) if (v > my) my = v;
                }
            reader.Dispose();
            reader = Open(inPath, read);
            width = reader.Width > 0 ? reader.Width : mx + 1;
            height = reader.Height > 0 ? reader.Height : my + 1;
            why = null;
        }
        if (why is not null)
        {
            using var rec = ReadAll(reader);
            Write(outPath, rec.Events, write.Triggers is null && rec.Triggers.Count > 0 ? write with { Triggers = rec.Triggers } : write);
            var warnings = rec.Metadata.TryGetValue("warning", out string? w) ? w.Split(" | ") : [];
            return new ConvertResult(rec.Events.Count, rec.Format, rec.Width, rec.Height, why, warnings);
        }

        return ConvertStreaming(reader, outPath, write, width, height);
    }

    /// <summary>A plain file (or archive entry) that can be opened again for a second pass; pipes and devices cannot.</summary>
    static bool IsReopenable(string path)
    {
        if (Archives.ArchivePath.TrySplit(path, out _, out _)) return true;
        var info = new FileInfo(path);
        return info.Exists && info.Length > 0 && !path.StartsWith("/dev/", StringComparison.Ordinal) && !path.StartsWith("/proc/", StringComparison.Ordinal);
    }

    static ConvertResult ConvertStreaming(IEventReader reader, string outPath, EventWriteOptions write, int width, int height)
    {
        string ext = Extension(outPath);
        string tmp = outPath + ".tmp-" + Environment.ProcessId;
        TempFiles.Track(tmp);
        long count = 0;
        try
        {
            using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1 << 16))
            {
                Aedat4Writer? a4 = ext == ".aedat4"
                    ? new Aedat4Writer(fs, Aedat4Writer.EventStream(width, height, write.Source), write.Compression)
                    : null;
                try
                {
                    bool first = true;
                    foreach (var batch in reader.ReadBatches(1 << 16))
                    {
                        using (batch)
                        {
                            batch.Width = width; batch.Height = height;
                            switch (ext)
                            {
                                case ".csv": CsvEventWriter.Write(fs, batch, write.Source, header: first); break;
                                case ".bin": AtisBinWriter.Write(fs, batch); break;
                                case ".aedat4":
                                    int per = Math.Max(1, write.EventsPerPacket);
                                    for (int i = 0; i < batch.Count; i += per) a4!.WritePacket(batch, i, Math.Min(per, batch.Count - i));
                                    break;
                                case ".aedat":
                                    if (write.AedatVersion.StartsWith('2')) Aedat2Writer.Write(fs, batch, write, header: first);
                                    else if (write.AedatVersion.StartsWith('3')) Aedat31Writer.Write(fs, batch, write, header: first);
                                    else throw new ArgumentException($"AEDAT version '{write.AedatVersion}' cannot be written to .aedat (use 2.0 or 3.1; .aedat4 for 4.0)");
                                    break;
                                default:
                                    throw new ArgumentException($"cannot tell the output format from '{outPath}': use .csv, .h5/.hdf5, .aedat, .aedat4 or .bin");
                            }
                            count += batch.Count;
                            first = false;
                        }
                    }
                    if (first)
                    {
                        // no batch at all: still write the header
                        using var empty = new EventBatch(1, width, height);
                        if (ext == ".csv") CsvEventWriter.Write(fs, empty, write.Source);
                        else if (ext == ".aedat" && write.AedatVersion.StartsWith('2')) Aedat2Writer.Write(fs, empty, write);
                        else if (ext == ".aedat") Aedat31Writer.Write(fs, empty, write);
                    }
                    a4?.Finish();
                }
                finally { a4?.Dispose(); }
            }
            File.Move(tmp, outPath, overwrite: true);
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
            TempFiles.Untrack(tmp);
        }
        return new ConvertResult(count, reader.Format, width, height, null, reader.Warnings);
    }
}
