namespace EventSnn.Pipeline.Binning;

/// <summary>
/// One closed bin of one stream: the events counted into a frame laid out <c>[2, Height, Width]</c>
/// (channel 0 = OFF, 1 = ON, value = event count), as the network's single step takes it.
/// The frame comes from a pool: whoever consumes the bin calls <see cref="Release"/>.
/// </summary>
public sealed class EventBin
{
    internal EventBin(string stream, long sequence, float[] frame, int height, int width)
    {
        Stream = stream;
        Sequence = sequence;
        FrameArray = frame;
        Height = height;
        Width = width;
    }

    /// <summary>The stream the bin belongs to.</summary>
    public string Stream { get; }

    /// <summary>Index of the bin within its stream, from 0, without gaps (a gap downstream means a bin was dropped).</summary>
    public long Sequence { get; }

    /// <summary>Frame height in pixels (after downsampling).</summary>
    public int Height { get; }

    /// <summary>Frame width in pixels (after downsampling).</summary>
    public int Width { get; }

    internal float[] FrameArray { get; private set; }

    /// <summary>The frame, <c>2 * Height * Width</c> counts.</summary>
    public ReadOnlySpan<float> Frame => FrameArray.AsSpan(0, 2 * Height * Width);

    /// <summary>Event time of the bin's start, µs.</summary>
    public long StartUs { get; internal set; }

    /// <summary>Event time of the bin's end (exclusive), µs: start + window for time bins, last event + 1 for count bins.</summary>
    public long EndUs { get; internal set; }

    /// <summary>Events counted into the frame.</summary>
    public int EventCount { get; internal set; }

    /// <summary>When the bytes carrying the bin's last event were read (Stopwatch ticks); 0 for an empty bin.</summary>
    public long LastArrivalTicks { get; internal set; }

    /// <summary>What closed the bin.</summary>
    public BinCloseReason Reason { get; internal set; }

    /// <summary>Wall-clock time (<see cref="System.Diagnostics.Stopwatch"/> ticks) at which the bin was closed.</summary>
    public long ClosedTicks { get; internal set; }

    /// <summary>Returns the frame to its pool; the bin must not be used afterwards.</summary>
    public void Release()
    {
        var frame = FrameArray;
        FrameArray = Array.Empty<float>();
        if (frame.Length > 0) System.Buffers.ArrayPool<float>.Shared.Return(frame);
    }
}
