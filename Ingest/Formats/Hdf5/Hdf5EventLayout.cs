namespace EventSnn.Ingest;

/// <summary>
/// The project's HDF5 event layout (readable by h5py): group <c>/events</c> with four 1-D chunked datasets of equal
/// length, <c>t</c> (int64, µs), <c>x</c> (uint16), <c>y</c> (uint16), <c>p</c> (uint8, 1 = ON), and int32 attributes
/// <c>width</c> and <c>height</c> (pixels) on <c>/events</c>, plus an optional string attribute <c>source</c>.
/// Chunks of <see cref="ChunkLength"/> elements let a reader stream a large file slice by slice. Readers also accept
/// other integer widths for the columns (t 4 or 8 bytes, x/y/p 1–8 bytes) as written by other tools.
/// </summary>
public static class Hdf5EventLayout
{
    /// <summary>Group holding the columns.</summary>
    public const string Group = "events";

    /// <summary>Elements per chunk.</summary>
    public const int ChunkLength = 65536;
}
