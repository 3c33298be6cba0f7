using System.Globalization;
using System.Security;
using System.Text;
using System.Xml;

namespace EventSnn.Ingest;

/// <summary>
/// The AEDAT 4 IOHeader (FlatBuffer table "IOHE", not size-prefixed): compression, data-table position (−1 when the
/// recording has no table: interrupted files and network streams) and the infoNode XML describing the streams.
/// In a file it follows "#!AER-DAT4.0\r\n" and a uint32 size; a DV network stream starts with the size directly.
/// </summary>
public sealed record Aedat4IOHeader(Aedat4Compression Compression, long DataTablePosition, string InfoNode, IReadOnlyList<Aedat4StreamInfo> Streams)
{
    /// <summary>The version line that starts a file.</summary>
    public static ReadOnlySpan<byte> VersionLine => "#!AER-DAT4.0\r\n"u8;

    /// <summary>Largest IOHeader accepted, in bytes (real ones are a few KiB).</summary>
    public const int MaxSize = 16 << 20;

    /// <summary>The event stream to decode: the one whose name or id is <paramref name="name"/>, else the lowest-id "EVTS" stream; null when none.</summary>
    public Aedat4StreamInfo? SelectEventStream(string? name = null)
    {
        var events = Streams.Where(s => s.IsEvents).OrderBy(s => s.Id).ToList();
        if (name is null) return events.FirstOrDefault();
        return events.FirstOrDefault(s => s.Name == name || s.Id.ToString(CultureInfo.InvariantCulture) == name);
    }

    /// <summary>Parses the FlatBuffer bytes (without the size prefix). Errors name <paramref name="file"/> and absolute offsets from <paramref name="baseOffset"/>.</summary>
    public static Aedat4IOHeader Parse(ReadOnlySpan<byte> flatBuffer, string file = "<aedat4 header>", string? entry = null, long baseOffset = 0)
    {
        try
        {
            var fb = new FlatBufferView(flatBuffer);
            fb.Identifier(4, "IOHE");
            int table = fb.Deref(0);
            int compression = fb.I32(table, 0, 0);
            if (compression is < 0 or > 4) throw new PayloadException(table, "a compression type 0..4 (NONE, LZ4, LZ4_HIGH, ZSTD, ZSTD_HIGH)", compression.ToString(CultureInfo.InvariantCulture));
            long dataTable = fb.I64(table, 1, -1);
            string info = fb.String(table, 2) ?? "";
            return new Aedat4IOHeader((Aedat4Compression)compression, dataTable, info, ParseInfoNode(info));
        }
        catch (PayloadException ex) { throw ex.At(file, entry, baseOffset); }
        catch (XmlException ex) { throw new EventFormatException(file, entry, baseOffset, "a well-formed infoNode XML in the IOHeader", ex.Message, ex); }
    }

