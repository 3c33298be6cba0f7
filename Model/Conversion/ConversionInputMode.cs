namespace EventSnn.Model.Conversion;

/// <summary>What a converted network's body receives at each timestep (stored as <see cref="ConversionInput.Mode"/>).</summary>
public enum ConversionInputMode
{
    /// <summary>The input fed at step t goes to the body unchanged: the ANN's frame repeated every step (the method's way).</summary>
    Repeat,

    /// <summary>The body receives input scale × the running mean of the inputs of steps 1..t (event slices fed one per step).</summary>
    Causal,
}

/// <summary>Conversions between <see cref="ConversionInputMode"/> and its checkpoint spelling.</summary>
public static class ConversionInputModes
{
    /// <summary>"repeat" or "causal".</summary>
    public static string Name(this ConversionInputMode mode) => mode == ConversionInputMode.Causal ? ConversionInput.Causal : ConversionInput.Repeat;

    /// <summary>Parses "repeat" or "causal" (as stored in checkpoints and given on the command line).</summary>
    public static ConversionInputMode Parse(string name) => name switch
    {
        ConversionInput.Repeat => ConversionInputMode.Repeat,
        ConversionInput.Causal => ConversionInputMode.Causal,
        _ => throw new ArgumentException($"input mode must be '{ConversionInput.Repeat}' or '{ConversionInput.Causal}', got '{name}'"),
    };
}
