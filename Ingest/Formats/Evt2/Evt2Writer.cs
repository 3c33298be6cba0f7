namespace EventSnn.Ingest;

/// <summary>
/// Writes Prophesee EVT 2.0 <c>.raw</c> files that <see cref="Evt2Reader"/> (and OpenEB) read back exactly: a header
/// with format and geometry lines, a TIME_HIGH word first, one CD word per event, TIME_HIGH words whenever time bits
/// 33..6 change (and a maximum/zero pair at each 2^34 µs loop so the reader's loop rule counts it), EXT_TRIGGER words
/// for <see cref="EventWriteOptions.Triggers"/>. Refuses x or y ≥ 2048, timestamps outside 0 … 2^40 − 1 µs or
/// decreasing.
/// </summary>
public static class Evt2Writer
{
    /// <summary>Writes <paramref name="events"/> (and the options' triggers) to <paramref name="stream"/>.</summary>
    public static void Write(Stream stream, EventBatch events, EventWriteOptions? options = null)
    {
        options ??= EventWriteOptions.Default;
        var triggers = options.Triggers;
        RawWriterSupport.Check("EVT 2.0", events, triggers, 31);
        var (w, h) = RawWriterSupport.Geometry(events);
        stream.Write(RawHeader.Build("evt2", w, h, options.Source));
        var sink = new WordSink(stream);
        long cur = 0; // absolute value of time bits ≥ 6 last written
        sink.Put32(Evt2Decoder.TimeHigh << 28);
        var t = events.T; var x = events.X; var y = events.Y; var p = events.P;
        int g = 0, nTrig = triggers?.Count ?? 0;
        for (int i = 0; i <= t.Length; i++)
        {
            long ti = i < t.Length ? t[i] : long.MaxValue;
            for (; g < nTrig && triggers![g].TimeUs <= ti; g++)
            {
                var trig = triggers[g];
                MoveTo(sink, ref cur, trig.TimeUs >> 6);
                sink.Put32((Evt2Decoder.ExtTrigger << 28) | ((uint)(trig.TimeUs & 63) << 22) | ((uint)trig.Id << 8) | (uint)trig.Value);
            }
            if (i == t.Length) break;
            MoveTo(sink, ref cur, ti >> 6);
            sink.Put32(((uint)p[i] << 28) | ((uint)(ti & 63) << 22) | ((uint)x[i] << 11) | y[i]);
        }
        sink.Flush();
    }

    static void MoveTo(WordSink sink, ref long cur, long target)
    {
        if (target == cur) return;
        const int bits = 28;
        const uint mask = (1u << bits) - 1;
        while ((target >> bits) > (cur >> bits))
        {
            // The largest base of this loop, then zero: a drop the reader's loop rule counts as one loop.
            sink.Put32((Evt2Decoder.TimeHigh << 28) | mask);
            sink.Put32(Evt2Decoder.TimeHigh << 28);
            cur = ((cur >> bits) + 1) << bits;
        }
        if (target != cur) sink.Put32((Evt2Decoder.TimeHigh << 28) | (uint)(target & mask));
        cur = target;
    }
}
