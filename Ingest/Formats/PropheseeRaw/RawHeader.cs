using System.Globalization;
using System.Text;

namespace EventSnn.Ingest;

/// <summary>
/// The ASCII header of a Prophesee <c>.raw</c> recording: lines that start with '%' and end in LF
/// (<c>% evt 3.0</c>, <c>% format EVT3;height=720;width=1280</c>, <c>% geometry 1280x720</c>, <c>% serial_number …</c>),
/// closed by <c>% end</c> or by the first line that does not start with '%' (FORMATS.md §5.1).
/// </summary>
public static class RawHeader
{
    /// <summary>Largest header this library reads, in bytes.</summary>
    public const int MaxHeaderBytes = 1 << 20;

    /// <summary>Longest header line, in bytes.</summary>
    public const int MaxLineBytes = 64 << 10;

    /// <summary>
    /// The encoding named by the header lines at the start of <paramref name="head"/>: "evt2", "evt2.1", "evt3", or
    /// null when the lines seen name none (or <paramref name="head"/> does not start with '%').
    /// </summary>
    public static string? EncodingOf(ReadOnlySpan<byte> head)
    {
        int pos = 0;
        while (pos < head.Length && head[pos] == (byte)'%')
        {
            int nl = head[pos..].IndexOf((byte)'\n');
            var line = nl < 0 ? head[pos..] : head.Slice(pos, nl);
            string text = Encoding.Latin1.GetString(line.Length > 256 ? line[..256] : line).TrimEnd('\r');
            var (key, value) = Split(text);
            string? enc = key switch
            {
                "format" => FromFormatName(value.Split(';')[0]),
                "evt" => FromVersion(value),
                _ => null,
            };
            if (enc != null) return enc;
            if (key == "end" || nl < 0) break;
            pos += nl + 1;
        }
        return null;
    }

    /// <summary>Splits "% key value" into (lower-case key, trimmed value).</summary>
    internal static (string Key, string Value) Split(string line)
    {
        string body = line.TrimStart('%').Trim();
        int sp = body.IndexOf(' ');
        return sp < 0 ? (body.ToLowerInvariant(), "") : (body[..sp].ToLowerInvariant(), body[(sp + 1)..].Trim());
    }

    /// <summary>"EVT3" → "evt3", "EVT2" → "evt2", "EVT21" → "evt2.1"; null otherwise.</summary>
    internal static string? FromFormatName(string name) => name.Trim().ToUpperInvariant() switch
    {
        "EVT2" or "EVT20" or "EVT2.0" => "evt2",
        "EVT21" or "EVT2.1" => "evt2.1",
        "EVT3" or "EVT30" or "EVT3.0" => "evt3",
        _ => null,
    };

    /// <summary>"2.0" → "evt2", "2.1" → "evt2.1", "3.0" → "evt3"; null otherwise.</summary>
    internal static string? FromVersion(string version) => version.Trim() switch
    {
        "2.0" or "2" => "evt2",
        "2.1" => "evt2.1",
        "3.0" or "3" => "evt3",
        _ => null,
    };

    /// <summary>Parses "1280x720" into (width, height); false when it is not two positive integers.</summary>
    internal static bool TryParseGeometry(string text, out int width, out int height)
    {
        width = height = 0;
        string[] parts = text.Trim().Split('x', 'X');
        return parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out width)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out height)
            && width > 0 && height > 0;
    }

    /// <summary>The header a writer puts before the words of <paramref name="encoding"/> ("evt2" or "evt3").</summary>
    internal static byte[] Build(string encoding, int width, int height, string? source)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.Append("% evt ").Append(encoding == "evt3" ? "3.0" : "2.0").Append('\n');
        sb.Append("% format ").Append(encoding == "evt3" ? "EVT3" : "EVT2");
        if (width > 0 && height > 0) sb.Append(";height=").Append(height.ToString(inv)).Append(";width=").Append(width.ToString(inv));
        sb.Append('\n');
        if (width > 0 && height > 0) sb.Append("% geometry ").Append(width.ToString(inv)).Append('x').Append(height.ToString(inv)).Append('\n');
        sb.Append("% integrator_name EventSnn\n");
        if (!string.IsNullOrEmpty(source)) sb.Append("% camera ").Append(source.Replace('\n', ' ').Replace('\r', ' ')).Append('\n');
        sb.Append("% end\n");
        return Encoding.Latin1.GetBytes(sb.ToString());
    }
}
