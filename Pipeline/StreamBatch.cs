using EventSnn.Ingest;

namespace EventSnn.Pipeline;

/// <summary>
/// A batch of events from one stream as a source hands it on: the stream's name (for example the sender's
/// address), the events (owned by whoever holds the batch; dispose once consumed) and the moment the
/// last of them arrived, in <see cref="System.Diagnostics.Stopwatch"/> ticks of this process.
/// </summary>
/// <param name="Stream">Name of the stream the events belong to; each stream has its own bins and network state.</param>
/// <param name="Events">The events, timestamps in µs of the stream's own clock.</param>
/// <param name="ArrivalTicks">When the bytes carrying the last event were read, in Stopwatch ticks.</param>
public readonly record struct StreamBatch(string Stream, EventBatch Events, long ArrivalTicks);
