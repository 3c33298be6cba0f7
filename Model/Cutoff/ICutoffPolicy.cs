namespace EventSnn.Model.Cutoff;

/// <summary>
/// An early-exit rule over the accumulated output <c>Y(t) = O(1) + … + O(t)</c>. Used online (streaming: call
/// once per timestep with the running sum) and offline (<see cref="CutoffSimulator"/> replays the same calls).
/// The last timestep always exits; that is the caller's job, not the policy's.
/// </summary>
public interface ICutoffPolicy
{
    /// <summary>Policy family.</summary>
    CutoffPolicyKind Policy { get; }

    /// <summary>Name of the swept parameter ("epsilon", "threshold", "coverage", "timestep").</summary>
    string Parameter { get; }

    /// <summary>Value of the swept parameter for this instance.</summary>
    double Setting { get; }

    /// <summary>Per-timestep thresholds (index t−1) where the rule has them, else null.</summary>
    IReadOnlyList<double>? Thresholds { get; }

    /// <summary>True when the sample may stop at 1-based timestep <paramref name="t"/> given <c>Y(t)</c>.</summary>
    bool ShouldExit(ReadOnlySpan<float> accumulated, int t);
}
