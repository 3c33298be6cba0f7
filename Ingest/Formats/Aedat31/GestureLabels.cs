using System.Globalization;
using System.Text;

namespace EventSnn.Ingest;

/// <summary>One row of a DVS128 Gesture labels CSV: class 1…11 and the window [StartUs, EndUs) in the recording's µs time base.</summary>
public readonly record struct GestureLabel(int Class, long StartUs, long EndUs);

/// <summary>
/// The DVS128 Gesture labels CSV (<c>userNN_lighting_labels.csv</c>: header "class,startTime_usec,endTime_usec", then
/// one row per gesture; rows are not sorted by class and a class may repeat) and the cutting of a recording into
/// labelled windows [start, end), as SpikingJelly does (FORMATS.md §3.3).
/// </summary>
public static class GestureLabels
{
    /// <summary>Parses a labels file.</summary>
    public static IReadOnlyList<GestureLabel> Parse(string path)
    {
        using var fs = File.OpenRead(path);
        return Parse(fs, path);
    }

    /// <summary>Parses labels from a stream; <paramref name="name"/> names it in errors.</summary>
    public static IReadOnlyList<GestureLabel> Parse(Stream stream, string name = "<stream>")
    {
        const int maxBytes = 16 << 20;
        var ms = new MemoryStream();
        var chunk = new byte[1 << 16];
        for (int n; (n = stream.Read(chunk)) > 0;)
        {
            if (ms.Length + n > maxBytes) throw new EventFormatException(name, null, ms.Length, $"a labels file of at most {maxBytes} bytes");
            ms.Write(chunk, 0, n);
        }
        byte[] bytes = ms.ToArray();
        var labels = new List<GestureLabel>();
        int lineNo = 0;
        for (int lineStart = 0; lineStart < bytes.Length;)
        {
            int nl = Array.IndexOf(bytes, (byte)'\n', lineStart);
            int end = nl < 0 ? bytes.Length : nl;
            string text = Encoding.UTF8.GetString(bytes, lineStart, end - lineStart).Trim().TrimStart('\uFEFF');
            int at = lineStart;
            lineStart = end + 1;
            lineNo++;
            if (text.Length == 0) continue;
            if (lineNo == 1 && text.StartsWith("class", StringComparison.OrdinalIgnoreCase)) continue;
            string[] cells = text.Split(',');
            if (cells.Length != 3
                || !int.TryParse(cells[0].Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int cls)
                || !long.TryParse(cells[1].Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out long start)
                || !long.TryParse(cells[2].Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out long stop))
                throw new EventFormatException(name, null, at, $"line {lineNo}: \"class,startTime_usec,endTime_usec\" as three integers", "\"" + Clip(text) + "\"");
            if (cls < 1) throw new EventFormatException(name, null, at, $"line {lineNo}: a class ≥ 1", cls.ToString(CultureInfo.InvariantCulture));
            if (stop < start) throw new EventFormatException(name, null, at, $"line {lineNo}: endTime_usec ≥ startTime_usec", $"{start}..{stop}");
            labels.Add(new GestureLabel(cls, start, stop));
        }
        return labels;
    }

    /// <summary>
    /// Cuts <paramref name="events"/> into one new pooled batch per label holding the events with StartUs ≤ t &lt; EndUs,
    /// in file order, timestamps unchanged. The caller disposes the batches.
    /// </summary>
    public static IReadOnlyList<(GestureLabel Label, EventBatch Events)> Cut(EventBatch events, IReadOnlyList<GestureLabel> labels)
    {
        var t = events.T;
        bool sorted = true;
        for (int i = 1; i < t.Length && sorted; i++) sorted = t[i] >= t[i - 1];
        var result = new List<(GestureLabel, EventBatch)>(labels.Count);
        foreach (var label in labels)
        {
            if (sorted)
            {
                int a = LowerBound(t, label.StartUs), b = LowerBound(t, label.EndUs);
                result.Add((label, events.Slice(a, Math.Max(0, b - a))));
            }
            else
            {
                var part = new EventBatch(16, events.Width, events.Height);
                for (int i = 0; i < t.Length; i++)
                    if (t[i] >= label.StartUs && t[i] < label.EndUs) part.Add(t[i], events.X[i], events.Y[i], events.P[i]);
                result.Add((label, part));
            }
        }
        return result;
    }

    /// <summary>Writes labels in the dataset's own CSV layout.</summary>
    public static void Write(Stream stream, IEnumerable<GestureLabel> labels)
    {
        var sb = new StringBuilder("class,startTime_usec,endTime_usec\r\n");
        foreach (var l in labels) sb.Append(CultureInfo.InvariantCulture, $"{l.Class},{l.StartUs},{l.EndUs}\r\n");
        stream.Write(Encoding.ASCII.GetBytes(sb.ToString()));
    }

    static int LowerBound(ReadOnlySpan<long> t, long value)
    {
        int lo = 0, hi = t.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (t[mid] < value) lo = mid + 1; else hi = mid;
        }
        return lo;
    }

    static string Clip(string s) => s.Length > 60 ? s[..60] + "…" : s;
}
