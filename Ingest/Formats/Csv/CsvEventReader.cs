using System.Globalization;
using System.Text;
using EventSnn.Ingest.Io;

namespace EventSnn.Ingest;

/// <summary>
/// Reads CSV events: one event per line as <c>t,x,y,p</c> (t in µs, p 1 = ON). An optional header line names the
/// columns (any order of t, x, y, p); lines starting with '#' are comments, and a comment of the form
/// <c># width=W height=H [source=NAME]</c> gives the sensor size. Empty lines are skipped.
/// </summary>
public sealed class CsvEventReader : EventReaderBase
{
    const int MaxLine = 4096;
    int[] _columns = [0, 1, 2, 3]; // position of t, x, y, p in a row

    internal CsvEventReader(ByteSource source, EventReadOptions? options) : base(source, options)
    {
        // Comments and the header come before the data; read them now so the size is known before the first batch.
        while (true)
        {
            int c = PeekByte();
            if (c < 0) break;
            if (c == '#')
            {
                string line = ReadHeaderLine(MaxLine) ?? "";
                ParseComment(line);
                continue;
            }
            if (c is 't' or 'x' or 'y' or 'p' or 'T' or 'X' or 'Y' or 'P')
            {
                long at = Source_.Position;
                string line = ReadHeaderLine(MaxLine) ?? "";
                ParseHeader(line, at);
            }
            break;
        }
    }

    /// <summary>Opens a CSV stream (taking ownership).</summary>
    public static CsvEventReader Open(Stream stream, string fileName, EventReadOptions? options = null)
        => new(new ByteSource(EventInput.FromStream(stream, fileName), true), options);

    /// <inheritdoc />
    public override string Format => "csv";

    void ParseComment(string line)
    {
        foreach (string part in line.TrimStart('#').Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = part.IndexOf('=');
            if (eq <= 0) continue;
            string key = part[..eq].ToLowerInvariant(), value = part[(eq + 1)..];
            if (key == "width" && int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int w)) Width = w;
            else if (key == "height" && int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int h)) Height = h;
            else if (key == "source") Source = value;
            else Meta[key] = value;
        }
    }

    void ParseHeader(string line, long at)
    {
        string[] names = line.Split(',');
        var cols = new int[] { -1, -1, -1, -1 };
        string order = "txyp";
        if (names.Length != 4) throw Source_.Error(at, "a header naming the four columns t,x,y,p", "\"" + line + "\"");
        for (int c = 0; c < 4; c++)
        {
            string n = names[c].Trim().ToLowerInvariant();
            int k = n.Length == 1 ? order.IndexOf(n[0]) : -1;
            if (k < 0) throw Source_.Error(at, "a header naming the four columns t,x,y,p", "\"" + line + "\"");
            if (cols[k] >= 0) throw Source_.Error(at, "each of t,x,y,p once in the header", $"'{order[k]}' twice in \"{line}\"");
            cols[k] = c;
        }
        if (cols.Distinct().Count() != 4) throw Source_.Error(at, "each of t,x,y,p once in the header", "\"" + line + "\"");
        _columns = cols;
    }

    private protected override bool FillBatch(EventBatch batch, int batchSize)
    {
        Span<long> cells = stackalloc long[4];
        while (batch.Count < batchSize)
        {
            int have = Source_.Fill(MaxLine + 2);
            if (have == 0) return false;
            var span = Source_.Available;
            int nl = span.IndexOf((byte)'\n');
            if (nl < 0)
            {
                if (have > MaxLine) throw Source_.Error(Source_.Position, $"a line of at most {MaxLine} bytes");
                nl = span.Length; // last line without a newline
            }
            var line = span[..nl];
            if (line.Length > 0 && line[^1] == '\r') line = line[..^1];
            long at = Source_.Position;
            if (line.Length > 0 && line[0] != '#')
            {
                ParseRow(line, at, cells);
                long t = cells[_columns[0]], x = cells[_columns[1]], y = cells[_columns[2]], p = cells[_columns[3]];
                if (x > ushort.MaxValue || y > ushort.MaxValue) throw Source_.Error(at, "x and y within 0..65535", $"x={x}, y={y}");
                if (p > 1) throw Source_.Error(at, "polarity 0 or 1", p.ToString(CultureInfo.InvariantCulture));
                batch.Add(t, (ushort)x, (ushort)y, (byte)p);
            }
            Source_.Advance(Math.Min(nl + 1, span.Length));
        }
        return true;
    }

    void ParseRow(ReadOnlySpan<byte> line, long at, Span<long> cells)
    {
        int c = 0, i = 0;
        while (true)
        {
            while (i < line.Length && line[i] == ' ') i++;
            int cellStart = i;
            bool neg = i < line.Length && line[i] == '-';
            if (neg) i++;
            int digits = 0;
            long v = 0;
            while (i < line.Length && (uint)(line[i] - '0') <= 9)
            {
                int d = line[i] - '0';
                if (v > (long.MaxValue - d) / 10)
                    throw Source_.Error(at + cellStart, $"an integer of at most {long.MaxValue} (19 digits)", "\"" + Encoding.ASCII.GetString(line[cellStart..Math.Min(line.Length, cellStart + 40)]) + "\"");
                v = v * 10 + d;
                digits++;
                i++;
            }
            while (i < line.Length && line[i] == ' ') i++;
            if (digits == 0 || c >= 4 || (neg && c != _columns[0])) throw Source_.Error(at + cellStart, "a row of four integers t,x,y,p (t may be negative)", "\"" + Encoding.ASCII.GetString(line[..Math.Min(line.Length, 60)]) + "\"");
            cells[c++] = neg ? -v : v;
            if (i == line.Length) break;
            if (line[i] != ',') throw Source_.Error(at + i, "',' between integers", "\"" + (char)line[i] + "\"");
            i++;
        }
        if (c != 4) throw Source_.Error(at, "four comma-separated integers t,x,y,p", $"{c} value(s)");
    }
}
