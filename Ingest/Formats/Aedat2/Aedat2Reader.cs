using System.Globalization;
using EventSnn.Ingest.Io;

namespace EventSnn.Ingest;

/// <summary>
/// Reads AEDAT 2.0 (jAER) files: the '#' header (version, "# AEChip:", creation time), then 8-byte big-endian records.
/// The address layout follows the chip line: DAVIS chips use the DAVIS layout (APS/IMU samples skipped), everything
/// else the DVS128 layout with the coordinate convention of <see cref="EventReadOptions.Convention"/> (FORMATS.md §1).
/// Timestamps are the stored uint32 µs values (no wrap handling, as in the public loaders).
/// </summary>
public sealed class Aedat2Reader : EventReaderBase
{
    const int MaxHeaderBytes = 16 << 20;
    readonly bool _davis;
    readonly Aedat2Convention _convention;

    internal Aedat2Reader(ByteSource source, EventReadOptions? options) : base(source, options)
    {
        _convention = Aedat2Convention.Parse(Options.Convention);
        string? chip = ReadHeader();
        Source = chip ?? "DVS128";
        (_davis, int w, int h) = ChipGeometry(chip);
        Width = w; Height = h;
        Meta["chip_layout"] = _davis ? "davis" : "dvs128";
        Meta["convention"] = _davis ? (_convention.Name == "raw" ? "raw" : "flipped (tonic read_davis_346)") : _convention.Name;
        Meta["data_start_offset"] = Source_.Position.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Opens an AEDAT 2.0 stream (taking ownership); <paramref name="fileName"/> names it in errors.</summary>
    public static Aedat2Reader Open(Stream stream, string fileName, EventReadOptions? options = null)
        => new(new ByteSource(EventInput.FromStream(stream, fileName), true), options);

    /// <inheritdoc />
    public override string Format => "aedat2";

    /// <summary>Byte offset of the first record (end of the ASCII header).</summary>
    public long DataStart => long.Parse(Meta["data_start_offset"], CultureInfo.InvariantCulture);

    string? ReadHeader()
    {
        long start = Source_.Position;
        string? first = ReadHeaderLine(4096);
        if (first is null || !first.StartsWith("#!AER-DAT", StringComparison.Ordinal))
            throw Source_.Error(start, "the AEDAT version line \"#!AER-DAT2.0\"", first is null ? "end of file" : Quote(first));
        string version = first["#!AER-DAT".Length..].Trim();
        if (!version.StartsWith("2.", StringComparison.Ordinal))
            throw Source_.Error(start, "AEDAT version 2.0 in this reader", "version " + Quote(version));
        Meta["version"] = version;
        string? chip = null;
        while (PeekByte() == '#')
        {
            if (Source_.Position - start > MaxHeaderBytes)
                throw Source_.Error(Source_.Position, $"the end of the ASCII header within {MaxHeaderBytes} bytes");
            string line = ReadHeaderLine(1 << 20) ?? "";
            string body = line.TrimStart('#').Trim();
            if (body.StartsWith("AEChip:", StringComparison.OrdinalIgnoreCase))
                chip = body["AEChip:".Length..].Trim();
            else if (body.StartsWith("HardwareInterface:", StringComparison.OrdinalIgnoreCase))
                Meta["hardware_interface"] = body["HardwareInterface:".Length..].Trim();
            else if (body.StartsWith("Creation time:", StringComparison.OrdinalIgnoreCase))
                Meta["creation_time_ms"] = body.Split(' ', StringSplitOptions.RemoveEmptyEntries)[^1];
            // Newer jAER closes the header explicitly; stop there so a record starting with '#' is not taken for a line.
            if (body.StartsWith("End Of ASCII Header", StringComparison.OrdinalIgnoreCase)) break;
        }
        if (chip != null) Meta["aechip"] = chip;
        return chip;
    }

    static (bool Davis, int W, int H) ChipGeometry(string? chip)
    {
        if (chip is null || !chip.Contains("davis", StringComparison.OrdinalIgnoreCase)) return (false, 128, 128);
        if (chip.Contains("346")) return (true, 346, 260);
        if (chip.Contains("640")) return (true, 640, 480);
        return (true, 240, 180);
    }

    static string Quote(string s) => "\"" + (s.Length > 60 ? s[..60] + "…" : s) + "\"";

    private protected override bool FillBatch(EventBatch batch, int batchSize)
    {
        while (batch.Count < batchSize)
        {
            int want = (int)Math.Min((long)(batchSize - batch.Count) * Aedat2Decoder.RecordSize, Source_.Capacity & ~7);
            int have = Source_.Fill(want);
            if (have < Aedat2Decoder.RecordSize)
            {
                if (have > 0) { CutShort(Source_.Position, "a whole 8-byte record", $"{have} trailing byte(s)"); Source_.Advance(have); }
                return false;
            }
            int bytes = Math.Min(have, want) & ~7;
            var span = Source_.Available[..bytes];
            if (_davis)
            {
                int bad = Aedat2Decoder.DecodeDavis(span, Width, Height, _convention.Name != "raw", batch, out int used);
                if (bad >= 0)
                    throw Source_.Error(Source_.Position + (long)bad * 8, $"DAVIS coordinates inside {Width}×{Height}", "an address outside the sensor");
                Source_.Advance(used * 8);
            }
            else
            {
                int used = Aedat2Decoder.DecodeDvs128(span, _convention, batch);
                Source_.Advance(used * 8);
            }
        }
        return true;
    }
}
