using PureHDF.Filters;

namespace EventSnn.Ingest;

/// <summary>
/// Stands in for Prophesee's ECF codec (HDF5 filter 36559) so that a chunk compressed with it is refused with a clear
/// error instead of being decoded wrongly or failing somewhere inside the HDF5 library.
/// </summary>
internal sealed class EcfRefusalFilter : IH5Filter
{
    static int _registered;

    /// <summary>Registers the filter with PureHDF once per process.</summary>
    public static void EnsureRegistered()
    {
        if (Interlocked.Exchange(ref _registered, 1) == 0) H5Filter.Register(new EcfRefusalFilter());
    }

    public ushort FilterId => MetavisionHdf5Layout.EcfFilterId;

    public string Name => "ecf";

    public Memory<byte> Filter(FilterInfo info) => throw new EcfChunkException();

    public uint[] GetParameters(uint[] chunkDimensions, uint typeSize, Dictionary<string, object>? options) => throw new EcfChunkException();
}

/// <summary>Raised by <see cref="EcfRefusalFilter"/>; turned into an <see cref="EventFormatException"/> by the reader.</summary>
internal sealed class EcfChunkException() : NotSupportedException("a chunk is compressed with Prophesee's ECF codec (HDF5 filter 36559)");
