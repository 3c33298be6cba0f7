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

    internal Evt21Reader(ByteSource source, EventReadOptions? options) : base(source, options, "evt2.1") { }

    /// <summary>Opens an EVT 2.1 stream (taking ownership); <paramref name="fileName"/> names it in errors.</summary>
    public static Evt21Reader Open(Stream stream, string fileName, EventReadOptions? options = null)
        => new(new ByteSource(EventInput.FromStream(stream, fileName), true), options);

    /// <inheritdoc />
    public override string Format => "evt2.1";

    private protected override int WordSize => 8;
    private protected override int MaxEventsPerWord => 32;

    private protected override int Decode(ReadOnlySpan<byte> words, EventBatch into, int limit, List<ExternalTrigger> triggers)
        => Evt21Decoder.Decode(words, Legacy, ref _state, into, limit, triggers);

    private protected override void PublishCounters()
    {
        Meta["time_loops"] = Count(_state.Loops);
        Meta["skipped_before_time_high"] = Count(_state.SkippedBeforeTimeHigh);
        Meta["ignored_words"] = Count(_state.IgnoredWords);
        Meta["reserved_words"] = Count(_state.ReservedWords);
        if (_state.TimeHighBackwards > 0) Meta["time_high_backwards"] = Count(_state.TimeHighBackwards);
    }
}
