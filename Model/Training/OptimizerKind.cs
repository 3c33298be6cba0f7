namespace EventSnn.Model;

/// <summary>Optimiser of a training run (spelled "sgd" or "adam").</summary>
public enum OptimizerKind
{
    /// <summary>SGD with momentum and weight decay (the method's).</summary>
    Sgd,

    /// <summary>Adam (handy for very short runs).</summary>
    Adam,
}

/// <summary>Parsing of <see cref="OptimizerKind"/>.</summary>
public static class OptimizerKinds
{
    /// <summary>The optimiser spelled <paramref name="name"/>: "sgd" or "adam" (any case).</summary>
    public static OptimizerKind Parse(string name) => EnumNames.Parse<OptimizerKind>(name.ToLowerInvariant())
        ?? throw new ArgumentException($"unknown optimizer '{name}' (sgd, adam)");
}
