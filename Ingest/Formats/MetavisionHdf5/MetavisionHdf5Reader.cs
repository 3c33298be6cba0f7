using System.Globalization;
using PureHDF;
using PureHDF.Selections;
using PureHDF.VOL.Native;

namespace EventSnn.Ingest;

/// <summary>
/// Reads Metavision HDF5 files (<see cref="MetavisionHdf5Layout"/>): <c>/CD/events</c> one hyperslab per batch,
/// stored uncompressed or with the filters PureHDF decodes (deflate, shuffle, Fletcher-32, …); the triggers of
/// <c>/EXT_TRIGGER/events</c> into <see cref="IEventReader.Triggers"/> (at most
/// <see cref="Io.EventReaderBase.MaxTriggersKept"/>). Chunks compressed with ECF (filter 36559) are refused with an
/// <see cref="EventFormatException"/> naming the filter and the conversion route. The sensor size comes from the
/// root attributes <c>width</c>/<c>height</c> or a <c>geometry</c> attribute "WxH" when present, else from
/// <see cref="EventReadOptions.SensorWidth"/>, else 1 + the largest coordinate.
/// </summary>
public sealed class MetavisionHdf5Reader : IEventReader
{
    /// <summary>What a refused ECF file should do instead.</summary>
    public const string EcfAdvice = "/CD/events stored without ECF compression (HDF5 filter 36559, Prophesee's ECF codec, has no public " +
        "specification; convert the file with Metavision's tools, e.g. metavision_file_to_raw or metavision_file_to_dat, or re-save the HDF5 uncompressed)";

    /// <summary>Largest ratio of decoded to stored bytes accepted (deflate peaks near 1032:1).</summary>
    public const long MaxExpansion = 1100;

    readonly EventInput _input;
    readonly Stream _stream;
    readonly NativeFile _file;
    readonly NativeDataset _events;
    readonly long _count;
    readonly Dictionary<string, string> _meta = new();
    readonly List<ExternalTrigger> _triggers = new();
    bool _enumerated;

    internal MetavisionHdf5Reader(EventInput input, Stream stream, EventReadOptions? options = null)
    {
        options ??= EventReadOptions.Default;
        EcfRefusalFilter.EnsureRegistered();
        _input = input;
        _stream = stream;
        try
        {
            _file = H5File.Open(stream, leaveOpen: true);
            if (!_file.LinkExists("CD") || !_file.Group("CD").LinkExists("events")) throw Fail("a dataset /CD/events");
            _events = (NativeDataset)_file.Group("CD").Dataset("events");
            CheckCompound(_events, "/CD/events", 16, [("x", 0, 2), ("y", 2, 2), ("p", 4, 2), ("t", 8, 8)]);
            if (_events.Space.Rank != 1) throw Fail("a one-dimensional /CD/events", $"rank {_events.Space.Rank}");
            _count = (long)_events.Space.Dimensions[0];
            // A damaged dimension must not turn into a near-endless read of fill values: no standard filter packs
            // more than about 1000:1, so the elements must fit in MaxExpansion times the file's bytes.
            long limit = stream.Length * MaxExpansion / 16;
            if (_count < 0 || _count > limit)
                throw Fail($"a /CD/events of at most {limit} elements in a file of {stream.Length} bytes", $"{_events.Space.Dimensions[0]} elements");
            _meta["events"] = _count.ToString(CultureInfo.InvariantCulture);
            foreach (var attr in _file.Attributes())
                if (attr.Type.Class is H5DataTypeClass.String or H5DataTypeClass.VariableLength && attr.Space.Rank <= 1 && StringAttribute(attr) is { } text) _meta[attr.Name] = text;
            (Width, Height, string from) = SensorSize(options);
            _meta["sensor_size_from"] = from;
            if (_count > 0) Probe(_events, "/CD/events");
            ReadTriggers();
            _meta["triggers"] = _triggers.Count.ToString(CultureInfo.InvariantCulture);
        }
        catch (EventFormatException) { Close(); throw; }
        catch (EcfChunkException) { Close(); throw Fail(EcfAdvice, "chunks compressed with filter 36559 (ECF)"); }
        catch (OutOfMemoryException ex)
        {
            // The HDF5 library sizes some arrays from the file's own fields; a damaged field can ask for more than any
            // array may hold. That is bad input, not a crash.
            Close();
            throw new EventFormatException(input.File, input.Entry, 0, "HDF5 structures of a size that can be allocated", ex.Message, ex);
        }
        catch (Exception ex)
        {
            Close();
            if (Ecf(ex)) throw Fail(EcfAdvice, "chunks compressed with filter 36559 (ECF)");
            throw new EventFormatException(input.File, input.Entry, 0, "a readable Metavision HDF5 file (/CD/events)", ex.Message, ex);
        }
    }

