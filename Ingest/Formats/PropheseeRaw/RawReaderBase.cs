using System.Globalization;
using EventSnn.Ingest.Io;

namespace EventSnn.Ingest;

/// <summary>
/// Shared part of the Prophesee <c>.raw</c> readers: parses the '%' header (encoding, sensor size and where it came
/// from, other lines as metadata), then feeds whole words of <see cref="WordSize"/> bytes to the format's decoder in
/// bounded batches. External triggers go to <see cref="IEventReader.Triggers"/>; words the decoder ignores are counted
/// in the metadata, never fatal.
/// </summary>
public abstract class RawReaderBase : EventReaderBase
{
    readonly List<ExternalTrigger> _pendingTriggers = new();
    readonly List<string> _headerLines = new();

    /// <param name="source">The bytes, header first.</param>
    /// <param name="options">Read options.</param>
    /// <param name="encoding">The format the header must name, and <see cref="Format"/>: "evt2", "evt2.1" or "evt3".</param>
    /// <param name="wordSize">Bytes per word: 4 (EVT 2.0), 8 (EVT 2.1) or 2 (EVT 3.0).</param>
    /// <param name="maxEventsPerWord">Most events one word can yield (1, 32 or 12).</param>
    private protected RawReaderBase(ByteSource source, EventReadOptions? options, string encoding, int wordSize, int maxEventsPerWord)
        : base(source, options)
    {
        Format = encoding;
        WordSize = wordSize;
        MaxEventsPerWord = maxEventsPerWord;
        ParseHeader(encoding);
    }

    /// <inheritdoc />
    public sealed override string Format { get; }

    /// <summary>Bytes per word: 4 (EVT 2.0), 8 (EVT 2.1) or 2 (EVT 3.0).</summary>
    private protected int WordSize { get; }

    /// <summary>Most events one word can yield (1, 32 or 12).</summary>
    private protected int MaxEventsPerWord { get; }

    /// <summary>True for EVT 2.1 files whose 64-bit words have their 32-bit halves swapped ("endianness=legacy").</summary>
    private protected bool Legacy { get; private set; }

    /// <summary>Byte offset of the first word.</summary>
    public long DataStart { get; private set; }

    /// <summary>The header lines as read (without the line ends).</summary>
    public IReadOnlyList<string> HeaderLines => _headerLines;

    void ParseHeader(string expected)
    {
        long start = Source_.Position;
        string? encoding = null;
        int fw = 0, fh = 0, gw = 0, gh = 0;
        while (PeekByte() == '%')
        {
            long lineStart = Source_.Position;
            if (lineStart - start > RawHeader.MaxHeaderBytes)
                throw Source_.Error(lineStart, $"the end of the '%' header within {RawHeader.MaxHeaderBytes} bytes");
            string line = ReadHeaderLine(RawHeader.MaxLineBytes) ?? "";
            _headerLines.Add(line);
            var (key, value) = RawHeader.Split(line);
            if (key == "end") break;
            switch (key)
            {
                case "evt":
                    encoding ??= RawHeader.FromVersion(value)
                        ?? throw Source_.Error(lineStart, "an EVT version 2.0, 2.1 or 3.0", Quote(value));
                    Meta["evt_version"] = value;
                    break;
                case "format":
                {
                    string[] parts = value.Split(';');
                    string? named = RawHeader.FromFormatName(parts[0])
                        ?? throw Source_.Error(lineStart, "a format EVT2, EVT21 or EVT3", Quote(parts[0]));
                    encoding = named;
                    Meta["format_line"] = value;
                    foreach (string kv in parts.Skip(1))
                    {
                        int eq = kv.IndexOf('=');
                        if (eq < 0) continue;
                        string k = kv[..eq].Trim().ToLowerInvariant(), v = kv[(eq + 1)..].Trim();
                        if (k == "width") fw = ParseSize(v, lineStart, "width");
                        else if (k == "height") fh = ParseSize(v, lineStart, "height");
                        else if (k == "endianness") Legacy = v.Equals("legacy", StringComparison.OrdinalIgnoreCase);
                    }
                    break;
                }
                case "geometry":
                    if (!RawHeader.TryParseGeometry(value, out gw, out gh) || gw > ushort.MaxValue || gh > ushort.MaxValue)
                        throw Source_.Error(lineStart, "a geometry WIDTHxHEIGHT of at most 65535x65535", Quote(value));
                    break;
                default:
                    if (key.Length > 0 && !Meta.ContainsKey(key)) Meta[key] = value;
                    break;
            }
        }
        DataStart = Source_.Position;
        if (encoding is null)
            throw Source_.Error(start, "a '% evt 2.0|2.1|3.0' or '% format EVT2|EVT21|EVT3' header line", "a header naming no encoding");
        if (encoding != expected)
            throw Source_.Error(start, $"a {expected} header", $"a {encoding} header");
        if (fw > 0 && fh > 0) { Width = fw; Height = fh; Meta["sensor_size_from"] = "header (% format)"; }
        else if (gw > 0) { Width = gw; Height = gh; Meta["sensor_size_from"] = "header (% geometry)"; }
        else if (Options.SensorWidth > 0 && Options.SensorHeight > 0)
        {
            Width = Options.SensorWidth; Height = Options.SensorHeight; Meta["sensor_size_from"] = "caller";
        }
        else if (expected == "evt3")
        {
            // OpenEB's EVT 3.0 decoder assumes the Gen4/IMX636 array when the header says nothing.
            Width = 1280; Height = 720; Meta["sensor_size_from"] = "default (EVT 3.0 without geometry: 1280x720, as OpenEB)";
        }
        else Meta["sensor_size_from"] = "events (the header states no size: 1 + largest coordinate)";
        if (Meta.TryGetValue("camera", out string? cam)) Source = cam;
        else if (Meta.TryGetValue("integrator_name", out string? integ)) Source = integ + (Meta.TryGetValue("plugin_name", out string? plugin) ? " " + plugin : "");
        Meta["data_start_offset"] = DataStart.ToString(CultureInfo.InvariantCulture);
        if (Legacy) Meta["word_order"] = "legacy (32-bit halves swapped)";
    }

