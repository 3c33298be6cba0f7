namespace EventSnn.Datasets;

/// <summary>A dataset folder or archive lacks files the loader needs; <see cref="Missing"/> names them.</summary>
public sealed class DatasetNotFoundException : FileNotFoundException
{
    /// <summary>Creates the error for dataset <paramref name="dataset"/> at <paramref name="root"/>.</summary>
    public DatasetNotFoundException(string dataset, string root, IReadOnlyList<string> missing, string? hint = null)
        : base($"{dataset} at '{root}': missing {string.Join(", ", missing.Take(8))}{(missing.Count > 8 ? $" and {missing.Count - 8} more" : "")}" +
               (hint is null ? "" : $". {hint}"), missing.Count > 0 ? missing[0] : root)
    {
        Dataset = dataset; Root = root; Missing = missing;
    }

    /// <summary>Catalog name of the dataset.</summary>
    public string Dataset { get; }

    /// <summary>The folder or archive that was opened.</summary>
    public string Root { get; }

    /// <summary>What is missing (file names, archive entries, class folders).</summary>
    public IReadOnlyList<string> Missing { get; }
}
