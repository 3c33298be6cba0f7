namespace EventSnn.Ingest;

/// <summary>AEDAT 4 packet compression (IOHeader CompressionType).</summary>
public enum Aedat4Compression
{
    /// <summary>Bodies stored as is.</summary>
    None = 0,
    /// <summary>One LZ4 frame per packet.</summary>
    Lz4 = 1,
    /// <summary>LZ4 high compression (same frame format).</summary>
    Lz4High = 2,
    /// <summary>One Zstandard frame per packet.</summary>
    Zstd = 3,
    /// <summary>Zstandard at a high level (same frame format).</summary>
    ZstdHigh = 4,
}
