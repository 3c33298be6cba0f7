using System.Globalization;
using PureHDF;
using PureHDF.VOL.Native;
using PureHDF.Selections;

namespace EventSnn.Ingest;

/// <summary>
/// Reads events in the layout of <see cref="Hdf5EventLayout"/>, one hyperslab per batch (bounded memory). Any failure of
/// the HDF5 library on a damaged file is reported as an <see cref="EventFormatException"/> (offset 0: the library does
/// not say where).
/// </summary>
public sealed class Hdf5EventReader : IEventReader
{
    readonly EventInput _input;
    readonly Stream _stream;
    readonly NativeFile _file;
    readonly IH5Dataset _t, _x, _y, _p;
    readonly long _count;
    readonly Dictionary<string, string> _meta = new();
    bool _enumerated;

    internal Hdf5EventReader(EventInput input, Stream stream)
    {
        _input = input;
        _stream = stream;
        try
        {
            // The library follows soft links without a depth limit: resolve the paths it will look up first.
            Hdf5LinkWalk.Check(stream, input, [Hdf5EventLayout.Group, .. new[] { "t", "x", "y", "p" }.Select(c => Hdf5EventLayout.Group + "/" + c)]);
            _file = H5File.Open(stream, leaveOpen: true);
            if (!_file.LinkExists(Hdf5EventLayout.Group)) throw Fail("a group /events (datasets t, x, y, p)");
            var g = _file.Group(Hdf5EventLayout.Group);
            _t = Column(g, "t"); _x = Column(g, "x"); _y = Column(g, "y"); _p = Column(g, "p");
            ulong declared = _t.Space.Dimensions[0];
            foreach (var d in new[] { _x, _y, _p })
                if (d.Space.Dimensions[0] != declared) throw Fail("datasets t, x, y, p of equal length");
            // The count comes from the file: the columns it declares must fit in what deflate could have packed into it.
            ulong columnBytes = declared * (ulong)(_t.Type.Size + _x.Type.Size + _y.Type.Size + _p.Type.Size);
            if (declared > MaxEvents || columnBytes / MaxCompressionRatio > (ulong)stream.Length)
                throw Fail($"at most {MaxCompressionRatio} x the file's {stream.Length} bytes of event columns (and at most {MaxEvents} events)",
                    $"{declared} events declared");
            _count = (long)declared;
            Width = IntAttribute(g, "width");
            Height = IntAttribute(g, "height");
            if (g.AttributeExists("source")) Source = g.Attribute("source").Read<string>();
            _meta["events"] = _count.ToString(CultureInfo.InvariantCulture);
        }
        catch (EventFormatException) { stream.Dispose(); throw; }
        catch (Exception ex) when (ex is not OutOfMemoryException || ex.Message.Contains("Array dimensions", StringComparison.Ordinal))
        {
            // (the library allocates from sizes in the file: "Array dimensions exceeded" is a size it trusted, found by fuzzing)
            stream.Dispose();
            throw new EventFormatException(input.File, input.Entry, 0, "a readable HDF5 file in the /events layout", ex.Message, ex);
        }
    }

    /// <summary>Most events one file may declare (2^40).</summary>
    public const ulong MaxEvents = 1UL << 40;

    /// <summary>Largest ratio of declared column bytes to file bytes accepted (deflate's own limit is about 1032:1).</summary>
    public const ulong MaxCompressionRatio = 1032;

    /// <summary>
    /// Opens an HDF5 input. One that cannot seek (an archive entry, a pipe) is first copied to a temporary file, deleted when
    /// the reader closes: the library needs random access, and memory is not the place for a file of any size.
    /// </summary>
    public static Hdf5EventReader Open(EventInput input, EventReadOptions? options = null) => new(input, Seekable(input));

    /// <summary>The input's stream when it can seek, else a temporary copy of it on disk (deleted when closed).</summary>
    internal static Stream Seekable(EventInput input)
    {
        Stream s = input.Stream;
        if (!s.CanSeek)
        {
            string tmp = Path.Combine(Path.GetTempPath(), $"eventsnn-h5-{Environment.ProcessId}-{Guid.NewGuid():N}.h5");
            var spill = new FileStream(tmp, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose);
            try
            {
                s.CopyTo(spill, 1 << 20);
                spill.Position = 0;
            }
            catch { spill.Dispose(); throw; }
            input.Stream.Dispose();
            s = spill;
        }
        return s;
    }

