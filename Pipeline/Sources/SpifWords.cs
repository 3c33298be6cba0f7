using System.Buffers.Binary;
using EventSnn.Ingest;

namespace EventSnn.Pipeline.Sources;

/// <summary>
/// AEStream's SPIF word format for polarity events over UDP (FORMATS.md §9): 32-bit little-endian words,
/// bit 31 = no-timestamp flag, bits 30..16 = x, bit 15 = polarity (1 = ON), bits 14..0 = y; an event
/// whose flag is 0 is followed by a uint32 timestamp word (µs). Datagrams carry at most 512 bytes.
/// </summary>
public static class SpifWords
{
    /// <summary>Set in an event word that has no timestamp word after it.</summary>
    public const uint NoTimestampFlag = 1u << 31;

    /// <summary>Largest datagram AEStream sends, bytes.</summary>
    public const int MaxDatagramBytes = 512;

    /// <summary>Largest x or y a word can carry (15 bits).</summary>
    public const int MaxCoordinate = 0x7FFF;

    /// <summary>Events per full datagram: 128 without timestamps, 64 with.</summary>
    public static int EventsPerDatagram(bool timestamps) => MaxDatagramBytes / (timestamps ? 8 : 4);

    /// <summary>
    /// Encodes events <paramref name="start"/>..start+count of <paramref name="events"/> into
    /// <paramref name="destination"/> and returns the bytes written. With timestamps, each event is followed
    /// by the low 32 bits of its timestamp (µs).
    /// </summary>
    public static int Encode(EventBatch events, int start, int count, bool timestamps, Span<byte> destination)
    {
        int stride = timestamps ? 8 : 4;
        if (destination.Length < count * stride) throw new ArgumentException("destination too small");
        ReadOnlySpan<long> t = events.T;
        ReadOnlySpan<ushort> x = events.X, y = events.Y;
        ReadOnlySpan<byte> p = events.P;
        int o = 0;
        for (int i = start; i < start + count; i++)
        {
            if (x[i] > MaxCoordinate || y[i] > MaxCoordinate) throw new ArgumentException($"event {i}: ({x[i]},{y[i]}) does not fit 15 bits");
            uint word = ((uint)x[i] << 16) | (p[i] != 0 ? 1u << 15 : 0u) | y[i];
            if (!timestamps) word |= NoTimestampFlag;
            BinaryPrimitives.WriteUInt32LittleEndian(destination[o..], word);
            o += 4;
            if (timestamps)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(destination[o..], unchecked((uint)t[i]));
                o += 4;
            }
        }
        return o;
    }

    /// <summary>
    /// Checks that a datagram parses: its length is a multiple of 4 and every event word without the
    /// no-timestamp flag is followed by a timestamp word. Returns the number of events, or -1 with the
    /// byte offset of the problem in <paramref name="errorOffset"/>.
    /// </summary>
    public static int Validate(ReadOnlySpan<byte> datagram, out int errorOffset)
    {
        errorOffset = 0;
        if ((datagram.Length & 3) != 0) { errorOffset = datagram.Length & ~3; return -1; }
        int events = 0;
        for (int o = 0; o < datagram.Length; o += 4)
        {
            uint word = BinaryPrimitives.ReadUInt32LittleEndian(datagram[o..]);
            events++;
            if ((word & NoTimestampFlag) == 0)
            {
                if (o + 4 >= datagram.Length) { errorOffset = o; return -1; }
                o += 4;
            }
        }
        return events;
    }

    /// <summary>
    /// Appends a validated datagram's events to <paramref name="into"/>. Events with a timestamp word get it
    /// unwrapped to 64 bits by <paramref name="clock"/>; events without get <paramref name="arrivalUs"/>
    /// (the receiver's clock).
    /// </summary>
    public static void Decode(ReadOnlySpan<byte> datagram, int events, ref SpifTimestampUnwrapper clock, long arrivalUs, EventBatch into)
    {
        into.EnsureCapacity(into.Count + events);
        long[] t = into.TArray;
        ushort[] xs = into.XArray, ys = into.YArray;
        byte[] ps = into.PArray;
        int n = into.Count;
        for (int o = 0; o < datagram.Length; o += 4, n++)
        {
            uint word = BinaryPrimitives.ReadUInt32LittleEndian(datagram[o..]);
            xs[n] = (ushort)((word >> 16) & MaxCoordinate);
            ys[n] = (ushort)(word & MaxCoordinate);
            ps[n] = (byte)((word >> 15) & 1);
            if ((word & NoTimestampFlag) == 0)
            {
                o += 4;
                t[n] = clock.Unwrap(BinaryPrimitives.ReadUInt32LittleEndian(datagram[o..]));
            }
            else t[n] = arrivalUs;
        }
        into.Count = n;
    }
}

/// <summary>
/// Extends SPIF's 32-bit µs timestamps (which wrap every ~71.6 minutes) to 64 bits: each word is placed in
/// the 2^32 µs period that puts it closest to the latest timestamp seen, so wraps carry forward and a
/// datagram reordered by UDP stays a small step backwards.
/// </summary>
public struct SpifTimestampUnwrapper
{
    long _latest;
    bool _started;

    /// <summary>The 64-bit timestamp (µs) of a 32-bit one.</summary>
    public long Unwrap(uint low)
    {
        if (!_started)
        {
            _started = true;
            _latest = low;
            return low;
        }
        const long period = 1L << 32;
        long candidate = (_latest & ~(period - 1)) | low;
        if (candidate - _latest > period / 2) candidate -= period;
        else if (_latest - candidate > period / 2) candidate += period;
        if (candidate > _latest) _latest = candidate;
        return candidate;
    }
}
