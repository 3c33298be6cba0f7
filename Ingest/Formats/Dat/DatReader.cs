using System.Globalization;
using EventSnn.Ingest.Io;

namespace EventSnn.Ingest;

/// <summary>
/// Reads Prophesee/Chronocam <c>.dat</c> files (N-CARS, Gen1/Gen4 automotive): header lines beginning "% " (with
/// optional "% Width W" / "% Height H"), then — when there was at least one header line — an event-type byte and an
/// event-size byte, then fixed-size records (<see cref="DatDecoder"/>). Only CD records are read: type 0 (Event2D) or
/// 12 (EventCD) with size 8; other types (triggers, optical flow) are refused with the typed error. A tail shorter
/// than a record (the size not dividing the body) is an error when strict, else a warning. Sensor size from the
/// header, else <see cref="EventReadOptions.SensorWidth"/>, else unknown; "sensor_size_from" says which.
/// </summary>
public sealed class DatReader : EventReaderBase
{
    const int MaxHeaderBytes = 1 << 20;

    internal DatReader(ByteSource source, EventReadOptions? options) : base(source, options)
    {
        ParseHeader();
    }

    /// <summary>Opens a DAT stream (taking ownership); <paramref name="fileName"/> names it in errors.</summary>
    public static DatReader Open(Stream stream, string fileName, EventReadOptions? options = null)
        => new(new ByteSource(EventInput.FromStream(stream, fileName), true), options);

    /// <inheritdoc />
    public override string Format => "dat";

    /// <summary>Byte offset of the first record.</summary>
    public long DataStart { get; private set; }

    /// <summary>The event type byte (0 = Event2D, 12 = EventCD); 0 for files without a header.</summary>
    public int EventType { get; private set; }

    void ParseHeader()
    {
        long start = Source_.Position;
        int lines = 0, w = 0, h = 0;
        while (Source_.Fill(2) >= 2 && Source_.Available[0] == '%' && Source_.Available[1] == ' ')
        {
            long lineStart = Source_.Position;
            if (lineStart - start > MaxHeaderBytes) throw Source_.Error(lineStart, $"the end of the '% ' header within {MaxHeaderBytes} bytes");
            string line = ReadHeaderLine(64 << 10) ?? "";
            lines++;
            string[] words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (words.Length >= 3 && words[1] is "Width" or "Height")
            {
                if (!int.TryParse(words[2], NumberStyles.None, CultureInfo.InvariantCulture, out int v) || v <= 0 || v > 16384)
                    throw Source_.Error(lineStart, $"a {words[1].ToLowerInvariant()} of 1..16384 pixels", "\"" + words[2] + "\"");
                if (words[1] == "Width") w = v; else h = v;
            }
            else if (words.Length >= 2 && words[1] == "Date") Meta["date"] = string.Join(' ', words.Skip(2));
            else if (words.Length >= 2 && words[1] == "Version") Meta["version"] = string.Join(' ', words.Skip(2));
            else if (line.StartsWith("% Data file containing", StringComparison.Ordinal)) Meta["contents"] = line[2..].Trim();
        }
        int size = DatDecoder.RecordSize;
        if (lines > 0)
        {
            long at = Source_.Position;
            if (Source_.Fill(2) < 2) throw Source_.Error(at, "the event type and event size bytes after the header", "end of file");
            EventType = Source_.Available[0];
            size = Source_.Available[1];
            Source_.Advance(2);
            if (EventType is not (0 or 12))
                throw Source_.Error(at, "CD events (event type 0 = Event2D or 12 = EventCD)",
                    $"event type {EventType}{(EventType == 14 ? " (external triggers)" : EventType == 40 ? " (optical flow)" : "")}");
            if (size != DatDecoder.RecordSize)
                throw Source_.Error(at + 1, $"an event size of {DatDecoder.RecordSize} bytes for CD events", $"{size}");
        }
        DataStart = Source_.Position;
        Meta["event_type"] = EventType == 12 ? "12 (EventCD)" : "0 (Event2D)";
        Meta["data_start_offset"] = DataStart.ToString(CultureInfo.InvariantCulture);
        if (Source_.Length is long len && (len - DataStart) % size != 0)
            Meta["size_check"] = $"the body of {len - DataStart} bytes is not a multiple of {size}";
        if (w > 0 && h > 0) { Width = w; Height = h; Meta["sensor_size_from"] = "header (% Width / % Height)"; }
        else if (Options.SensorWidth > 0 && Options.SensorHeight > 0)
        {
            Width = Options.SensorWidth; Height = Options.SensorHeight; Meta["sensor_size_from"] = "caller (dataset definition)";
        }
        else Meta["sensor_size_from"] = "events (the header states no size: 1 + largest coordinate)";
    }

    private protected override bool FillBatch(EventBatch batch, int batchSize)
    {
        const int rs = DatDecoder.RecordSize;
        while (batch.Count < batchSize)
        {
            int want = (int)Math.Min((long)(batchSize - batch.Count) * rs, Source_.Capacity / rs * rs);
            int have = Source_.Fill(want);
            if (have < rs)
            {
                if (have > 0) { CutShort(Source_.Position, $"a whole {rs}-byte record (the body must be a multiple of the event size)", $"{have} trailing byte(s)"); Source_.Advance(have); }
                return false;
            }
            int bytes = Math.Min(have, want) / rs * rs;
            int used = DatDecoder.Decode(Source_.Available[..bytes], batch);
            Source_.Advance(used * rs);
        }
        return true;
    }
}
