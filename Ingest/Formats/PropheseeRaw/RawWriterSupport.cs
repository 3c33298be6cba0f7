namespace EventSnn.Ingest;

/// <summary>What the EVT 2.0 and EVT 3.0 writers share: input checks, the trigger merge and a little word buffer.</summary>
internal static class RawWriterSupport
{
    /// <summary>Largest timestamp the .raw writers accept, in µs (2^40 ≈ 12.7 days; bounds the loop words they emit).</summary>
    public const long MaxTimestampUs = (1L << 40) - 1;

    /// <summary>Checks coordinates, polarity, 0 ≤ t ≤ <see cref="MaxTimestampUs"/> and non-decreasing time.</summary>
    public static void Check(string format, EventBatch events, IReadOnlyList<ExternalTrigger>? triggers, int maxTriggerId)
    {
        EventRangeCheck.Check(format, events, 2048, 2048, 0, MaxTimestampUs);
        var t = events.T;
        for (int i = 1; i < t.Length; i++)
            if (t[i] < t[i - 1]) throw EventRangeCheck.Refuse(format, i, events, "timestamps must not decrease (the format's time base only moves forward)");
        if (triggers is null) return;
        for (int i = 0; i < triggers.Count; i++)
        {
            var g = triggers[i];
            if (g.TimeUs < 0 || g.TimeUs > MaxTimestampUs || g.Id < 0 || g.Id > maxTriggerId || g.Value is not (0 or 1)
                || (i > 0 && g.TimeUs < triggers[i - 1].TimeUs))
                throw new ArgumentException($"{format} cannot hold trigger {i} (t={g.TimeUs} µs, id={g.Id}, value={g.Value}): " +
                    $"needs 0 ≤ t ≤ {MaxTimestampUs} µs in non-decreasing order, id 0..{maxTriggerId}, value 0 or 1");
        }
    }

    /// <summary>Sensor size for the header: the batch's, or 1 + the largest coordinate when it has none.</summary>
    public static (int W, int H) Geometry(EventBatch events)
    {
        if (events.Width > 0 && events.Height > 0) return (events.Width, events.Height);
        int mx = 0, my = 0;
        foreach (ushort v in events.X) mx = Math.Max(mx, v);
        foreach (ushort v in events.Y) my = Math.Max(my, v);
        return (mx + 1, my + 1);
    }
}

/// <summary>A buffered little-endian word sink over a stream.</summary>
internal sealed class WordSink
{
    readonly Stream _stream;
    readonly byte[] _buffer = new byte[1 << 16];
    int _fill;

    public WordSink(Stream stream) => _stream = stream;

    public void Put16(ushort w)
    {
        if (_fill + 2 > _buffer.Length) Flush();
        _buffer[_fill] = (byte)w; _buffer[_fill + 1] = (byte)(w >> 8);
        _fill += 2;
    }

    public void Put32(uint w)
    {
        if (_fill + 4 > _buffer.Length) Flush();
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(_buffer.AsSpan(_fill), w);
        _fill += 4;
    }

    public void Flush()
    {
        _stream.Write(_buffer, 0, _fill);
        _fill = 0;
    }
}
