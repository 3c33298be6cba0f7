using System.Buffers.Binary;
using System.Globalization;
using EventSnn.Ingest;
using NATS.Client.Core;

namespace EventSnn.Pipeline.Nats;

/// <summary>
/// One event packet as stored on <c>eventsnn.events.&lt;partition&gt;.&lt;stream-id&gt;</c>: the AEDAT 4 packet
/// encoding of the TCP path (int32 stream id, int32 body size, LZ4-compressed event body) with headers for the
/// publisher's sequence number, first/last event time (µs), event count, sensor size and publisher session.
/// A packet without events and with <see cref="NatsSubjects.EndHeader"/> says that the stream ended.
/// </summary>
public sealed record NatsPacketInfo
{
    /// <summary>Stream id (the subject's last token).</summary>
    public required string Stream { get; init; }
    /// <summary>The publisher's packet sequence number within the stream, from 0.</summary>
    public required long Sequence { get; init; }
    /// <summary>First event time, µs (0 for an end packet).</summary>
    public required long FirstUs { get; init; }
    /// <summary>Last event time, µs (0 for an end packet).</summary>
    public required long LastUs { get; init; }
    /// <summary>Events in the packet.</summary>
    public required int Events { get; init; }
    /// <summary>Sensor width in pixels.</summary>
    public required int Width { get; init; }
    /// <summary>Sensor height in pixels.</summary>
    public required int Height { get; init; }
    /// <summary>The publisher run that produced the packet.</summary>
    public required string Session { get; init; }
    /// <summary>Whether this packet marks the end of the stream.</summary>
    public bool End { get; init; }
}

/// <summary>Encodes and decodes <see cref="NatsPacketInfo"/> packets.</summary>
public static class NatsPacket
{
    /// <summary>Most events one packet may declare (checked before decoding).</summary>
    public const int MaxEvents = 1 << 20;

    /// <summary>The packet bytes (AEDAT 4, LZ4) for events [start, start + count) of <paramref name="events"/>.</summary>
    public static byte[] Encode(EventBatch events, int start, int count) =>
        Aedat4Writer.EncodePacket(0, events, start, count, Aedat4Compression.Lz4);

    /// <summary>The headers of a packet.</summary>
    public static NatsHeaders Headers(NatsPacketInfo p, string msgId)
    {
        var h = new NatsHeaders
        {
            [NatsSubjects.MsgIdHeader] = msgId,
            [NatsSubjects.SequenceHeader] = p.Sequence.ToString(CultureInfo.InvariantCulture),
            [NatsSubjects.FirstEventHeader] = p.FirstUs.ToString(CultureInfo.InvariantCulture),
            [NatsSubjects.LastEventHeader] = p.LastUs.ToString(CultureInfo.InvariantCulture),
            [NatsSubjects.EventCountHeader] = p.Events.ToString(CultureInfo.InvariantCulture),
            [NatsSubjects.SensorHeader] = FormattableString.Invariant($"{p.Width}x{p.Height}"),
            [NatsSubjects.SessionHeader] = p.Session,
        };
        if (p.End) h[NatsSubjects.EndHeader] = "end";
        return h;
    }

    /// <summary>
    /// Reads a packet's headers and events. <paramref name="into"/> receives the events (cleared first).
    /// </summary>
    /// <exception cref="InvalidDataException">A header is missing or out of range, the body does not decode, or it
    /// disagrees with the headers (message names the subject and what is wrong).</exception>
    public static NatsPacketInfo Decode(string subject, NatsHeaders? headers, ReadOnlySpan<byte> data, EventBatch into)
    {
        string where = $"NATS message on {subject}";
        string[] tokens = subject.Split('.');
        if (tokens.Length != 4 || tokens[0] != "eventsnn" || tokens[1] != "events")
            throw new InvalidDataException($"{where}: subject is not eventsnn.events.<partition>.<stream-id>");
        string stream = tokens[3];
        if (headers is null) throw new InvalidDataException($"{where}: no headers");
        long seq = Long(headers, NatsSubjects.SequenceHeader, where, 0, long.MaxValue);
        long first = Long(headers, NatsSubjects.FirstEventHeader, where, long.MinValue, long.MaxValue);
        long last = Long(headers, NatsSubjects.LastEventHeader, where, long.MinValue, long.MaxValue);
        int events = (int)Long(headers, NatsSubjects.EventCountHeader, where, 0, MaxEvents);
        string sensor = Text(headers, NatsSubjects.SensorHeader, where);
        var parts = sensor.Split('x');
        if (parts.Length != 2 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int w) || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int h)
            || w is < 1 or > 65536 || h is < 1 or > 65536)
            throw new InvalidDataException($"{where}: header {NatsSubjects.SensorHeader} '{sensor}' is not WxH (1..65536)");
        string session = Text(headers, NatsSubjects.SessionHeader, where);
        bool end = headers.TryGetValue(NatsSubjects.EndHeader, out var e) && e.ToString() == "end";
        into.Count = 0;
        into.Width = w;
        into.Height = h;
        if (events == 0)
        {
            if (data.Length != 0) throw new InvalidDataException($"{where}: {data.Length} bytes of body for 0 events");
        }
        else
        {
            if (data.Length < 8) throw new InvalidDataException($"{where}: byte offset 0: {data.Length} bytes, shorter than an AEDAT 4 packet header (8)");
            int size = BinaryPrimitives.ReadInt32LittleEndian(data[4..]);
            if (size != data.Length - 8) throw new InvalidDataException($"{where}: byte offset 4: packet body size {size}, but {data.Length - 8} bytes follow");
            int got;
            try { got = Aedat4Packet.DecodeEvents(data[8..], Aedat4Compression.Lz4, into, where); }
            catch (EventFormatException ex) { throw new InvalidDataException($"{where}: {ex.Message}", ex); }
            if (got != events) throw new InvalidDataException($"{where}: body holds {got} events, header {NatsSubjects.EventCountHeader} says {events}");
            var t = into.T;
            if (t[0] != first || t[^1] != last) throw new InvalidDataException($"{where}: events span {t[0]}..{t[^1]} µs, headers say {first}..{last}");
            for (int i = 1; i < t.Length; i++)
                if (t[i] < t[i - 1]) throw new InvalidDataException($"{where}: event {i} at {t[i]} µs is older than the one before ({t[i - 1]} µs)");
        }
        return new NatsPacketInfo { Stream = stream, Sequence = seq, FirstUs = first, LastUs = last, Events = events, Width = w, Height = h, Session = session, End = end };
    }

    static string Text(NatsHeaders headers, string name, string where) =>
        headers.TryGetValue(name, out var v) && v.Count > 0 && !string.IsNullOrEmpty(v[0]) ? v[0]! : throw new InvalidDataException($"{where}: header {name} missing");

    static long Long(NatsHeaders headers, string name, string where, long min, long max)
    {
        string text = Text(headers, name, where);
        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long v) || v < min || v > max)
            throw new InvalidDataException($"{where}: header {name} '{(text.Length > 32 ? text[..32] + "…" : text)}' is not an integer in {min}..{max}");
        return v;
    }
}
