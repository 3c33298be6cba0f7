using PureHDF;

namespace EventSnn.Ingest;

/// <summary>Writes events in the layout of <see cref="Hdf5EventLayout"/> (PureHDF).</summary>
public static class Hdf5EventWriter
{
    /// <summary>Writes <paramref name="events"/> to a new HDF5 file at <paramref name="path"/>.</summary>
    public static void Write(string path, EventBatch events, string? source = null)
    {
        EventRangeCheck.Check("HDF5", events, 65536, 65536, long.MinValue, long.MaxValue);
        int n = events.Count;
        uint chunk = (uint)Math.Clamp(n, 1, Hdf5EventLayout.ChunkLength);
        var group = new H5Group
        {
            ["t"] = new H5Dataset(events.T.ToArray(), chunks: [chunk]),
            ["x"] = new H5Dataset(events.X.ToArray(), chunks: [chunk]),
            ["y"] = new H5Dataset(events.Y.ToArray(), chunks: [chunk]),
            ["p"] = new H5Dataset(events.P.ToArray(), chunks: [chunk]),
        };
        group.Attributes = new Dictionary<string, object> { ["width"] = events.Width, ["height"] = events.Height };
        if (!string.IsNullOrEmpty(source)) group.Attributes["source"] = source;
        var file = new H5File { [Hdf5EventLayout.Group] = group };
        file.Write(path);
    }
}
