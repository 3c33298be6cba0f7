using System.Text.Json.Serialization;

namespace EventSnn.Model.Cutoff;

/// <summary>Family of an early-exit rule (<see cref="ICutoffPolicy.Policy"/>), spelled as on the command line and in JSON.</summary>
public enum CutoffPolicyKind
{
    /// <summary>Exit at a fixed timestep.</summary>
    [JsonStringEnumMemberName("fixed")] Fixed,

    /// <summary>The method's Top-K gap rule (<see cref="TopKPolicy"/>).</summary>
    [JsonStringEnumMemberName("topk")] TopK,

    /// <summary>Top-K gap thresholds with a risk guarantee (<see cref="RiskControlledTopKPolicy"/>).</summary>
    [JsonStringEnumMemberName("topk-risk")] TopKRisk,

    /// <summary>Max-softmax confidence threshold.</summary>
    [JsonStringEnumMemberName("softmax")] Softmax,

    /// <summary>Normalised-entropy threshold.</summary>
    [JsonStringEnumMemberName("entropy")] Entropy,

    /// <summary>SpikeCP conformal thresholds (<see cref="ConformalPolicy"/>).</summary>
    [JsonStringEnumMemberName("conformal")] Conformal,
}
