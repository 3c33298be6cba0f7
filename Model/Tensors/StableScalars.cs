using TorchSharp;

namespace EventSnn.Model;

/// <summary>
/// Long-lived scalars for hot tensor arithmetic anywhere in the model library (neurons, layers, losses, training,
/// evaluation, conversion). TorchSharp turns numeric literals (and the implicit alpha = 1 of <c>a + b</c>,
/// <c>add(Scalar)</c> and <c>add_(Tensor)</c>; the exponent 2 of <c>square()</c>) into temporary <see cref="Scalar"/>
/// objects. Its tensor methods do not keep them alive, so their finalizer may free the native scalar while the native
/// call that reads it is still running; under GC pressure this crashed long training runs ("Expected false to be
/// true" in c10::Scalar::toFloat / toLong). Scalars held here are never collected.
/// </summary>
/// <remarks>
/// Values that vary (a learning rate, a threshold from settings) are made once per object or run and kept in a field,
/// or made with <c>using var s = value.ToScalar();</c> so they stay alive until the native call has returned.
/// </remarks>
internal static class StableScalars
{
    public static readonly Scalar Zero = 0.0.ToScalar();
    public static readonly Scalar Half = 0.5.ToScalar();
    public static readonly Scalar One = 1.0.ToScalar();
    public static readonly Scalar MinusOne = (-1.0).ToScalar();

    /// <summary>Integer 0: what a literal <c>0</c> passed to a comparison (<c>eq(0)</c>, <c>gt(0)</c>) becomes.</summary>
    public static readonly Scalar IntZero = 0.ToScalar();

    /// <summary>Integer 1: the implicit alpha of <c>add(Tensor)</c>; increments integer buffers (BatchNorm's <c>num_batches_tracked</c>).</summary>
    public static readonly Scalar IntOne = 1.ToScalar();

    /// <summary>Integer 2: the exponent <c>Tensor.square()</c> passes to <c>pow</c>.</summary>
    public static readonly Scalar IntTwo = 2.ToScalar();

    /// <summary>The ε = 1e-5 of both RCS forms (<see cref="RcsRegulariser"/>, <see cref="Conversion.AnnRcs"/>).</summary>
    public static readonly Scalar RcsEpsilon = RcsRegulariser.Epsilon.ToScalar();
}
