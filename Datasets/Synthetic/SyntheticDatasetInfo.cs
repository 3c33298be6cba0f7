namespace EventSnn.Datasets.Synthetic;

/// <summary>What <see cref="SyntheticGestureDataset.Generate"/> wrote.</summary>
/// <param name="Root">Output folder (holds <c>DvsGesture/</c> and/or <c>DvsGesture.tar.gz</c>).</param>
/// <param name="Folder">The extracted dataset folder, or null when not kept.</param>
/// <param name="Archive">The tarball, or null when not written.</param>
/// <param name="TrainTrials">Trials listed in trials_to_train.txt.</param>
/// <param name="TestTrials">Trials listed in trials_to_test.txt.</param>
/// <param name="TrainSamples">Labelled windows of the training trials.</param>
/// <param name="TestSamples">Labelled windows of the test trials.</param>
/// <param name="Events">Events in all recordings.</param>
/// <param name="Seconds">Wall-clock generation time.</param>
public sealed record SyntheticDatasetInfo(string Root, string? Folder, string? Archive, int TrainTrials, int TestTrials,
    int TrainSamples, int TestSamples, long Events, double Seconds);