    /// <summary>True when the HDF5 file in <paramref name="stream"/> has Metavision's <c>/CD</c> group and not the project's <c>/events</c>.</summary>
    internal static bool Holds(Stream stream)
    {
        using var f = H5File.Open(stream, leaveOpen: true);
        return f.LinkExists("CD") && !f.LinkExists(Hdf5EventLayout.Group);
    }

    static string? StringAttribute(IH5Attribute attr)
    {
        try { return attr.Space.Rank == 0 ? attr.Read<string>() : attr.Read<string[]>().FirstOrDefault(); }
        catch (Exception ex) when (ex is not OutOfMemoryException) { return null; }
    }

    void Close()
    {
        _file?.Dispose();
        _stream.Dispose();
    }

    static bool Ecf(Exception? ex)
    {
        for (; ex != null; ex = ex.InnerException) if (ex is EcfChunkException) return true;
        return false;
    }

    EventFormatException Fail(string expected, string? found = null) => _input.Error(0, expected, found);

    void CheckCompound(IH5Dataset d, string name, int size, (string Name, int Offset, int Size)[] members)
    {
        string Found() => d.Type.Class != H5DataTypeClass.Compound ? d.Type.Class.ToString()
            : $"size {d.Type.Size}: " + string.Join(", ", d.Type.Compound.Members.Select(m => $"{m.Name}@{m.Offset}/{m.Type.Size}"));
        if (d.Type.Class != H5DataTypeClass.Compound || d.Type.Size != size)
            throw Fail($"a {size}-byte compound {name}", Found());
        foreach (var (mname, offset, msize) in members)
        {
            var m = d.Type.Compound.Members.FirstOrDefault(c => c.Name == mname);
            if (m is null || m.Offset != offset || m.Type.Size != msize || m.Type.Class != H5DataTypeClass.FixedPoint)
                throw Fail($"{name} member {mname} as a {msize}-byte integer at byte {offset}", Found());
        }
    }

    // Reading one element decodes the first chunk: a codec problem shows at open, not half-way through a file.
    static void Probe(NativeDataset d, string name)
    {
        _ = name;
        var one = new MetavisionCdEvent[1];
        d.Read<MetavisionCdEvent>(one.AsSpan(), new HyperslabSelection(0, 1));
    }

    (int W, int H, string From) SensorSize(EventReadOptions options)
    {
        int w = IntAttribute("width"), h = IntAttribute("height");
        if (w > 0 && h > 0) return (w, h, "file (width/height attributes)");
        if (_meta.TryGetValue("geometry", out string? g) && RawHeader.TryParseGeometry(g, out w, out h) && w <= ushort.MaxValue && h <= ushort.MaxValue)
            return (w, h, "file (geometry attribute)");
        if (options.SensorWidth > 0 && options.SensorHeight > 0) return (options.SensorWidth, options.SensorHeight, "caller");
        return (0, 0, "events (the file states no size: 1 + largest coordinate)");
    }

    int IntAttribute(string name)
    {
        if (!_file.AttributeExists(name)) return 0;
        var a = _file.Attribute(name);
        if (a.Type.Class is H5DataTypeClass.String or H5DataTypeClass.VariableLength)
            return int.TryParse(StringAttribute(a), NumberStyles.None, CultureInfo.InvariantCulture, out int v) && v <= ushort.MaxValue ? v : 0;
        if (a.Type.Class != H5DataTypeClass.FixedPoint) return 0;
        long n = a.Type.Size == 8 ? a.Read<long>() : a.Read<int>();
        return n is > 0 and <= ushort.MaxValue ? (int)n : 0;
    }

