using TorchSharp;

namespace EventSnn.Model.Conversion;

/// <summary>
/// Long-lived scalars for hot tensor arithmetic. TorchSharp turns numeric literals (and the implicit alpha = 1 of
/// <c>a + b</c> / <c>a - b</c>) into temporary <see cref="Scalar"/> objects whose finalizer may free them while the
/// native call that uses them is still running; under GC pressure this crashed a long training run
/// ("Expected false to be true" in c10::Scalar::toFloat). Scalars held here are never collected.
/// </summary>
internal static class StableScalars
{
    public static readonly Scalar Zero = 0.0.ToScalar();
    public static readonly Scalar Half = 0.5.ToScalar();
    public static readonly Scalar One = 1.0.ToScalar();
    public static readonly Scalar MinusOne = (-1.0).ToScalar();
    public static readonly Scalar RcsEpsilon = AnnRcs.Epsilon.ToScalar();
}
