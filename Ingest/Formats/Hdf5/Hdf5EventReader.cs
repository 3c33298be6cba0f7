namespace EventSnn.Ingest;
/// <summary>HDF5 reader (in progress).</summary>
public static class Hdf5EventReader
{
    /// <summary>Not implemented yet.</summary>
    public static IEventReader Open(EventInput input, EventReadOptions? options) => throw new NotSupportedException("HDF5 reading is not implemented yet");
}
/// <summary>HDF5 writer (in progress).</summary>
public static class Hdf5EventWriter
{
    /// <summary>Not implemented yet.</summary>
    public static void Write(string path, EventBatch events, string? source) => throw new NotSupportedException("HDF5 writing is not implemented yet");
}
