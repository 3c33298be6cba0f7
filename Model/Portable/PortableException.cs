namespace EventSnn.Model.Portable;

/// <summary>
/// A network or graph that cannot be carried to or from a portable format; <see cref="Item"/> names the layer or node
/// and the message says what it is and why it is refused. Nothing is written or built when this is thrown.
/// </summary>
public sealed class PortableFormatException : Exception
{
    /// <summary>Creates the exception.</summary>
    public PortableFormatException(string item, string message) : base(message) => Item = item;

    /// <summary>Name of the refused layer (export) or node (import).</summary>
    public string Item { get; }
}
