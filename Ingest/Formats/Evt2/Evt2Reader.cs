using EventSnn.Ingest.Io;

namespace EventSnn.Ingest;

/// <summary>
/// Reads Prophesee EVT 2.0 <c>.raw</c> recordings (<see cref="Evt2Decoder"/>): the '%' header, then 32-bit words.
/// Sensor size from the header's format or geometry line, else <see cref="EventReadOptions.SensorWidth"/>, else
/// unknown (0); "sensor_size_from" in the metadata says which.
/// </summary>
public sealed class Evt2Reader : RawReaderBase
{
    Evt2State _state;

    internal Evt2Reader(ByteSource source, EventReadOptions? options) : base(source, options, "evt2", wordSize: 4, maxEventsPerWord: 1) { }

    /// <summary>Opens an EVT 2.0 stream (taking ownership); <paramref name="fileName"/> names it in errors.</summary>
    public static Evt2Reader Open(Stream stream, string fileName, EventReadOptions? options = null)
        => new(new ByteSource(EventInput.FromStream(stream, fileName), true), options);

    private protected override int Decode(ReadOnlySpan<byte> words, EventBatch into, int limit, List<ExternalTrigger> triggers)
        => Evt2Decoder.Decode(words, ref _state, into, limit, triggers);

    private protected override void PublishCounters()
        => PublishCounters(_state.Loops, _state.SkippedBeforeTimeHigh, _state.IgnoredWords, _state.ReservedWords, _state.TimeHighBackwards);
}
