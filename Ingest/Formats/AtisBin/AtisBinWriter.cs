namespace EventSnn.Ingest;

/// <summary>
/// Writes N-MNIST / N-Caltech101 <c>.bin</c> files. Refuses what the 40-bit record cannot hold without overflow
/// records: x or y above 255, y = 240 (the overflow marker), t outside 0 … 2^23 − 1 µs.
/// </summary>
public static class AtisBinWriter
{
    /// <summary>Largest timestamp a record holds, in µs.</summary>
    public const long MaxTimestampUs = (1 << 23) - 1;

    /// <summary>Writes <paramref name="events"/> to <paramref name="stream"/>.</summary>
    public static void Write(Stream stream, EventBatch events)
    {
        EventRangeCheck.Check(".bin (ATIS)", events, 256, 256, 0, MaxTimestampUs);
        var y = events.Y;
        for (int i = 0; i < y.Length; i++)
            if (y[i] == AtisBinDecoder.OverflowY)
                throw EventRangeCheck.Refuse(".bin (ATIS)", i, events, "y = 240 is reserved for overflow records");
        var t = events.T; var x = events.X; var p = events.P;
        var buffer = new byte[5 * 8192];
        int fill = 0;
        for (int i = 0; i < t.Length; i++)
        {
            long ts = t[i];
            buffer[fill] = (byte)x[i];
            buffer[fill + 1] = (byte)y[i];
            buffer[fill + 2] = (byte)((p[i] << 7) | (int)(ts >> 16));
            buffer[fill + 3] = (byte)(ts >> 8);
            buffer[fill + 4] = (byte)ts;
            fill += 5;
            if (fill == buffer.Length) { stream.Write(buffer, 0, fill); fill = 0; }
        }
        stream.Write(buffer, 0, fill);
    }
}
