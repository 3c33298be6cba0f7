using EventSnn.Ingest;

namespace EventSnn.Cli.Ingest;

/// <summary>What `events inspect` reports, gathered in one streaming pass (bounded memory whatever the file size).</summary>
internal sealed class EventSummary
{
    public const int Shown = 5;
    public required string Format { get; init; }
    public string? Source { get; init; }
    public int Width { get; set; }
    public int Height { get; set; }
    public long Events { get; private set; }
    public long On { get; private set; }
    public long Off => Events - On;
    public long? TFirst { get; private set; }
    public long? TLast { get; private set; }
    public long? TMin { get; private set; }
    public long? TMax { get; private set; }
    public int MaxX { get; private set; } = -1;
    public int MaxY { get; private set; } = -1;
    public bool Monotonic { get; private set; } = true;
    public List<(long T, int X, int Y, int P)> First { get; } = new();
    public Queue<(long T, int X, int Y, int P)> Last { get; } = new();
    public IReadOnlyDictionary<string, string> Metadata { get; set; } = new Dictionary<string, string>();
    public IReadOnlyList<string> Warnings { get; set; } = [];
    public IReadOnlyList<ExternalTrigger> Triggers { get; set; } = [];

    public static EventSummary Gather(IEventReader reader)
    {
        var s = new EventSummary { Format = reader.Format, Source = reader.Source, Width = reader.Width, Height = reader.Height };
        foreach (var batch in reader.ReadBatches())
            using (batch) s.Add(batch);
        s.Warnings = reader.Warnings;
        s.Triggers = reader.Triggers;
        s.Metadata = reader.Metadata;
        if (s.Width <= 0) s.Width = s.MaxX + 1;
        if (s.Height <= 0) s.Height = s.MaxY + 1;
        return s;
    }

    // Per batch, not per event through an interface: spans keep this pass close to the decode speed.
    void Add(EventBatch b)
    {
        var t = b.T; var x = b.X; var y = b.Y; var p = b.P;
        if (t.Length == 0) return;
        long on = 0, tmin = TMin ?? long.MaxValue, tmax = TMax ?? long.MinValue, prev = TLast ?? long.MinValue;
        int mx = MaxX, my = MaxY;
        bool mono = Monotonic;
        for (int i = 0; i < t.Length; i++)
        {
            long ti = t[i];
            on += p[i];
            if (ti < tmin) tmin = ti;
            if (ti > tmax) tmax = ti;
            if (ti < prev) mono = false;
            prev = ti;
            if (x[i] > mx) mx = x[i];
            if (y[i] > my) my = y[i];
        }
        for (int i = 0; i < t.Length && First.Count < Shown; i++) First.Add((t[i], x[i], y[i], p[i]));
        for (int i = Math.Max(0, t.Length - Shown); i < t.Length; i++)
        {
            Last.Enqueue((t[i], x[i], y[i], p[i]));
            if (Last.Count > Shown) Last.Dequeue();
        }
        TFirst ??= t[0];
        TLast = t[^1];
        TMin = tmin; TMax = tmax; MaxX = mx; MaxY = my; Monotonic = mono;
        Events += t.Length;
        On += on;
    }
}
