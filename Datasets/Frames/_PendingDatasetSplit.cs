namespace EventSnn.Datasets;

/// <summary>Temporary: replaced by the datasets area's definition on merge.</summary>
public enum DatasetSplit { Train, Test }
