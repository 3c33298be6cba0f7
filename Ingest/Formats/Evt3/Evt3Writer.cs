namespace EventSnn.Ingest;

/// <summary>
/// Writes Prophesee EVT 3.0 <c>.raw</c> files that <see cref="Evt3Reader"/> (and OpenEB) read back exactly. Words are
/// emitted only when the state changes: EVT_TIME_HIGH / EVT_TIME_LOW when the time does (a maximum/zero TIME_HIGH pair
/// at each 2^24 µs loop), EVT_ADDR_Y when the row does. Consecutive events that share time, row and polarity with
/// increasing x are vectorised: VECT_BASE_X then one VECT_12 mask per 12 columns, a new base after a gap; a lone event
/// is one EVT_ADDR_X word. Triggers of <see cref="EventWriteOptions.Triggers"/> become EXT_TRIGGER words (id ≤ 15).
/// Refuses x or y ≥ 2048, timestamps outside 0 … 2^40 − 1 µs or decreasing.
/// </summary>
public static class Evt3Writer
{
    /// <summary>Writes <paramref name="events"/> (and the options' triggers) to <paramref name="stream"/>.</summary>
    public static void Write(Stream stream, EventBatch events, EventWriteOptions? options = null)
    {
        options ??= EventWriteOptions.Default;
        var triggers = options.Triggers;
        RawWriterSupport.Check("EVT 3.0", events, triggers, 15);
        var (w, h) = RawWriterSupport.Geometry(events);
        stream.Write(RawHeader.Build("evt3", w, h, options.Source));
        var sink = new WordSink(stream);
        var st = new State { Sink = sink };
        sink.Put16(Word(Evt3Decoder.TimeHigh, 0));
        var t = events.T; var x = events.X; var y = events.Y; var p = events.P;
        int g = 0, nTrig = triggers?.Count ?? 0;
        int i = 0;
        while (true)
        {
            long ti = i < t.Length ? t[i] : long.MaxValue;
            for (; g < nTrig && triggers![g].TimeUs <= ti; g++)
            {
                var trig = triggers[g];
                st.MoveTo(trig.TimeUs);
                sink.Put16(Word(Evt3Decoder.ExtTrigger, (trig.Id << 8) | trig.Value));
            }
            if (i == t.Length) break;
            st.MoveTo(ti);
            if (y[i] != st.Y) { sink.Put16(Word(Evt3Decoder.AddrY, y[i])); st.Y = y[i]; }
            // The run: same time, row and polarity, strictly increasing x.
            int j = i + 1;
            while (j < t.Length && t[j] == ti && y[j] == y[i] && p[j] == p[i] && x[j] > x[j - 1]) j++;
            WriteRun(sink, x, p[i], i, j);
            i = j;
        }
        sink.Flush();
    }

    static void WriteRun(WordSink sink, ReadOnlySpan<ushort> x, byte pol, int from, int to)
    {
        int k = from;
        while (k < to)
        {
            int b = x[k];
            // A lone event in its 12 columns costs one EVT_ADDR_X word instead of two.
            if (k + 1 >= to || x[k + 1] >= b + 12)
            {
                sink.Put16(Word(Evt3Decoder.AddrX, (pol << 11) | b));
                k++;
                continue;
            }
            sink.Put16(Word(Evt3Decoder.VectBaseX, (pol << 11) | b));
            while (k < to && x[k] < b + 12)
            {
                int mask = 0;
                while (k < to && x[k] < b + 12) { mask |= 1 << (x[k] - b); k++; }
                sink.Put16(Word(Evt3Decoder.Vect12, mask));
                b += 12;
            }
        }
    }

    static ushort Word(int type, int payload) => (ushort)((type << 12) | (payload & 0xFFF));

    sealed class State
    {
        public required WordSink Sink;
        public long High;       // absolute time bits ≥ 12 last written
        public long Low;        // time bits 11..0 in effect
        public int Y = -1;

        public void MoveTo(long time)
        {
            long target = time >> 12;
            if (target != High)
            {
                const int bits = 12;
                while ((target >> bits) > (High >> bits))
                {
                    Sink.Put16(Word(Evt3Decoder.TimeHigh, 0xFFF));
                    Sink.Put16(Word(Evt3Decoder.TimeHigh, 0));
                    High = ((High >> bits) + 1) << bits;
                }
                if (target != High) Sink.Put16(Word(Evt3Decoder.TimeHigh, (int)(target & 0xFFF)));
                High = target;
                Low = 0;
            }
            long low = time & 0xFFF;
            if (low != Low) { Sink.Put16(Word(Evt3Decoder.TimeLow, (int)low)); Low = low; }
        }
    }
}
