using System.Text;

namespace EventSnn.Ingest;

/// <summary>
/// Writes AEDAT 3.1 files as libcaer does for a DVS128: "#!AER-DAT3.1" header, then polarity packets
/// (eventSource 1, 8-byte events, valid bit set). A new packet starts when the timestamp overflow (t &gt;&gt; 31) changes
/// or the packet holds <see cref="EventWriteOptions.EventsPerPacket"/> events.
/// </summary>
public static class Aedat31Writer
{
    /// <summary>
    /// The source name to write: <paramref name="name"/> as given when it names a camera of this sensor size (AEDAT 3.1 has
    /// no size field; readers infer it from the camera name), else the name with a <c>[WxH]</c> tag that
    /// <see cref="Aedat31Reader.SensorSize"/> reads back.
    /// </summary>
    public static string SourceName(string name, int width, int height)
    {
        if (width <= 0 || height <= 0 || Aedat31Reader.SensorSize(name) == (width, height)) return name;
        string bare = System.Text.RegularExpressions.Regex.Replace(name, @"\s*\[\d{1,5}x\d{1,5}\]", "");
        return $"{bare} [{width}x{height}]";
    }

    /// <summary>Writes <paramref name="events"/> (µs timestamps ≥ 0, x and y below 32768, p 0/1) to <paramref name="stream"/>.</summary>
    /// <remarks><paramref name="header"/> false appends packets only (streaming, batch after batch).</remarks>
    public static void Write(Stream stream, EventBatch events, EventWriteOptions? options = null, DateTimeOffset? startTime = null, bool header = true)
    {
        options ??= EventWriteOptions.Default;
        EventRangeCheck.Check("AEDAT 3.1", events, 32768, 32768, 0, ((long)int.MaxValue << 31) | int.MaxValue);
        string source = SourceName(options.Source ?? (events.Width == 128 && events.Height == 128 ? "DVS128" : "EventSnn"), events.Width, events.Height);
        // The start of the recording in wall-clock time is written only when known: an invented date would be read as fact.
        string startLine = startTime is { } start ? $"#Start-Time: {start.UtcDateTime:yyyy-MM-dd HH:mm:ss} (TZ+0000)\r\n" : "";
        string headerText = "#!AER-DAT3.1\r\n#Format: RAW\r\n" + $"#Source 1: {source}\r\n" + startLine + "#!END-HEADER\r\n";
        if (header) stream.Write(Encoding.ASCII.GetBytes(headerText));

        int perPacket = Math.Max(1, options.EventsPerPacket);
        var buffer = new byte[Aedat31Decoder.PacketHeaderSize + perPacket * 8];
        var t = events.T; var x = events.X; var y = events.Y; var p = events.P;
        int i = 0;
        while (i < t.Length)
        {
            int overflow = (int)(t[i] >> 31);
            int n = 0;
            Span<byte> body = buffer.AsSpan(Aedat31Decoder.PacketHeaderSize);
            while (i < t.Length && n < perPacket && (int)(t[i] >> 31) == overflow)
            {
                uint data = 1u | ((uint)p[i] << 1) | ((uint)y[i] << 2) | ((uint)x[i] << 17);
                System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(body[(n * 8)..], data);
                System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(body[(n * 8 + 4)..], (int)(t[i] & 0x7FFFFFFF));
                n++; i++;
            }
            new Aedat31PacketHeader(Aedat31Decoder.PolarityEventType, 1, 8, 4, overflow, n, n, n).WriteTo(buffer);
            stream.Write(buffer, 0, Aedat31Decoder.PacketHeaderSize + n * 8);
        }
    }
}
