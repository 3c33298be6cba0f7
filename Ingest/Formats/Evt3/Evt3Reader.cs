using EventSnn.Ingest.Io;

namespace EventSnn.Ingest;

/// <summary>
/// Reads Prophesee EVT 3.0 <c>.raw</c> recordings (<see cref="Evt3Decoder"/>): the '%' header, then 16-bit words.
/// Sensor size from the header's format or geometry line, else <see cref="EventReadOptions.SensorWidth"/>, else
/// 1280×720 as OpenEB assumes; "sensor_size_from" in the metadata says which.
/// </summary>
public sealed class Evt3Reader : RawReaderBase
{
    Evt3State _state;

    internal Evt3Reader(ByteSource source, EventReadOptions? options) : base(source, options, "evt3", wordSize: 2, maxEventsPerWord: 12) { }

    /// <summary>Opens an EVT 3.0 stream (taking ownership); <paramref name="fileName"/> names it in errors.</summary>
    public static Evt3Reader Open(Stream stream, string fileName, EventReadOptions? options = null)
        => new(new ByteSource(EventInput.FromStream(stream, fileName), true), options);

    private protected override int Decode(ReadOnlySpan<byte> words, EventBatch into, int limit, List<ExternalTrigger> triggers)
        => Evt3Decoder.Decode(words, ref _state, into, limit, triggers);

    private protected override void PublishCounters()
        => PublishCounters(_state.Loops, _state.SkippedBeforeTimeHigh, _state.IgnoredWords, _state.ReservedWords, _state.TimeHighBackwards);
}
