using System.Runtime.InteropServices;

namespace EventSnn.Ingest;

/// <summary>
/// Metavision HDF5 event files (OpenEB's <c>HDF5EventFileWriter</c>; FORMATS.md §5.5): group <c>/CD</c> with the
/// compound dataset <c>events</c> (<see cref="MetavisionCdEvent"/>, 16 bytes) and <c>indexes</c>
/// (<see cref="MetavisionIndex"/>), group <c>/EXT_TRIGGER</c> with <c>events</c> (<see cref="MetavisionTriggerEvent"/>)
/// and <c>indexes</c>, root attribute <c>version</c> = "1.0". Datasets are chunked by <see cref="ChunkLength"/>
/// elements. Metavision compresses <c>/CD/events</c> with its ECF codec (HDF5 filter <see cref="EcfFilterId"/>),
/// which has no public specification: such files are refused (convert them with Metavision's tools to RAW or DAT).
/// </summary>
public static class MetavisionHdf5Layout
{
    /// <summary>Elements per chunk, as Metavision writes.</summary>
    public const int ChunkLength = 16384;

    /// <summary>HDF5 filter id of Prophesee's ECF codec (0x8ECF).</summary>
    public const int EcfFilterId = 36559;

    /// <summary>Time step of the <c>indexes</c> tables, in µs.</summary>
    public const long IndexStepUs = 2000;
}

/// <summary>One CD event of <c>/CD/events</c>: x, y in pixels, polarity (1 = ON), t in µs.</summary>
[StructLayout(LayoutKind.Explicit, Size = 16)]
public struct MetavisionCdEvent
{
    /// <summary>x in pixels (uint16 at byte 0).</summary>
    [FieldOffset(0)] public ushort X;
    /// <summary>y in pixels (uint16 at byte 2).</summary>
    [FieldOffset(2)] public ushort Y;
    /// <summary>Polarity, 1 = ON, 0 = OFF (int16 at byte 4).</summary>
    [FieldOffset(4)] public short P;
    /// <summary>Time in µs (int64 at byte 8).</summary>
    [FieldOffset(8)] public long T;
}

/// <summary>One external trigger of <c>/EXT_TRIGGER/events</c>: value (p), t in µs, channel id.</summary>
[StructLayout(LayoutKind.Explicit, Size = 24)]
public struct MetavisionTriggerEvent
{
    /// <summary>Edge value, 1 = rising (int16 at byte 0).</summary>
    [FieldOffset(0)] public short P;
    /// <summary>Time in µs (int64 at byte 8).</summary>
    [FieldOffset(8)] public long T;
    /// <summary>Trigger channel id (int16 at byte 16).</summary>
    [FieldOffset(16)] public short Id;
}

/// <summary>One entry of an <c>indexes</c> table: the first event index at or after time <see cref="Ts"/>.</summary>
[StructLayout(LayoutKind.Explicit, Size = 16)]
public struct MetavisionIndex
{
    /// <summary>Index of the first event with t ≥ <see cref="Ts"/> (uint64 at byte 0).</summary>
    [FieldOffset(0)] public ulong Id;
    /// <summary>Start of the time step, in µs (int64 at byte 8).</summary>
    [FieldOffset(8)] public long Ts;
}
