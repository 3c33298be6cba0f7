namespace EventSnn.Ingest.Io;

/// <summary>
/// A forward-only buffered view of a stream for the binary readers: exposes the buffered bytes as a span so
/// decoders run over whole chunks, and keeps the absolute byte offset for error reports. Never allocates from a
/// size read out of a file: the buffer has a fixed size and large bodies are consumed chunk by chunk.
/// </summary>
internal sealed class ByteSource : IDisposable
{
    readonly Stream _stream;
    readonly EventInput _input;
    readonly bool _ownsStream;
    readonly byte[] _buffer;
    int _start;
    int _end;
    long _bufferBase; // absolute offset of _buffer[0]
    bool _eof;

    public ByteSource(EventInput input, bool ownsStream, int bufferSize = 1 << 20, long startOffset = 0)
    {
        _input = input;
        _stream = input.Stream;
        _ownsStream = ownsStream;
        _buffer = new byte[Math.Max(bufferSize, 64)];
        _bufferBase = startOffset;
    }

    /// <summary>Absolute offset of the next unread byte.</summary>
    public long Position => _bufferBase + _start;

    /// <summary>Bytes buffered and not yet consumed.</summary>
    public int Buffered => _end - _start;

    /// <summary>Largest amount <see cref="Fill"/> can guarantee.</summary>
    public int Capacity => _buffer.Length;

    /// <summary>The buffered, unconsumed bytes.</summary>
    public ReadOnlySpan<byte> Available => new(_buffer, _start, _end - _start);

    /// <summary>True when every byte of the stream has been consumed.</summary>
    public bool AtEnd => Buffered == 0 && Fill(1) == 0;

    /// <summary>Total stream length when the stream can tell, else null.</summary>
    public long? Length
    {
        get
        {
            try { return _stream.CanSeek ? _stream.Length : null; }
            catch (NotSupportedException) { return null; }
        }
    }

    /// <summary>Buffers at least <paramref name="min"/> bytes (at most <see cref="Capacity"/>) unless the stream ends first; returns the buffered count.</summary>
    public int Fill(int min)
    {
        if (min > _buffer.Length) min = _buffer.Length;
        if (_end - _start >= min || _eof) return _end - _start;
        if (_start > 0)
        {
            int n = _end - _start;
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, n);
            _bufferBase += _start;
            _start = 0;
            _end = n;
        }
        while (_end - _start < min)
        {
            int read;
            try { read = _stream.Read(_buffer, _end, _buffer.Length - _end); }
            catch (InvalidDataException ex)
            {
                // A corrupt compressed archive surfaces here; name where the readable bytes stopped.
                throw _input.Error(_bufferBase + _end, "readable (decompressible) archive data", ex.Message, ex);
            }
            if (read <= 0) { _eof = true; break; }
            _end += read;
        }
        return _end - _start;
    }

    /// <summary>Consumes <paramref name="count"/> buffered bytes.</summary>
    public void Advance(int count)
    {
        if ((uint)count > (uint)(_end - _start)) throw new ArgumentOutOfRangeException(nameof(count));
        _start += count;
    }

    /// <summary>Reads one byte, or -1 at the end.</summary>
    public int ReadByte()
    {
        if (_start == _end && Fill(1) == 0) return -1;
        return _buffer[_start++];
    }

    /// <summary>Copies exactly <paramref name="destination"/>.Length bytes; returns how many were available (less only at the end).</summary>
    public int Read(Span<byte> destination)
    {
        int done = 0;
        while (done < destination.Length)
        {
            if (Fill(1) == 0) break;
            int n = Math.Min(destination.Length - done, Buffered);
            Available[..n].CopyTo(destination[done..]);
            Advance(n);
            done += n;
        }
        return done;
    }

    /// <summary>Skips up to <paramref name="count"/> bytes; returns how many were skipped (less only at the end).</summary>
    public long Skip(long count)
    {
        long done = 0;
        int fromBuffer = (int)Math.Min(count, Buffered);
        Advance(fromBuffer);
        done += fromBuffer;
        if (done == count) return done;
        if (_stream.CanSeek)
        {
            long remaining = _stream.Length - _stream.Position;
            long step = Math.Min(count - done, Math.Max(remaining, 0));
            _stream.Seek(step, SeekOrigin.Current);
            _bufferBase += _end + step;
            _start = _end = 0;
            done += step;
            if (done < count) _eof = true;
            return done;
        }
        while (done < count)
        {
            if (Fill(1) == 0) break;
            int n = (int)Math.Min(count - done, Buffered);
            Advance(n);
            done += n;
        }
        return done;
    }

    /// <summary>The input this source reads, for error reports.</summary>
    public EventInput Input => _input;

    /// <summary>A format error at <paramref name="offset"/>.</summary>
    public EventFormatException Error(long offset, string expected, string? found = null) => _input.Error(offset, expected, found);

    public void Dispose()
    {
        if (_ownsStream) _input.Dispose();
    }
}
