namespace EventSnn.Model.Cutoff;

/// <summary>The baseline: every sample runs exactly <see cref="Timestep"/> steps (or T if that is smaller).</summary>
public sealed class FixedPolicy(int timestep) : ICutoffPolicy
{
    /// <summary>The 1-based step at which every sample stops.</summary>
    public int Timestep { get; } = timestep >= 1 ? timestep : throw new ArgumentOutOfRangeException(nameof(timestep), "timestep must be ≥ 1");

    public CutoffPolicyKind Policy => CutoffPolicyKind.Fixed;
    public string Parameter => "timestep";
    public double Setting => Timestep;
    public IReadOnlyList<double>? Thresholds => null;

    public bool ShouldExit(ReadOnlySpan<float> accumulated, int t) => t >= Timestep;
}
