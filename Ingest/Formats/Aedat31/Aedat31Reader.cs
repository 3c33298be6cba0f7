using System.Globalization;
using EventSnn.Ingest.Io;

namespace EventSnn.Ingest;

/// <summary>
/// Reads AEDAT 3.1 files (libcaer; DVS128 Gesture): header lines up to "#!END-HEADER", then 28-byte packet headers
/// each followed by capacity × size bytes. Polarity packets (type 1) are decoded with the timestamp overflow; other
/// packet types are skipped. The valid bit is honoured unless <see cref="EventReadOptions.KeepInvalid"/>.
/// </summary>
public sealed class Aedat31Reader : EventReaderBase
{
    const int MaxHeaderBytes = 1 << 20;
    long _pendingEvents;     // polarity events left to decode in the current packet
    long _pendingSkip;       // bytes to skip after them (capacity beyond number)
    int _overflow;

    internal Aedat31Reader(ByteSource source, EventReadOptions? options) : base(source, options)
    {
        ReadHeader();
        Meta["data_start_offset"] = Source_.Position.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Opens an AEDAT 3.1 stream (taking ownership); <paramref name="fileName"/> names it in errors.</summary>
    public static Aedat31Reader Open(Stream stream, string fileName, EventReadOptions? options = null)
        => new(new ByteSource(EventInput.FromStream(stream, fileName), true), options);

    /// <inheritdoc />
    public override string Format => "aedat3.1";

    /// <summary>Packets seen so far, by event type.</summary>
    public Dictionary<short, int> PacketCounts { get; } = new();

    void ReadHeader()
    {
        long start = Source_.Position;
        string? first = ReadHeaderLine(4096);
        if (first is null || !first.StartsWith("#!AER-DAT3.", StringComparison.Ordinal))
            throw Source_.Error(start, "the version line \"#!AER-DAT3.1\"", first is null ? "end of file" : "\"" + first[..Math.Min(first.Length, 40)] + "\"");
        Meta["version"] = first["#!AER-DAT".Length..].Trim();
        while (true)
        {
            long lineStart = Source_.Position;
            if (lineStart - start > MaxHeaderBytes) throw Source_.Error(lineStart, $"\"#!END-HEADER\" within {MaxHeaderBytes} bytes");
            string? line = ReadHeaderLine(1 << 16);
            if (line is null) throw Source_.Error(lineStart, "a header line or \"#!END-HEADER\"", "end of file");
            if (!line.StartsWith('#')) throw Source_.Error(lineStart, "a header line starting with '#'");
            if (line.StartsWith("#!END-HEADER", StringComparison.Ordinal)) break;
            if (line.StartsWith("#Source", StringComparison.Ordinal))
            {
                int colon = line.IndexOf(':');
                if (colon > 0) Source ??= line[(colon + 1)..].Trim();
            }
            else if (line.StartsWith("#Start-Time:", StringComparison.Ordinal))
                Meta["start_time"] = line["#Start-Time:".Length..].Trim();
            else if (line.StartsWith("#Format:", StringComparison.Ordinal))
                Meta["format"] = line["#Format:".Length..].Trim();
        }
        (Width, Height) = SensorSize(Source);
    }

    /// <summary>
    /// Sensor size of a source name: an explicit <c>[WxH]</c> tag (written by <see cref="Aedat31Writer"/> when the camera
    /// name does not say the size), else the libcaer/DV camera name (DVS128, DAVIS240/346, DVXplorer), else (0, 0).
    /// </summary>
    public static (int Width, int Height) SensorSize(string? source)
    {
        if (source is null) return (0, 0);
        var tag = System.Text.RegularExpressions.Regex.Match(source, @"\[(\d{1,5})x(\d{1,5})\]");
        if (tag.Success && int.TryParse(tag.Groups[1].Value, out int tw) && int.TryParse(tag.Groups[2].Value, out int th)
            && tw is > 0 and <= 32768 && th is > 0 and <= 32768)
            return (tw, th);
        string s = source.ToUpperInvariant();
        if (s.Contains("DVS128")) return (128, 128);
        if (s.Contains("DAVIS346")) return (346, 260);
        if (s.Contains("DAVIS240") || s.Contains("DAVIS208")) return (240, 180);
        if (s.Contains("DAVIS640")) return (640, 480);
        if (s.Contains("DVXPLORER") || s.Contains("DXPLORER")) return s.Contains("MINI") || s.Contains("LITE") ? (320, 240) : (640, 480);
        return (0, 0);
    }

    private protected override bool FillBatch(EventBatch batch, int batchSize)
    {
        while (batch.Count < batchSize)
        {
            if (_pendingEvents > 0)
            {
                int want = (int)Math.Min(Math.Min(_pendingEvents, batchSize - batch.Count) * 8, Source_.Capacity & ~7);
                int have = Source_.Fill(want);
                if (have < 8)
                {
                    CutShort(Source_.Position, $"{_pendingEvents} more polarity event(s) of the packet", $"{have} byte(s)");
                    Source_.Advance(have);
                    return false;
                }
                int bytes = Math.Min(have, want) & ~7;
                int used = Aedat31Decoder.DecodePolarity(Source_.Available[..bytes], _overflow, Options.KeepInvalid, batch);
                Source_.Advance(used * 8);
                _pendingEvents -= used;
                continue;
            }
            if (_pendingSkip > 0)
            {
                long skipped = Source_.Skip(_pendingSkip);
                if (skipped < _pendingSkip)
                {
                    CutShort(Source_.Position, $"{_pendingSkip} more byte(s) of the packet body", $"{skipped}");
                    return false;
                }
                _pendingSkip = 0;
            }
            if (!NextPacket()) return false;
        }
        return true;
    }

    // Reads the next packet header; false at a clean end of file.
    bool NextPacket()
    {
        long at = Source_.Position;
        int have = Source_.Fill(Aedat31Decoder.PacketHeaderSize);
        if (have == 0) return false;
        if (have < Aedat31Decoder.PacketHeaderSize)
        {
            CutShort(at, "a 28-byte packet header", $"{have} byte(s)");
            Source_.Advance(have);
            return false;
        }
        var h = Aedat31PacketHeader.Parse(Source_.Available);
        string? problem = h.Problem();
        if (problem != null) throw Source_.Error(at, "a valid packet header: " + problem);
        long? length = Source_.Length;
        if (length is long len && at + 28 + h.BodyLength > len)
        {
            // A body that runs past the end is a cut file, not a reason to allocate or wait: decode what is whole.
            if (Options.Strict)
                throw Source_.Error(at, $"a packet body of {h.BodyLength} bytes within the file", $"{len - at - 28} byte(s) left");
        }
        Source_.Advance(Aedat31Decoder.PacketHeaderSize);
        PacketCounts[h.EventType] = PacketCounts.GetValueOrDefault(h.EventType) + 1;
        if (h.EventType == Aedat31Decoder.PolarityEventType)
        {
            _overflow = h.EventTSOverflow;
            _pendingEvents = h.EventNumber;
            _pendingSkip = (long)(h.EventCapacity - h.EventNumber) * h.EventSize;
        }
        else
        {
            _pendingEvents = 0;
            _pendingSkip = h.BodyLength;
        }
        return true;
    }
}