    EventFormatException Fail(string expected, string? found = null) => _input.Error(0, expected, found);

    IH5Dataset Column(IH5Group g, string name)
    {
        if (!g.LinkExists(name)) throw Fail($"a dataset /events/{name}");
        var d = g.Dataset(name);
        if (d.Space.Rank != 1) throw Fail($"a one-dimensional /events/{name}", $"rank {d.Space.Rank}");
        if (d.Type.Class != H5DataTypeClass.FixedPoint || d.Type.Size is not (1 or 2 or 4 or 8))
            throw Fail($"an integer /events/{name}", d.Type.Class.ToString());
        return d;
    }

    static int IntAttribute(IH5Group g, string name)
    {
        if (!g.AttributeExists(name)) return 0;
        var a = g.Attribute(name);
        return a.Type.Size switch
        {
            8 => (int)Math.Clamp(a.Read<long>(), 0, int.MaxValue),
            _ => Math.Max(0, a.Read<int>()),
        };
    }

    /// <inheritdoc />
    public string Format => "hdf5";
    /// <inheritdoc />
    public int Width { get; }
    /// <inheritdoc />
    public int Height { get; }
    /// <inheritdoc />
    public string? Source { get; }
    /// <inheritdoc />
    public IReadOnlyDictionary<string, string> Metadata => _meta;
    /// <inheritdoc />
    public IReadOnlyList<string> Warnings { get; } = [];

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
        for (long start = 0; start < _count; start += batchSize)
        {
            int n = (int)Math.Min(batchSize, _count - start);
            var batch = new EventBatch(n, Width, Height);
            try { ReadSlice(start, n, batch); }
            catch (Exception ex) when (ex is not EventFormatException && (ex is not OutOfMemoryException || ex.Message.Contains("Array dimensions", StringComparison.Ordinal)))
            {
                batch.Dispose();
                throw new EventFormatException(_input.File, _input.Entry, 0, $"readable /events columns at elements {start}..{start + n}", ex.Message, ex);
            }
            catch { batch.Dispose(); throw; }
            yield return batch;
        }
    }

    void ReadSlice(long start, int n, EventBatch batch)
    {
        var sel = new HyperslabSelection((ulong)start, (ulong)n);
        var t = batch.TArray; var x = batch.XArray; var y = batch.YArray; var p = batch.PArray;
        long[] tt = ReadInts(_t, sel, n);
        long[] xx = ReadInts(_x, sel, n), yy = ReadInts(_y, sel, n), pp = ReadInts(_p, sel, n);
        for (int i = 0; i < n; i++)
        {
            if ((ulong)xx[i] > ushort.MaxValue || (ulong)yy[i] > ushort.MaxValue || (ulong)pp[i] > 1)
                throw Fail($"x, y within 0..65535 and p 0/1 (event {start + i})", $"x={xx[i]}, y={yy[i]}, p={pp[i]}");
            t[i] = tt[i]; x[i] = (ushort)xx[i]; y[i] = (ushort)yy[i]; p[i] = (byte)pp[i];
        }
        batch.Count = n;
    }

    static long[] ReadInts(IH5Dataset d, Selection sel, int n)
    {
        bool signed = d.Type.FixedPoint.IsSigned;
        long[] r = new long[n];
        switch (d.Type.Size)
        {
            case 8: { var a = signed ? d.Read<long[]>(sel) : Array.ConvertAll(d.Read<ulong[]>(sel), v => (long)v); a.AsSpan(0, n).CopyTo(r); break; }
            case 4: { if (signed) { var a = d.Read<int[]>(sel); for (int i = 0; i < n; i++) r[i] = a[i]; } else { var a = d.Read<uint[]>(sel); for (int i = 0; i < n; i++) r[i] = a[i]; } break; }
            case 2: { if (signed) { var a = d.Read<short[]>(sel); for (int i = 0; i < n; i++) r[i] = a[i]; } else { var a = d.Read<ushort[]>(sel); for (int i = 0; i < n; i++) r[i] = a[i]; } break; }
            default: { if (signed) { var a = d.Read<sbyte[]>(sel); for (int i = 0; i < n; i++) r[i] = a[i]; } else { var a = d.Read<byte[]>(sel); for (int i = 0; i < n; i++) r[i] = a[i]; } break; }
        }
        return r;
    }

    /// <summary>Closes the file.</summary>
    public void Dispose()
    {
        _file.Dispose();
        _stream.Dispose();
        _input.Dispose();
    }
}
