using System.Buffers;

namespace EventSnn.Ingest;

/// <summary>
/// A columnar batch of DVS events: timestamps in microseconds, pixel coordinates (origin top-left, x right,
/// y down) and polarity (1 = ON/brighter, 0 = OFF), plus the sensor size in pixels. Columns come from
/// <see cref="ArrayPool{T}.Shared"/> and are returned on <see cref="Dispose"/>; only the first
/// <see cref="Count"/> entries of each column are valid.
/// </summary>
public sealed class EventBatch : IDisposable
{
    long[] _t;
    ushort[] _x;
    ushort[] _y;
    byte[] _p;
    // True once the columns come from the pools: from the start, or after Grow replaced wrapped arrays.
    bool _pooled;

    /// <summary>Creates an empty batch with room for <paramref name="capacity"/> events, from the shared pools.</summary>
    public EventBatch(int capacity, int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        capacity = Math.Max(capacity, 1);
        _t = ArrayPool<long>.Shared.Rent(capacity);
        _x = ArrayPool<ushort>.Shared.Rent(capacity);
        _y = ArrayPool<ushort>.Shared.Rent(capacity);
        _p = ArrayPool<byte>.Shared.Rent(capacity);
        _pooled = true;
        Width = width;
        Height = height;
    }

    /// <summary>Wraps existing arrays (not pooled); all must have at least <paramref name="count"/> entries.</summary>
    public EventBatch(long[] t, ushort[] x, ushort[] y, byte[] p, int count, int width, int height)
    {
        if (t.Length < count || x.Length < count || y.Length < count || p.Length < count)
            throw new ArgumentException("every column must hold at least count entries");
        _t = t; _x = x; _y = y; _p = p;
        Count = count;
        Width = width;
        Height = height;
    }

    /// <summary>Number of valid events.</summary>
    public int Count { get; set; }

    /// <summary>Sensor width in pixels.</summary>
    public int Width { get; set; }

    /// <summary>Sensor height in pixels.</summary>
    public int Height { get; set; }

    /// <summary>Room in the columns before they must grow.</summary>
    public int Capacity => Math.Min(Math.Min(_t.Length, _x.Length), Math.Min(_y.Length, _p.Length));

    /// <summary>Timestamps in µs (valid part).</summary>
    public Span<long> T => _t.AsSpan(0, Count);
    /// <summary>x in pixels (valid part).</summary>
    public Span<ushort> X => _x.AsSpan(0, Count);
    /// <summary>y in pixels (valid part).</summary>
    public Span<ushort> Y => _y.AsSpan(0, Count);
    /// <summary>Polarity, 1 = ON, 0 = OFF (valid part).</summary>
    public Span<byte> P => _p.AsSpan(0, Count);

    /// <summary>The whole timestamp column, for writers that fill past <see cref="Count"/>.</summary>
    public long[] TArray => _t;
    /// <summary>The whole x column.</summary>
    public ushort[] XArray => _x;
    /// <summary>The whole y column.</summary>
    public ushort[] YArray => _y;
    /// <summary>The whole polarity column.</summary>
    public byte[] PArray => _p;

    /// <summary>Appends one event, growing the columns if needed.</summary>
    public void Add(long t, ushort x, ushort y, byte p)
    {
        if (Count == Capacity) EnsureCapacity(Count + 1);
        int i = Count++;
        _t[i] = t; _x[i] = x; _y[i] = y; _p[i] = p;
    }

    /// <summary>Makes room for at least <paramref name="capacity"/> events, keeping the valid part.</summary>
    public void EnsureCapacity(int capacity)
    {
        if (capacity <= Capacity) return;
        int size = Math.Max(capacity, Math.Max(16, Capacity * 2));
        _t = Grow(_t, size);
        _x = Grow(_x, size);
        _y = Grow(_y, size);
        _p = Grow(_p, size);
        // The columns are rented now, so Dispose must return them even if the batch began as wrapped arrays.
        _pooled = true;
    }

    T2[] Grow<T2>(T2[] old, int size)
    {
        T2[] fresh = ArrayPool<T2>.Shared.Rent(size);
        Array.Copy(old, fresh, Count);
        if (_pooled) ArrayPool<T2>.Shared.Return(old);
        return fresh;
    }

    /// <summary>Appends the valid events of <paramref name="other"/>, growing the columns if needed.</summary>
    public void Append(EventBatch other) => Append(other.T, other.X, other.Y, other.P);

    /// <summary>Appends events given as equal-length columns (t in µs, x, y in pixels, p 1 = ON).</summary>
    public void Append(ReadOnlySpan<long> t, ReadOnlySpan<ushort> x, ReadOnlySpan<ushort> y, ReadOnlySpan<byte> p)
    {
        int n = t.Length;
        if (x.Length != n || y.Length != n || p.Length != n) throw new ArgumentException("columns must have equal lengths");
        EnsureCapacity(checked(Count + n));
        t.CopyTo(_t.AsSpan(Count));
        x.CopyTo(_x.AsSpan(Count));
        y.CopyTo(_y.AsSpan(Count));
        p.CopyTo(_p.AsSpan(Count));
        Count += n;
    }

    /// <summary>A new pooled batch holding a copy of events [<paramref name="start"/>, <paramref name="start"/> + <paramref name="length"/>).</summary>
    public EventBatch Slice(int start, int length)
    {
        if ((uint)start > (uint)Count || (uint)length > (uint)(Count - start)) throw new ArgumentOutOfRangeException(nameof(start));
        var b = new EventBatch(length, Width, Height);
        b.Append(T.Slice(start, length), X.Slice(start, length), Y.Slice(start, length), P.Slice(start, length));
        return b;
    }

    /// <summary>Event <paramref name="i"/> as a tuple (t µs, x, y, p).</summary>
    public (long T, ushort X, ushort Y, byte P) this[int i]
    {
        get
        {
            if ((uint)i >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(i));
            return (_t[i], _x[i], _y[i], _p[i]);
        }
    }

    /// <summary>Returns pooled columns. The batch must not be used afterwards.</summary>
    public void Dispose()
    {
        if (!_pooled || _t.Length == 0) return;
        ArrayPool<long>.Shared.Return(_t);
        ArrayPool<ushort>.Shared.Return(_x);
        ArrayPool<ushort>.Shared.Return(_y);
        ArrayPool<byte>.Shared.Return(_p);
        _t = Array.Empty<long>(); _x = Array.Empty<ushort>(); _y = Array.Empty<ushort>(); _p = Array.Empty<byte>();
        Count = 0;
    }
}
