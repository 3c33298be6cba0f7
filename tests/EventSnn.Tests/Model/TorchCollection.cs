namespace EventSnn.Tests.Model;

/// <summary>
/// Model tests seed TorchSharp's process-wide generator; running them one at a time keeps seeded results reproducible.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TorchCollection
{
    public const string Name = "torch global RNG";
}
