namespace EventSnn.Ingest;

/// <summary>Writers refuse events their format cannot hold; this names the event and the limit.</summary>
internal static class EventRangeCheck
{
    public static ArgumentException Refuse(string format, int index, EventBatch events, string what)
    {
        var (t, x, y, p) = events[index];
        return new ArgumentException($"{format} cannot hold event {index} (t={t} µs, x={x}, y={y}, p={p}): {what}");
    }

    /// <summary>Checks x &lt; maxX, y &lt; maxY, p ∈ {0, 1}, minT ≤ t ≤ maxT for every event.</summary>
    public static void Check(string format, EventBatch events, int maxX, int maxY, long minT, long maxT)
    {
        var t = events.T; var x = events.X; var y = events.Y; var p = events.P;
        for (int i = 0; i < t.Length; i++)
        {
            if (x[i] >= maxX) throw Refuse(format, i, events, $"x must be below {maxX}");
            if (y[i] >= maxY) throw Refuse(format, i, events, $"y must be below {maxY}");
            if (p[i] > 1) throw Refuse(format, i, events, "polarity must be 0 or 1");
            if (t[i] < minT || t[i] > maxT) throw Refuse(format, i, events, $"t must be within {minT}..{maxT} µs");
        }
    }
}
