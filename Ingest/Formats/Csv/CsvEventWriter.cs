using System.Globalization;
using System.Text;

namespace EventSnn.Ingest;

/// <summary>Writes CSV events: a "# width=W height=H" comment, the header "t,x,y,p", then one row per event.</summary>
public static class CsvEventWriter
{
    /// <summary>Writes <paramref name="events"/> (p must be 0 or 1); <paramref name="header"/> false appends rows only (streaming, batch after batch).</summary>
    public static void Write(Stream stream, EventBatch events, string? source = null, bool header = true)
    {
        EventRangeCheck.Check("CSV", events, 65536, 65536, long.MinValue, long.MaxValue);
        using var w = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true) { NewLine = "\n" };
        if (header)
        {
            w.Write(string.Create(CultureInfo.InvariantCulture, $"# width={events.Width} height={events.Height}"));
            if (!string.IsNullOrWhiteSpace(source)) w.Write(" source=" + source.Replace(' ', '_'));
            w.WriteLine();
            w.WriteLine("t,x,y,p");
        }
        var t = events.T; var x = events.X; var y = events.Y; var p = events.P;
        Span<char> buf = stackalloc char[64];
        for (int i = 0; i < t.Length; i++)
        {
            int n = 0;
            t[i].TryFormat(buf, out int k, default, CultureInfo.InvariantCulture); n += k; buf[n++] = ',';
            x[i].TryFormat(buf[n..], out k, default, CultureInfo.InvariantCulture); n += k; buf[n++] = ',';
            y[i].TryFormat(buf[n..], out k, default, CultureInfo.InvariantCulture); n += k; buf[n++] = ',';
            buf[n++] = (char)('0' + p[i]);
            buf[n++] = '\n';
            w.Write(buf[..n]);
        }
    }
}
