using EventSnn.Ingest.Io;

namespace EventSnn.Ingest;

/// <summary>
/// Reads N-MNIST / N-Caltech101 <c>.bin</c> files (<see cref="AtisBinDecoder"/>). The files carry no sensor size, so
/// <see cref="IEventReader.Width"/>/<see cref="IEventReader.Height"/> are 0 (read-all uses 1 + the largest coordinate).
/// </summary>
public sealed class AtisBinReader : EventReaderBase
{
    long _timeOffset;

    internal AtisBinReader(ByteSource source, EventReadOptions? options) : base(source, options)
    {
        Meta["overflow_rule"] = "y==240 records dropped, +8192 us to later events (Orchard/Tonic)";
    }

    /// <summary>Opens a .bin stream (taking ownership); <paramref name="fileName"/> names it in errors.</summary>
    public static AtisBinReader Open(Stream stream, string fileName, EventReadOptions? options = null)
        => new(new ByteSource(EventInput.FromStream(stream, fileName), true), options);

    /// <inheritdoc />
    public override string Format => "bin";

    private protected override bool FillBatch(EventBatch batch, int batchSize)
    {
        int maxBytes = Source_.Capacity / 5 * 5;
        while (batch.Count < batchSize)
        {
            int want = (int)Math.Min((long)(batchSize - batch.Count) * 5, maxBytes);
            int have = Source_.Fill(want);
            if (have < 5)
            {
                if (have > 0) { CutShort(Source_.Position, "a whole 5-byte record", $"{have} trailing byte(s)"); Source_.Advance(have); }
                return false;
            }
            int bytes = Math.Min(have, want) / 5 * 5;
            int used = AtisBinDecoder.Decode(Source_.Available[..bytes], ref _timeOffset, batch);
            Source_.Advance(used * 5);
        }
        return true;
    }
}
