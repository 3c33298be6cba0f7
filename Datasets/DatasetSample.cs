namespace EventSnn.Datasets;

/// <summary>
/// One labelled sample of an event dataset: where its events live and which time window they come from.
/// </summary>
/// <param name="Id">Stable identifier, unique in the dataset (e.g. <c>user01_led#3</c>, <c>airplane/cifar10_airplane_17</c>).</param>
/// <param name="Label">Class index, 0-based, into the dataset's class names.</param>
/// <param name="Source">File or archive path holding the recording.</param>
/// <param name="Entry">Entry inside the archive <see cref="Source"/>, or null for a plain file.</param>
/// <param name="StartUs">Window start (inclusive) in the recording's µs time base; <see cref="long.MinValue"/> = from the start.</param>
/// <param name="EndUs">Window end (exclusive) in µs; <see cref="long.MaxValue"/> = to the end.</param>
public sealed record DatasetSample(string Id, int Label, string Source, string? Entry = null,
    long StartUs = long.MinValue, long EndUs = long.MaxValue)
{
    /// <summary>The path as <c>ARCHIVE#ENTRY</c> (or the plain file path) for event readers.</summary>
    public string Location => Entry is null ? Source : Source + "#" + Entry;
}
