using System.Text;

namespace EventSnn.Ingest;

/// <summary>
/// Writes DAT files as Metavision's <c>DatWriter</c> does: "% Data file containing Event2D events.", "% Version 2",
/// "% Height", "% Width" lines, type byte 0 and size byte 8, then one 8-byte CD record per event. Refuses x or y ≥
/// 16384 and timestamps outside 0 … 2^32 − 1 µs.
/// </summary>
public static class DatWriter
{
    /// <summary>Largest timestamp a record holds, in µs.</summary>
    public const long MaxTimestampUs = uint.MaxValue;

    /// <summary>Writes <paramref name="events"/> to <paramref name="stream"/>; <paramref name="writeSize"/> = false leaves the size lines out (as N-CARS files).</summary>
    public static void Write(Stream stream, EventBatch events, bool writeSize = true)
    {
        EventRangeCheck.Check("DAT", events, 16384, 16384, 0, MaxTimestampUs);
        var sb = new StringBuilder("% Data file containing Event2D events.\n% Version 2\n");
        if (writeSize && events.Width > 0 && events.Height > 0)
            sb.Append("% Height ").Append(events.Height).Append("\n% Width ").Append(events.Width).Append('\n');
        stream.Write(Encoding.ASCII.GetBytes(sb.ToString()));
        stream.Write([0, (byte)DatDecoder.RecordSize]);
        var t = events.T; var x = events.X; var y = events.Y; var p = events.P;
        var buffer = new byte[8 * 8192];
        int fill = 0;
        for (int i = 0; i < t.Length; i++)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(buffer.AsSpan(fill), (uint)t[i]);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(buffer.AsSpan(fill + 4), x[i] | ((uint)y[i] << 14) | ((uint)p[i] << 28));
            fill += 8;
            if (fill == buffer.Length) { stream.Write(buffer, 0, fill); fill = 0; }
        }
        stream.Write(buffer, 0, fill);
    }
}
