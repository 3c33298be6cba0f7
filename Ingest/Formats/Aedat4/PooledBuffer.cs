using System.Buffers;

namespace EventSnn.Ingest;

/// <summary>A reusable pooled byte buffer that grows on demand up to a hard limit (decompressed packet bodies).</summary>
public sealed class PooledBuffer : IDisposable
{
    byte[] _array = [];

    /// <summary>The bytes written so far.</summary>
    public int Length { get; set; }

    /// <summary>The whole rented array.</summary>
    public byte[] Array => _array;

    /// <summary>The valid part.</summary>
    public ReadOnlySpan<byte> Span => _array.AsSpan(0, Length);

    /// <summary>Makes room for <paramref name="capacity"/> bytes, keeping the valid part.</summary>
    public void EnsureCapacity(int capacity)
    {
        if (capacity <= _array.Length) return;
        var fresh = ArrayPool<byte>.Shared.Rent(Math.Max(capacity, Math.Min(int.MaxValue / 2, _array.Length) * 2));
        _array.AsSpan(0, Length).CopyTo(fresh);
        if (_array.Length > 0) ArrayPool<byte>.Shared.Return(_array);
        _array = fresh;
    }

    /// <summary>Returns the array to the pool.</summary>
    public void Dispose()
    {
        if (_array.Length > 0) ArrayPool<byte>.Shared.Return(_array);
        _array = [];
        Length = 0;
    }
}
