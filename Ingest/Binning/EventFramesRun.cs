namespace EventSnn.Ingest.Binning;

/// <summary>What <see cref="EventFramesRun.Run"/> bins: one event file, cut by a rule, written as frames to HDF5.</summary>
public sealed record EventFramesRequest
{
    /// <summary>Any readable event file (or ARCHIVE#ENTRY).</summary>
    public required string Input { get; init; }

    /// <summary>Output HDF5 file (<see cref="FramesFile"/>).</summary>
    public required string Output { get; init; }

    /// <summary>The binning rule.</summary>
    public required BinningRule Rule { get; init; }

    /// <summary>Integer spatial downsampling factor.</summary>
    public int Downsample { get; init; } = 1;

    /// <summary>Sensor width to bin on (null: the file's; events beyond are cropped).</summary>
    public int? Width { get; init; }

    /// <summary>Sensor height to bin on (null: the file's).</summary>
    public int? Height { get; init; }

    /// <summary>Keep events with t ≥ this many µs first (null: from the start).</summary>
    public long? StartUs { get; init; }

    /// <summary>Keep events with t &lt; this many µs first (null: to the end).</summary>
    public long? EndUs { get; init; }

    /// <summary>Coordinate convention for AEDAT 2.0 input.</summary>
    public string Convention { get; init; } = "libcaer";
}

/// <summary>The frames <see cref="EventFramesRun.Run"/> wrote, the slices they count and how many events were binned.</summary>
public sealed record EventFramesOutcome(Frames Frames, EventSlice[] Slices, int Events);

/// <summary>Bins events into frames [T, 2, H, W] (channel 0 OFF, 1 ON, event counts) by a named rule and writes them to HDF5.</summary>
public static class EventFramesRun
{
    /// <summary>Most values (T·2·H·W float32) one frames file holds: 2^28, 1 GiB.</summary>
    public const long MaxFrameValues = 1L << 28;

    /// <summary>Reads, trims, checks the size, bins and writes; throws <see cref="ArgumentException"/> for settings it cannot honour.</summary>
    public static EventFramesOutcome Run(EventFramesRequest r)
    {
        var rule = r.Rule;
        using EventRecording rec = EventFile.ReadAll(r.Input, new EventReadOptions { Convention = r.Convention });
        EventBatch ev = rec.Events;
        int a = 0, b = ev.Count;
        var t = ev.T;
        if (r.StartUs is long s0) while (a < b && t[a] < s0) a++;
        if (r.EndUs is long s1) { int k = a; while (k < b && t[k] < s1) k++; b = k; }
        int w = r.Width ?? rec.Width, h = r.Height ?? rec.Height;
        int ds = r.Downsample;
        if (w <= 0 || h <= 0) throw new ArgumentException($"sensor size {w}x{h} unknown; give --width and --height");
        if (w > 65536 || h > 65536) throw new ArgumentException($"sensor size {w}x{h}: at most 65536 pixels a side");
        if (ds < 1 || ds > Math.Max(w, h)) throw new ArgumentException($"--downsample must be in 1..{Math.Max(w, h)}, got {ds}");
        var tt = ev.T[a..b]; var xx = ev.X[a..b]; var yy = ev.Y[a..b]; var pp = ev.P[a..b];
        EventSlice[] slices = EventBinner.Slices(tt, rule);
        if (slices.Length == 0) throw new ArgumentException($"rule {rule.Spec} yields no frame for these {b - a} events");
        long values = (long)slices.Length * 2 * ((h + ds - 1) / ds) * ((w + ds - 1) / ds);
        if (values > MaxFrameValues)
            throw new ArgumentException($"rule {rule.Spec} on {w}x{h} (downsample {ds}) gives {slices.Length} frames of {values / slices.Length} values: " +
                $"more than the {MaxFrameValues} values (1 GiB of float32) one frames file may hold; use fewer or coarser frames");
        Frames frames = EventBinner.Bin(tt, xx, yy, pp, rule, w, h, ds);
        FramesFile.Write(r.Output, frames, slices, rule.Spec, r.Input, ds);
        return new EventFramesOutcome(frames, slices, b - a);
    }
}
