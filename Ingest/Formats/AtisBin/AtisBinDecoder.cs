namespace EventSnn.Ingest;

/// <summary>
/// Decodes N-MNIST / N-Caltech101 ATIS records (5 bytes: x, y, bit 7 of byte 2 = polarity (1 = ON), 23-bit µs timestamp
/// in the rest, most significant byte first). A record with y = 240 is a timestamp-overflow marker: as in Garrick
/// Orchard's read_dataset and Tonic, it is dropped and 2^13 µs is added to every later timestamp (FORMATS.md §2.2).
/// </summary>
public static class AtisBinDecoder
{
    /// <summary>Bytes per record.</summary>
    public const int RecordSize = 5;

    /// <summary>Timestamp added per overflow record, as the reference loaders do.</summary>
    public const long OverflowIncrementUs = 1 << 13;

    /// <summary>y value that marks an overflow record.</summary>
    public const int OverflowY = 240;

    /// <summary>
    /// Appends the events of the whole records in <paramref name="records"/>; <paramref name="timeOffset"/> carries the
    /// overflow total across calls. Returns records consumed.
    /// </summary>
    public static unsafe int Decode(ReadOnlySpan<byte> records, ref long timeOffset, EventBatch into)
    {
        int n = records.Length / RecordSize;
        into.EnsureCapacity(into.Count + n);
        int k = into.Count;
        long offset = timeOffset;
        fixed (byte* src = records)
        fixed (long* t = into.TArray)
        fixed (ushort* x = into.XArray, y = into.YArray)
        fixed (byte* p = into.PArray)
        {
            byte* r = src;
            for (int i = 0; i < n; i++, r += RecordSize)
            {
                uint b2 = r[2];
                if (r[1] == OverflowY) { offset += OverflowIncrementUs; continue; }
                x[k] = r[0];
                y[k] = r[1];
                p[k] = (byte)(b2 >> 7);
                t[k] = offset + (long)(((b2 & 0x7F) << 16) | ((uint)r[3] << 8) | r[4]);
                k++;
            }
        }
        into.Count = k;
        timeOffset = offset;
        return n;
    }
}
