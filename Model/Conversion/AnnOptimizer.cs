namespace EventSnn.Model.Conversion;

/// <summary>Optimiser of ANN training for conversion (spelled "sgd" or "adam").</summary>
public enum AnnOptimizer
{
    /// <summary>SGD with momentum (the method's).</summary>
    Sgd,

    /// <summary>Adam (handy for very short runs).</summary>
    Adam,
}

/// <summary>Parsing of <see cref="AnnOptimizer"/>.</summary>
public static class AnnOptimizers
{
    /// <summary>The optimiser spelled <paramref name="name"/>: "sgd" or "adam" (any case).</summary>
    public static AnnOptimizer Parse(string name) => EnumNames.Parse<AnnOptimizer>(name.ToLowerInvariant())
        ?? throw new ArgumentException($"unknown optimizer '{name}' (sgd, adam)");
}
