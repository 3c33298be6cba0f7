namespace EventSnn.Datasets;

/// <summary>Opens a dataset by catalog name from the folder or archive a user downloaded.</summary>
public static class DatasetCatalog
{
    /// <summary>The catalog names.</summary>
    public static IReadOnlyList<string> Names { get; } = ["dvsgesture", "cifar10dvs", "ncaltech101", "ncars"];

    /// <summary>
    /// Opens <paramref name="name"/> (<c>dvsgesture</c>, <c>cifar10dvs</c>, <c>ncaltech101</c>, <c>ncars</c>) at <paramref name="root"/>:
    /// the downloaded archive, its extracted folder, or a folder holding either.
    /// </summary>
    /// <exception cref="ArgumentException">Unknown name.</exception>
    /// <exception cref="DatasetNotFoundException">Files the dataset needs are missing.</exception>
    public static IEventDataset Open(string name, string root, DatasetOptions? options = null)
    {
        options ??= DatasetOptions.Default;
        return Normalize(name) switch
        {
            "dvsgesture" => DvsGestureDataset.Open(root),
            "cifar10dvs" => Cifar10DvsDataset.Open(root, options),
            "ncaltech101" => NCaltech101Dataset.Open(root, options),
            "ncars" => NCarsDataset.Open(root),
            _ => throw new ArgumentException($"unknown dataset '{name}' (known: {string.Join(", ", Names)})", nameof(name)),
        };
    }

    /// <summary>
    /// Guesses the dataset at <paramref name="root"/> from its files (DvsGesture trial lists, CIFAR10-DVS class
    /// zips/folders, Caltech101 folder/zip, N-CARS train/test .dat folders), or null when nothing matches.
    /// </summary>
    public static string? Detect(string root)
    {
        if (DvsGestureDataset.Looks(root)) return "dvsgesture";
        if (Cifar10DvsDataset.Looks(root)) return "cifar10dvs";
        if (NCaltech101Dataset.Looks(root)) return "ncaltech101";
        if (NCarsDataset.Looks(root)) return "ncars";
        return null;
    }

    static string Normalize(string name) => name.Trim().ToLowerInvariant().Replace("-", "").Replace("_", "") switch
    {
        "dvsgesture" or "dvs128gesture" or "gesture" => "dvsgesture",
        "cifar10dvs" => "cifar10dvs",
        "ncaltech101" or "ncaltech" or "caltech101" => "ncaltech101",
        "ncars" => "ncars",
        var other => other,
    };
}
