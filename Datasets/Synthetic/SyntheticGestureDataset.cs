using EventSnn.Ingest;

namespace EventSnn.Datasets.Synthetic;

/// <summary>
/// The synthetic gesture dataset: an event-camera emulator watching scenes that move like the 11 DVS128 Gesture
/// classes, written in DVS128 Gesture's own layout (<c>DvsGesture/userNN_&lt;lighting&gt;.aedat</c> AEDAT 3.1 128×128,
/// <c>userNN_&lt;lighting&gt;_labels.csv</c>, <c>trials_to_train.txt</c>, <c>trials_to_test.txt</c>) and packed as
/// <c>DvsGesture.tar.gz</c>, so the real loader (<see cref="DatasetCatalog.Open"/> "dvsgesture") reads it.
/// Deterministic: the same <see cref="SyntheticOptions"/> give bit-identical recordings.
/// </summary>
public static partial class SyntheticGestureDataset
{
    /// <summary>
    /// Version of the scene generator. It changes whenever the same options would render different recordings, so
    /// that a folder made by an older generator is recognised and rendered again rather than reused.
    /// </summary>
    public const int GeneratorVersion = 3;

    /// <summary>
    /// Frame settings recommended for training on this dataset: the method's equal-time-slices rule with
    /// <paramref name="t"/> bins over each whole gesture window, 128×128 summed into 32×32 cells (factor 4). Hands are
    /// 11–18 px wide, so every class stays distinguishable at 32×32.
    /// </summary>
    public static FrameSettings RecommendedFrameSettings(int t = 16) =>
        FrameSettings.For(128, 128, t, 4, EventSnn.Ingest.Binning.BinningRule.EqualTimeSlices(t));

    /// <summary>Trial name of trial <paramref name="index"/> (0-based), e.g. <c>user01_fluorescent</c>.</summary>
    public static string TrialName(SyntheticOptions options, int index) =>
        $"user{index / options.TrialsPerUser + 1:00}_{SyntheticTrial.Lighting(index)}";

    /// <summary>Whether trial <paramref name="index"/> belongs to the test split (its user is among the last ones).</summary>
    public static bool IsTestTrial(SyntheticOptions options, int index) =>
        index / options.TrialsPerUser >= options.Users - options.TestUsers;

    /// <summary>Renders trial <paramref name="index"/>: its events (time-ordered, 128×128, µs) and label windows. The caller disposes the batch.</summary>
    public static (EventBatch Events, IReadOnlyList<SyntheticLabel> Labels) GenerateTrial(SyntheticOptions options, int index)
    {
        options.Validate();
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        var (events, labels) = SyntheticTrial.Generate(options, index);
        return (events, labels);
    }
}
