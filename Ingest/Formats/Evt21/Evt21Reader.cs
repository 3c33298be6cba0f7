using EventSnn.Ingest.Io;

namespace EventSnn.Ingest;

/// <summary>
/// Reads Prophesee EVT 2.1 <c>.raw</c> recordings (<see cref="Evt21Decoder"/>): the '%' header, then 64-bit words;
/// <c>endianness=legacy</c> in the format line selects the swapped-halves word order. Sensor size as for
/// <see cref="Evt2Reader"/>.
/// </summary>
public sealed class Evt21Reader : RawReaderBase
{
    Evt2State _state;

    internal Evt21Reader(ByteSource source, EventReadOptions? options) : base(source, options, "evt2.1", wordSize: 8, maxEventsPerWord: 32) { }

    /// <summary>Opens an EVT 2.1 stream (taking ownership); <paramref name="fileName"/> names it in errors.</summary>
    public static Evt21Reader Open(Stream stream, string fileName, EventReadOptions? options = null)
        => new(new ByteSource(EventInput.FromStream(stream, fileName), true), options);

    private protected override int Decode(ReadOnlySpan<byte> words, EventBatch into, int limit, List<ExternalTrigger> triggers)
        => Evt21Decoder.Decode(words, Legacy, ref _state, into, limit, triggers);

    private protected override void PublishCounters()
        => PublishCounters(_state.Loops, _state.SkippedBeforeTimeHigh, _state.IgnoredWords, _state.ReservedWords, _state.TimeHighBackwards);
}
