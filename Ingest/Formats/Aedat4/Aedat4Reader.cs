using EventSnn.Ingest.Io;
namespace EventSnn.Ingest;
/// <summary>AEDAT 4 reader (in progress).</summary>
public sealed class Aedat4Reader : EventReaderBase
{
    internal Aedat4Reader(ByteSource source, EventReadOptions? options) : base(source, options)
        => throw new NotSupportedException("AEDAT 4 reading is not implemented yet");
    /// <inheritdoc />
    public override string Format => "aedat4";
    private protected override bool FillBatch(EventBatch batch, int batchSize) => false;
}
/// <summary>AEDAT 4 writer (in progress).</summary>
public static class Aedat4Writer
{
    /// <summary>Not implemented yet.</summary>
    public static void WriteFile(Stream stream, EventBatch events, EventWriteOptions? options = null)
        => throw new NotSupportedException("AEDAT 4 writing is not implemented yet");
}
