using System.Buffers.Binary;
using System.Text;

namespace EventSnn.Ingest;

/// <summary>
/// Writes AEDAT 2.0 DVS128 files as jAER does ('#' header with the DVS128 chip line, then 8-byte big-endian records),
/// inverting the coordinate convention the events are in (<see cref="EventWriteOptions.Convention"/>, default libcaer).
/// </summary>
public static class Aedat2Writer
{
    /// <summary>Writes <paramref name="events"/> (x, y below 128, p 0/1, 0 ≤ t &lt; 2^32 µs) to <paramref name="stream"/>.</summary>
    /// <remarks><paramref name="header"/> false appends records only (streaming, batch after batch).</remarks>
    public static void Write(Stream stream, EventBatch events, EventWriteOptions? options = null, long creationTimeMs = 0, bool header = true)
    {
        var conv = Aedat2Convention.Parse((options ?? EventWriteOptions.Default).Convention);
        EventRangeCheck.Check("AEDAT 2.0 (DVS128)", events, 128, 128, 0, uint.MaxValue);
        string headerText = "#!AER-DAT2.0\r\n# This is a raw AE data file - do not edit\r\n"
            + "# Data format is int32 address, int32 timestamp (8 bytes total), repeated for each event\r\n"
            + "# Timestamps tick is 1 us\r\n"
            + $"# Creation time: System.currentTimeMillis() {creationTimeMs}\r\n"
            + "# AEChip: ch.unizh.ini.jaer.chip.retina.DVS128\r\n"
            + "#End Of ASCII Header\r\n";
        if (header) stream.Write(Encoding.ASCII.GetBytes(headerText));
        var t = events.T; var x = events.X; var y = events.Y; var p = events.P;
        var buffer = new byte[8 * 8192];
        int fill = 0;
        for (int i = 0; i < t.Length; i++)
        {
            uint u = (uint)(x[i] ^ conv.XorX), v = (uint)(y[i] ^ conv.XorY);
            uint rx = conv.Swap ? v : u, ry = conv.Swap ? u : v;
            uint b0 = (uint)(p[i] ^ conv.XorP) & 1;
            uint address = (ry << 8) | (rx << 1) | b0;
            BinaryPrimitives.WriteUInt32BigEndian(buffer.AsSpan(fill), address);
            BinaryPrimitives.WriteUInt32BigEndian(buffer.AsSpan(fill + 4), (uint)t[i]);
            fill += 8;
            if (fill == buffer.Length) { stream.Write(buffer, 0, fill); fill = 0; }
        }
        stream.Write(buffer, 0, fill);
    }
}