    void ReadTriggers()
    {
        if (!_file.LinkExists("EXT_TRIGGER") || !_file.Group("EXT_TRIGGER").LinkExists("events")) return;
        var d = (NativeDataset)_file.Group("EXT_TRIGGER").Dataset("events");
        CheckCompound(d, "/EXT_TRIGGER/events", 24, [("p", 0, 2), ("t", 8, 8), ("id", 16, 2)]);
        if (d.Space.Rank != 1) throw Fail("a one-dimensional /EXT_TRIGGER/events", $"rank {d.Space.Rank}");
        long n = (long)d.Space.Dimensions[0];
        if (n < 0 || n > _stream.Length * MaxExpansion / 24)
            throw Fail($"an /EXT_TRIGGER/events of at most {_stream.Length * MaxExpansion / 24} elements", $"{d.Space.Dimensions[0]} elements");
        long kept = Math.Min(n, Io.EventReaderBase.MaxTriggersKept);
        if (n > kept) _meta["triggers_dropped"] = (n - kept).ToString(CultureInfo.InvariantCulture);
        var buffer = new MetavisionTriggerEvent[Math.Min(kept, 65536)];
        for (long start = 0; start < kept; start += buffer.Length)
        {
            int m = (int)Math.Min(buffer.Length, kept - start);
            d.Read<MetavisionTriggerEvent>(buffer.AsSpan(0, m), new HyperslabSelection((ulong)start, (ulong)m));
            for (int i = 0; i < m; i++) _triggers.Add(new ExternalTrigger(buffer[i].T, buffer[i].Id, buffer[i].P));
        }
    }

    /// <inheritdoc />
    public string Format => "metavision-hdf5";
    /// <inheritdoc />
    public int Width { get; }
    /// <inheritdoc />
    public int Height { get; }
    /// <inheritdoc />
    public string? Source => _meta.TryGetValue("camera_integrator_name", out string? c) ? c : _meta.GetValueOrDefault("serial_number");
    /// <inheritdoc />
    public IReadOnlyDictionary<string, string> Metadata => _meta;
    /// <inheritdoc />
    public IReadOnlyList<string> Warnings { get; } = [];
    /// <inheritdoc />
    public IReadOnlyList<ExternalTrigger> Triggers => _triggers;

    /// <inheritdoc />
    public IEnumerable<EventBatch> ReadBatches(int batchSize = 65536)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        if (_enumerated) throw new InvalidOperationException("ReadBatches can be enumerated once per reader");
        _enumerated = true;
        return Batches(batchSize);
    }

    IEnumerable<EventBatch> Batches(int batchSize)
    {
        var buffer = new MetavisionCdEvent[(int)Math.Min(batchSize, Math.Max(_count, 1))];
        for (long start = 0; start < _count; start += buffer.Length)
        {
            int n = (int)Math.Min(buffer.Length, _count - start);
            var batch = new EventBatch(n, Width, Height);
            try { ReadSlice(buffer, start, n, batch); }
            catch (EventFormatException) { batch.Dispose(); throw; }
            catch (Exception ex)
            {
                batch.Dispose();
                if (Ecf(ex)) throw Fail(EcfAdvice, "chunks compressed with filter 36559 (ECF)");
                throw new EventFormatException(_input.File, _input.Entry, 0, $"readable /CD/events elements {start}..{start + n}", ex.Message, ex);
            }
            yield return batch;
        }
    }

    void ReadSlice(MetavisionCdEvent[] buffer, long start, int n, EventBatch batch)
    {
        _events.Read<MetavisionCdEvent>(buffer.AsSpan(0, n), new HyperslabSelection((ulong)start, (ulong)n));
        var t = batch.TArray; var x = batch.XArray; var y = batch.YArray; var p = batch.PArray;
        for (int i = 0; i < n; i++)
        {
            ref readonly var e = ref buffer[i];
            if ((ushort)e.P > 1) throw Fail($"polarity 0 or 1 in /CD/events (element {start + i})", $"p={e.P}");
            t[i] = e.T; x[i] = e.X; y[i] = e.Y; p[i] = (byte)e.P;
        }
        batch.Count = n;
    }

    /// <summary>Closes the file.</summary>
    public void Dispose()
    {
        _file.Dispose();
        _stream.Dispose();
        _input.Dispose();
    }
}
