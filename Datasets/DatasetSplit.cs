namespace EventSnn.Datasets;

/// <summary>Which part of a dataset: the training or the test split.</summary>
public enum DatasetSplit
{
    /// <summary>Training split.</summary>
    Train,
    /// <summary>Test split.</summary>
    Test,
}