    int ParseSize(string v, long offset, string what)
    {
        if (!int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out int n) || n <= 0 || n > ushort.MaxValue)
            throw Source_.Error(offset, $"a {what} of 1..65535 pixels", Quote(v));
        return n;
    }

    static string Quote(string s) => "\"" + (s.Length > 60 ? s[..60] + "…" : s) + "\"";

    /// <summary>
    /// Decodes whole words from <paramref name="words"/> into <paramref name="into"/>, stopping before a word whose
    /// events would take the count past <paramref name="limit"/>; triggers go to <paramref name="triggers"/>. Returns
    /// the number of words consumed.
    /// </summary>
    private protected abstract int Decode(ReadOnlySpan<byte> words, EventBatch into, int limit, List<ExternalTrigger> triggers);

    /// <summary>Writes the decoder's counters to the metadata.</summary>
    private protected abstract void PublishCounters();

    private protected override bool FillBatch(EventBatch batch, int batchSize)
    {
        int ws = WordSize;
        // Batch sizes below one word's worth of events are raised to it, so that every word can be decoded.
        int limit = Math.Max(batchSize, MaxEventsPerWord);
        // The vector decoders write up to 32 slots past the last event: keep them inside the rented columns (the pool
        // hands out powers of two, so a batch of 65536 holds 65504 events rather than renting twice the memory).
        const int spare = 32;
        if (batch.Capacity < limit + spare)
        {
            if (batch.Capacity - spare >= Math.Max(MaxEventsPerWord, batchSize / 2)) limit = batch.Capacity - spare;
            else batch.EnsureCapacity(limit + spare);
        }
        int maxBytes = Source_.Capacity / ws * ws;
        try
        {
            while (batch.Count < batchSize)
            {
                int room = limit - batch.Count;
                // Words that yield no event still count; ask for at least one buffer-worth when the room is small.
                int want = (int)Math.Min(Math.Max((long)room * ws, 4096L), maxBytes);
                int have = Source_.Fill(want);
                if (have < ws)
                {
                    if (have > 0) { CutShort(Source_.Position, $"a whole {ws}-byte word", $"{have} trailing byte(s)"); Source_.Advance(have); }
                    return false;
                }
                int bytes = Math.Min(have, want) / ws * ws;
                int used = Decode(Source_.Available[..bytes], batch, limit, _pendingTriggers);
                Source_.Advance(used * ws);
                if (used == 0) break; // the next word's events do not fit: it opens the next batch
            }
            return true;
        }
        finally
        {
            foreach (var trig in _pendingTriggers) AddTrigger(trig);
            _pendingTriggers.Clear();
            PublishCounters();
            Meta["triggers"] = TriggerList.Count.ToString(CultureInfo.InvariantCulture);
        }
    }

    /// <summary>Writes the counters every Prophesee decoder keeps to the metadata.</summary>
    private protected void PublishCounters(long loops, long skippedBeforeTimeHigh, long ignoredWords, long reservedWords, long timeHighBackwards)
    {
        Meta["time_loops"] = Count(loops);
        Meta["skipped_before_time_high"] = Count(skippedBeforeTimeHigh);
        Meta["ignored_words"] = Count(ignoredWords);
        Meta["reserved_words"] = Count(reservedWords);
        if (timeHighBackwards > 0) Meta["time_high_backwards"] = Count(timeHighBackwards);
    }

    static string Count(long n) => n.ToString(CultureInfo.InvariantCulture);
}
