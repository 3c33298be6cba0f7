using PureHDF;

namespace EventSnn.Ingest;

/// <summary>
/// Writes Metavision HDF5 files without compression in the layout of <see cref="MetavisionHdf5Layout"/>:
/// <c>/CD/events</c> and <c>/EXT_TRIGGER/events</c> chunked by 16384 elements, <c>indexes</c> tables with one entry
/// per 2000 µs from 0 to the last time (the index of the first event at or after that time), root attributes
/// <c>version</c> = "1.0", <c>format</c> = "ECF-free (uncompressed)", <c>geometry</c> = "WxH", <c>width</c>,
/// <c>height</c>. Refuses polarity other than 0/1, negative timestamps and timestamps decreasing (the indexes need
/// order).
/// </summary>
public static class MetavisionHdf5Writer
{
    /// <summary>Largest span the indexes cover, in µs (bounds their size: 2^36 µs ≈ 19 h → 34 M entries at most).</summary>
    public const long MaxTimestampUs = 1L << 36;

    /// <summary>Writes <paramref name="events"/> (and the options' triggers) to a new file at <paramref name="path"/>.</summary>
    public static void Write(string path, EventBatch events, EventWriteOptions? options = null)
    {
        options ??= EventWriteOptions.Default;
        EventRangeCheck.Check("Metavision HDF5", events, 65536, 65536, 0, MaxTimestampUs);
        var t = events.T;
        for (int i = 1; i < t.Length; i++)
            if (t[i] < t[i - 1]) throw EventRangeCheck.Refuse("Metavision HDF5", i, events, "timestamps must not decrease (the indexes need time order)");
        var cd = new MetavisionCdEvent[events.Count];
        var x = events.X; var y = events.Y; var p = events.P;
        for (int i = 0; i < cd.Length; i++) cd[i] = new MetavisionCdEvent { X = x[i], Y = y[i], P = p[i], T = t[i] };
        var triggers = options.Triggers ?? [];
        var trig = new MetavisionTriggerEvent[triggers.Count];
        for (int i = 0; i < trig.Length; i++)
        {
            var g = triggers[i];
            if (g.TimeUs < 0 || g.TimeUs > MaxTimestampUs || g.Id is < 0 or > short.MaxValue || g.Value is not (0 or 1) || (i > 0 && g.TimeUs < triggers[i - 1].TimeUs))
                throw new ArgumentException($"Metavision HDF5 cannot hold trigger {i} (t={g.TimeUs} µs, id={g.Id}, value={g.Value})");
            trig[i] = new MetavisionTriggerEvent { P = (short)g.Value, T = g.TimeUs, Id = (short)g.Id };
        }
        var (w, h) = RawWriterSupport.Geometry(events);
        var file = new H5File
        {
            ["CD"] = new H5Group
            {
                ["events"] = Chunked(cd),
                ["indexes"] = Indexes(t.ToArray()),
            },
            ["EXT_TRIGGER"] = new H5Group
            {
                ["events"] = Chunked(trig),
                ["indexes"] = Indexes(Array.ConvertAll(trig, g => g.T)),
            },
        };
        file.Attributes = new Dictionary<string, object>
        {
            ["version"] = "1.0",
            ["format"] = "uncompressed",
            ["geometry"] = $"{w}x{h}",
            ["width"] = w,
            ["height"] = h,
        };
        if (!string.IsNullOrEmpty(options.Source)) file.Attributes["camera_integrator_name"] = options.Source;
        file.Write(path, new H5WriteOptions(FieldNameMapper: f => f.Name.ToLowerInvariant()));
    }

    // HDF5 chunks may not exceed the dataset: an empty dataset is stored contiguous.
    static H5Dataset Chunked<T>(T[] data) => data.Length == 0 ? new H5Dataset(data)
        : new H5Dataset(data, chunks: [(uint)Math.Min(data.Length, MetavisionHdf5Layout.ChunkLength)]);

    static H5Dataset Indexes(long[] times)
    {
        int n = times.Length;
        long last = n == 0 ? -1 : times[n - 1];
        int entries = (int)(last / MetavisionHdf5Layout.IndexStepUs + 1);
        var idx = new MetavisionIndex[Math.Max(entries, 0)];
        int k = 0;
        for (int e = 0; e < idx.Length; e++)
        {
            long ts = e * MetavisionHdf5Layout.IndexStepUs;
            while (k < n && times[k] < ts) k++;
            idx[e] = new MetavisionIndex { Id = (ulong)k, Ts = ts };
        }
        var d = Chunked(idx);
        d.Attributes = new Dictionary<string, object> { ["offset"] = "0" };
        return d;
    }
}