    /// <summary>Reads the stream nodes of an infoNode XML (streams lacking a type identifier or output name are skipped, as dv-processing does).</summary>
    public static IReadOnlyList<Aedat4StreamInfo> ParseInfoNode(string xml)
    {
        var list = new List<Aedat4StreamInfo>();
        if (string.IsNullOrWhiteSpace(xml)) return list;
        var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, MaxCharactersInDocument = MaxSize };
        var doc = new XmlDocument { XmlResolver = null };
        using (var reader = XmlReader.Create(new StringReader(xml), settings)) doc.Load(reader);
        var root = doc.DocumentElement;
        if (root is null) return list;
        var outInfo = root.Name == "node" && root.GetAttribute("name") == "outInfo" ? root
            : root.SelectSingleNode("//node[@name='outInfo']") as XmlElement ?? root;
        foreach (XmlNode child in outInfo.ChildNodes)
        {
            if (child is not XmlElement node || node.Name != "node") continue;
            if (!int.TryParse(node.GetAttribute("name"), NumberStyles.Integer, CultureInfo.InvariantCulture, out int id)) continue;
            string? type = Attr(node, "typeIdentifier"), output = Attr(node, "originalOutputName");
            if (type is null || output is null) continue;
            var info = node.ChildNodes.OfType<XmlElement>().FirstOrDefault(e => e.Name == "node" && e.GetAttribute("name") == "info");
            int w = ParseInt(info is null ? null : Attr(info, "sizeX")), h = ParseInt(info is null ? null : Attr(info, "sizeY"));
            long ts = long.TryParse(info is null ? null : Attr(info, "tsOffset"), NumberStyles.Integer, CultureInfo.InvariantCulture, out long t) ? t : 0;
            list.Add(new Aedat4StreamInfo(id, output, type, w, h, info is null ? null : Attr(info, "source"), ts,
                Attr(node, "compression"), Attr(node, "typeDescription"), Attr(node, "originalModuleName")));
        }
        return list;
    }

    static int ParseInt(string? s) => int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) && v >= 0 ? v : 0;

    static string? Attr(XmlElement node, string key)
    {
        foreach (XmlNode c in node.ChildNodes)
            if (c is XmlElement e && e.Name == "attr" && e.GetAttribute("key") == key) return e.InnerText;
        return null;
    }

    /// <summary>The infoNode XML DV writes for the given streams.</summary>
    public static string BuildInfoNode(IEnumerable<Aedat4StreamInfo> streams, Aedat4Compression compression)
    {
        var sb = new StringBuilder("<dv version=\"2.0\">\n  <node name=\"outInfo\" path=\"/mainloop/Recorder/outInfo/\">\n");
        string comp = compression switch { Aedat4Compression.Lz4 => "LZ4", Aedat4Compression.Lz4High => "LZ4_HIGH", Aedat4Compression.Zstd => "ZSTD", Aedat4Compression.ZstdHigh => "ZSTD_HIGH", _ => "NONE" };
        foreach (var s in streams)
        {
            string path = $"/mainloop/Recorder/outInfo/{s.Id}/";
            sb.Append(CultureInfo.InvariantCulture, $"    <node name=\"{s.Id}\" path=\"{path}\">\n");
            sb.Append(CultureInfo.InvariantCulture, $"      <attr key=\"compression\" type=\"string\">{comp}</attr>\n");
            sb.Append(CultureInfo.InvariantCulture, $"      <attr key=\"originalModuleName\" type=\"string\">{Esc(s.ModuleName ?? "EventSnn")}</attr>\n");
            sb.Append(CultureInfo.InvariantCulture, $"      <attr key=\"originalOutputName\" type=\"string\">{Esc(s.Name)}</attr>\n");
            sb.Append(CultureInfo.InvariantCulture, $"      <attr key=\"typeDescription\" type=\"string\">{Esc(s.TypeDescription ?? "Array of events (polarity ON/OFF).")}</attr>\n");
            sb.Append(CultureInfo.InvariantCulture, $"      <attr key=\"typeIdentifier\" type=\"string\">{Esc(s.TypeIdentifier)}</attr>\n");
            sb.Append(CultureInfo.InvariantCulture, $"      <node name=\"info\" path=\"{path}info/\">\n");
            if (s.Width > 0) sb.Append(CultureInfo.InvariantCulture, $"        <attr key=\"sizeX\" type=\"int\">{s.Width}</attr>\n");
            if (s.Height > 0) sb.Append(CultureInfo.InvariantCulture, $"        <attr key=\"sizeY\" type=\"int\">{s.Height}</attr>\n");
            if (s.Source != null) sb.Append(CultureInfo.InvariantCulture, $"        <attr key=\"source\" type=\"string\">{Esc(s.Source)}</attr>\n");
            sb.Append(CultureInfo.InvariantCulture, $"        <attr key=\"tsOffset\" type=\"long\">{s.TsOffset}</attr>\n");
            sb.Append("      </node>\n    </node>\n");
        }
        sb.Append("  </node>\n</dv>\n");
        return sb.ToString();
    }

    static string Esc(string s) => SecurityElement.Escape(s) ?? "";

    /// <summary>Position, inside <see cref="Build"/>'s output, of the int64 dataTablePosition (so a file writer can patch it).</summary>
    public const int DataTablePositionOffset = 32;

    /// <summary>Encodes an IOHeader FlatBuffer (identifier "IOHE"; fixed layout with dataTablePosition at byte 32).</summary>
    public static byte[] Build(Aedat4Compression compression, long dataTablePosition, string infoNode)
    {
        byte[] info = Encoding.UTF8.GetBytes(infoNode);
        int stringAt = 40;
        int total = stringAt + 4 + info.Length + 1;
        total = (total + 3) & ~3;
        var b = new byte[total];
        var s = b.AsSpan();
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(s, 20);          // root table at 20
        "IOHE"u8.CopyTo(s[4..]);
        // vtable at 8: 3 fields, table of 20 bytes: compression @4, dataTablePosition @12, infoNode @8
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(s[8..], 10);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(s[10..], 20);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(s[12..], 4);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(s[14..], 12);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(s[16..], 8);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(s[20..], 20 - 8);  // table → vtable
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(s[24..], (int)compression);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(s[28..], (uint)(stringAt - 28));
        System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(s[DataTablePositionOffset..], dataTablePosition);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(s[stringAt..], (uint)info.Length);
        info.CopyTo(s[(stringAt + 4)..]);
        return b;
    }
}
