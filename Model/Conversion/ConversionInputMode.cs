namespace EventSnn.Model.Conversion;

/// <summary>What a converted network's body receives at each timestep (stored as <see cref="ConversionInput.Mode"/>).</summary>
public enum ConversionInputMode
{
    /// <summary>The input fed at step t goes to the body unchanged: the ANN's frame repeated every step (the method's way).</summary>
    Repeat,

    /// <summary>The body receives input scale × the running mean of the inputs of steps 1..t (event slices fed one per step).</summary>
    Causal,
}

/// <summary>Parsing of <see cref="ConversionInputMode"/>.</summary>
public static class ConversionInputModes
{
    /// <summary>Parses "repeat" or "causal" (as given on the command line).</summary>
    public static ConversionInputMode Parse(string name) => EnumNames.Parse<ConversionInputMode>(name)
        ?? throw new ArgumentException($"input mode must be 'repeat' or 'causal', got '{name}'");
}
