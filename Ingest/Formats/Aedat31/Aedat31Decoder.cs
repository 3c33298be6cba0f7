using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace EventSnn.Ingest;

/// <summary>
/// Decodes AEDAT 3.1 polarity events (8 bytes, little-endian: uint32 data, int32 timestamp). data bit 0 = valid,
/// bit 1 = polarity (1 = ON), bits 2–16 = y, bits 17–31 = x; t = (eventTSOverflow &lt;&lt; 31) | (timestamp &amp; 0x7FFFFFFF) µs.
/// </summary>
public static class Aedat31Decoder
{
    /// <summary>Bytes per polarity event.</summary>
    public const int PolarityEventSize = 8;

    /// <summary>Bytes per packet header.</summary>
    public const int PacketHeaderSize = 28;

    /// <summary>Event type of polarity packets.</summary>
    public const short PolarityEventType = 1;

    /// <summary>
    /// Appends the events of the whole 8-byte polarity events in <paramref name="events"/> to <paramref name="into"/>;
    /// events with a clear valid bit are skipped unless <paramref name="keepInvalid"/>. Returns events consumed.
    /// </summary>
    public static unsafe int DecodePolarity(ReadOnlySpan<byte> events, int tsOverflow, bool keepInvalid, EventBatch into)
    {
        int n = events.Length / PolarityEventSize;
        into.EnsureCapacity(into.Count + n);
        int k = into.Count;
        long high = (long)tsOverflow << 31;
        // Valid events are kept when (data | keepMask) has bit 0 set; the store is unconditional and the index advances
        // by that bit, so the loop has no data-dependent branch.
        uint keepMask = keepInvalid ? 1u : 0u;
        fixed (byte* src = events)
        fixed (long* t = into.TArray)
        fixed (ushort* x = into.XArray, y = into.YArray)
        fixed (byte* p = into.PArray)
        {
            ulong* r = (ulong*)src;
            for (int i = 0; i < n; i++)
            {
                ulong w = Unsafe.ReadUnaligned<ulong>(r + i);
                if (!BitConverter.IsLittleEndian) w = BinaryPrimitives.ReverseEndianness(w);
                uint d = (uint)w;
                t[k] = high | (long)((w >> 32) & 0x7FFFFFFF);
                x[k] = (ushort)(d >> 17);
                y[k] = (ushort)((d >> 2) & 0x7FFF);
                p[k] = (byte)((d >> 1) & 1);
                k += (int)((d | keepMask) & 1);
            }
        }
        into.Count = k;
        return n;
    }
}
