namespace EventSnn.Ingest;

/// <summary>How writers encode a file.</summary>
public sealed record EventWriteOptions
{
    /// <summary>For ".aedat": "2.0" (jAER DVS128, big-endian records) or "3.1" (default, libcaer packets).</summary>
    public string AedatVersion { get; init; } = "3.1";

    /// <summary>AEDAT 2.0 only: the convention the events are in, inverted on writing (see <see cref="EventReadOptions.Convention"/>).</summary>
    public string Convention { get; init; } = Aedat2Convention.LibcaerName;

    /// <summary>AEDAT 4 packet compression. Default LZ4.</summary>
    public Aedat4Compression Compression { get; init; } = Aedat4Compression.Lz4;

    /// <summary>Chip or camera name written into the header (AEDAT 3.1 "#Source", AEDAT 4 "source"); null = "DVS128" for 128×128, else "EventSnn".</summary>
    public string? Source { get; init; }

    /// <summary>Events per packet (AEDAT 3.1 and 4). Default 4096.</summary>
    public int EventsPerPacket { get; init; } = 4096;

    /// <summary>For ".h5"/".hdf5": "events" (default; the project's /events columns) or "metavision" (Metavision's /CD/events, uncompressed).</summary>
    public string Hdf5Layout { get; init; } = "events";

    /// <summary>For ".raw": the Prophesee encoding, "evt3" (default; vectorised, compact) or "evt2".</summary>
    public string RawEncoding { get; init; } = "evt3";

    /// <summary>
    /// External trigger events written alongside the events by the formats that hold them (EVT 2.0, EVT 3.0, Metavision
    /// HDF5), merged in time order; other formats ignore them. Null = none.
    /// </summary>
    public IReadOnlyList<ExternalTrigger>? Triggers { get; init; }

    /// <summary>The defaults.</summary>
    public static EventWriteOptions Default { get; } = new();
}
