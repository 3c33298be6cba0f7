using System.Text.Json.Serialization;

namespace EventSnn.Pipeline.Network;

/// <summary>Why the network stage decided.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<DecisionReason>))]
public enum DecisionReason
{
    /// <summary>The calibrated cutoff fired before T.</summary>
    Cutoff,
    /// <summary>T timesteps were reached.</summary>
    MaxTimesteps,
    /// <summary>The stream ended or went quiet before either; the decision uses the steps taken so far.</summary>
    StreamEnd,
}

/// <summary>
/// One decision on one stream. Property names are the JSON keys of <c>eventsnn stream classify</c>'s output.
/// </summary>
public sealed record StreamDecision
{
    /// <summary>The stream decided on.</summary>
    public required string Stream { get; init; }
    /// <summary>Index of the predicted class (argmax of the accumulated output Y(t)).</summary>
    public required int Class { get; init; }
    /// <summary>Name of the predicted class.</summary>
    public required string Label { get; init; }
    /// <summary>Softmax probability of the predicted class over the mean output Y(t)/t, in [0, 1].</summary>
    public required double Confidence { get; init; }
    /// <summary>Timesteps (bins) used, 1-based: the exit step.</summary>
    public required int Timestep { get; init; }
    /// <summary>Event time of the end of the deciding bin, µs of the stream's clock.</summary>
    public required long EventTimeUs { get; init; }
    /// <summary>Event time of the start of the first bin of this classification, µs.</summary>
    public required long StartTimeUs { get; init; }
    /// <summary>
    /// Wall-clock ms from the arrival of the deciding bin's last event to the decision; when that bin was closed by the
    /// quiet period or the stream's end, from the bin's close (the quiet wait itself is not counted).
    /// </summary>
    public required double LatencyMs { get; init; }
    /// <summary>Why it decided.</summary>
    public required DecisionReason Reason { get; init; }
    /// <summary>Events in the bins of this classification.</summary>
    public required long Events { get; init; }
    /// <summary>The accumulated output Y(t), one value per class.</summary>
    public required float[] Accumulated { get; init; }
}
