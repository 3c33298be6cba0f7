using TorchSharp;
using static TorchSharp.torch;

namespace EventSnn.Model;

/// <summary>
/// Tensor arithmetic with numeric constants, for every formula of the model library (neurons, layers, losses,
/// optimiser step, conversion): <c>Add(v, x)</c> is <c>v + x</c>, <c>OneMinus(s)</c> is <c>1 − s</c>,
/// <c>Scale(u, τ)</c> is <c>τ·u</c>, <c>AddScaled(a, b, k)</c> is <c>a + k·b</c>. Methods ending in <c>InPlace</c>
/// overwrite their first argument and return it.
/// </summary>
/// <remarks>
/// <para>
/// TorchSharp 0.107 turns every number handed to a tensor method (and the implicit <c>alpha = 1</c> of <c>a + b</c>,
/// <c>add(Tensor)</c>, <c>add_(Scalar)</c>; the exponent 2 of <c>square()</c>) into a temporary <see cref="Scalar"/>. Its
/// tensor methods do not keep that object alive, so its finaliser may free the native scalar while the native call
/// that reads it is still running; under GC pressure long training runs crashed ("Expected false to be true" in
/// c10::Scalar::toFloat / toLong), and until the GC runs the native scalars are leaked. Here every Scalar is either
/// one of a few long-lived constants or made for one call and disposed after it has returned.
/// </para>
/// <para>
/// The members of TorchSharp that make temporary Scalars are banned in this project (<c>BannedSymbols.txt</c>, RS0030
/// as an error); this class is the one place that makes Scalars. Upstream, dotnet/TorchSharp pull requests #1434
/// ("Dispose Scalars implicitly created in Tensor operators") and #1496 ("Dispose implicitly converted
/// TorchSharp.Scalar and torch.Tensor") make TorchSharp dispose these temporaries itself; once a release with them is
/// used, the banned list can shrink and this class can go back to plain operators.
/// </para>
/// <para>
/// Each method performs the same native operation, with the same kind of Scalar (integer or floating), as the
/// expression it replaces, so results are bit-identical to the operator form.
/// </para>
/// </remarks>
internal static class TensorMath
{
    private static readonly Scalar Zero = Make(0.0);
    private static readonly Scalar Half = Make(0.5);
    private static readonly Scalar One = Make(1.0);
    private static readonly Scalar MinusOne = Make(-1.0);
    private static readonly Scalar IntZero = Make(0L);
    // The alpha of every sum here: what TorchSharp's own a + b passes; valid for integer and floating tensors alike.
    private static readonly Scalar IntOne = Make(1L);
    // The exponent Tensor.square() passes to pow.
    private static readonly Scalar IntTwo = Make(2L);

    // ---- sums and differences -------------------------------------------------------------------------------------

    /// <summary><c>a + b</c>.</summary>
    public static Tensor Add(Tensor a, Tensor b) => a.add(b, IntOne);

    /// <summary><c>a += b</c>.</summary>
    public static Tensor AddInPlace(Tensor a, Tensor b) => a.add_(b, IntOne);

    /// <summary><c>x + c</c>.</summary>
    public static Tensor Add(Tensor x, double c) => With(x, c, static (t, s) => t.add(s, IntOne));

    /// <summary><c>x += c</c>.</summary>
    public static Tensor AddInPlace(Tensor x, double c) => With(x, c, static (t, s) => t.add_(s, IntOne));

    /// <summary><c>x += 1</c> with an integer one: counters of any dtype (int64 step counts, BatchNorm's batch count).</summary>
    public static Tensor IncrementInPlace(Tensor x) => x.add_(IntOne, IntOne);

    /// <summary><c>a − b</c>.</summary>
    public static Tensor Subtract(Tensor a, Tensor b) => a.add(b, MinusOne);

    /// <summary><c>a −= b</c>.</summary>
    public static Tensor SubtractInPlace(Tensor a, Tensor b) => a.add_(b, MinusOne);

    /// <summary><c>x − c</c>.</summary>
    public static Tensor Subtract(Tensor x, double c) => With(x, c, static (t, s) => t.sub(s));

    /// <summary><c>1 − s</c>.</summary>
    public static Tensor OneMinus(Tensor s) => s.neg().add_(One, One);

    /// <summary><c>a + k·b</c>.</summary>
    public static Tensor AddScaled(Tensor a, Tensor b, double k) => With(a, b, k, static (t, u, s) => t.add(u, s));

    /// <summary><c>a += k·b</c>.</summary>
    public static Tensor AddScaledInPlace(Tensor a, Tensor b, double k) => With(a, b, k, static (t, u, s) => t.add_(u, s));

    // ---- products, quotients, powers ------------------------------------------------------------------------------

    /// <summary><c>k·x</c>.</summary>
    public static Tensor Scale(Tensor x, double k) => With(x, k, static (t, s) => t.mul(s));

    /// <summary><c>x ← k·x</c>.</summary>
    public static Tensor ScaleInPlace(Tensor x, double k) => With(x, k, static (t, s) => t.mul_(s));

    /// <summary><c>x / k</c>.</summary>
    public static Tensor Divide(Tensor x, double k) => With(x, k, static (t, s) => t.div(s));

    /// <summary><c>x ← x / k</c>.</summary>
    public static Tensor DivideInPlace(Tensor x, double k) => With(x, k, static (t, s) => t.div_(s));

    /// <summary><c>x²</c> (as <c>x.square()</c> computes it: <c>pow(x, 2)</c>).</summary>
    public static Tensor Square(Tensor x) => x.pow(IntTwo);

    // ---- clamps and comparisons -----------------------------------------------------------------------------------

    /// <summary><c>min(max(x, lo), hi)</c>.</summary>
    public static Tensor Clamp(Tensor x, double lo, double hi)
    {
        using var l = Hold(lo);
        using var h = Hold(hi);
        return x.clamp(l.Scalar, h.Scalar);
    }

    /// <summary><c>max(x, lo)</c>.</summary>
    public static Tensor ClampMin(Tensor x, double lo) => With(x, lo, static (t, s) => t.clamp_min(s));

    /// <summary><c>x ← max(x, lo)</c>.</summary>
    public static Tensor ClampMinInPlace(Tensor x, double lo) => With(x, lo, static (t, s) => t.clamp_min_(s));

    /// <summary><c>min(x, hi)</c> with an integer bound (index tensors).</summary>
    public static Tensor ClampMax(Tensor x, long hi) => With(x, hi, static (t, s) => t.clamp_max(s));

    /// <summary>The mask <c>x &gt; c</c>.</summary>
    public static Tensor Greater(Tensor x, double c) => With(x, c, static (t, s) => t.gt(s));

    /// <summary>The mask <c>x &gt; c</c>, compared with an integer.</summary>
    public static Tensor Greater(Tensor x, long c) => With(x, c, static (t, s) => t.gt(s));

    /// <summary>The mask <c>x ≥ c</c>.</summary>
    public static Tensor GreaterEqual(Tensor x, double c) => With(x, c, static (t, s) => t.ge(s));

    /// <summary>The mask <c>x = c</c>, compared with an integer.</summary>
    public static Tensor Equal(Tensor x, long c) => With(x, c, static (t, s) => t.eq(s));

    // ---- filling --------------------------------------------------------------------------------------------------

    /// <summary>A new tensor of <paramref name="shape"/> filled with <paramref name="value"/> (default dtype when none is given).</summary>
    public static Tensor Full(ReadOnlySpan<long> shape, double value, ScalarType? dtype = null, Device? device = null)
    {
        using var h = Hold(value);
        return torch.full(shape, h.Scalar, dtype: dtype, device: device);
    }

    /// <summary>A new tensor like <paramref name="x"/> filled with <paramref name="value"/>.</summary>
    public static Tensor FullLike(Tensor x, double value) => With(x, value, static (t, s) => torch.full_like(t, s));

    /// <summary><c>x ← value</c> everywhere.</summary>
    public static Tensor FillInPlace(Tensor x, double value) => With(x, value, static (t, s) => t.fill_(s));

    /// <summary><c>x ← value</c> where <paramref name="mask"/> is set.</summary>
    public static Tensor MaskedFillInPlace(Tensor x, Tensor mask, double value) =>
        With(x, mask, value, static (t, m, s) => t.masked_fill_(m, s));

    // ---- Scalars ----------------------------------------------------------------------------------------------------

    // One native call with a number held as a Scalar until the call has returned. The operations are static lambdas,
    // cached by the compiler, so a call allocates no delegate.
    private static Tensor With(Tensor x, double c, Func<Tensor, Scalar, Tensor> op)
    {
        using var h = Hold(c);
        return op(x, h.Scalar);
    }

    private static Tensor With(Tensor x, long c, Func<Tensor, Scalar, Tensor> op)
    {
        using var h = Hold(c);
        return op(x, h.Scalar);
    }

    private static Tensor With(Tensor x, Tensor y, double c, Func<Tensor, Tensor, Scalar, Tensor> op)
    {
        using var h = Hold(c);
        return op(x, y, h.Scalar);
    }

    // ---- Scalars ----------------------------------------------------------------------------------------------------

    /// <summary>A Scalar for the duration of one call: a long-lived constant, or a new one disposed with the holder.</summary>
    private readonly struct Held(Scalar scalar, bool owned) : IDisposable
    {
        public Scalar Scalar { get; } = scalar;
        public void Dispose() { if (owned) Scalar.Dispose(); }
    }

    // Constants are matched by bit pattern, so −0.0 is not taken for 0.0.
    private static Held Hold(double value) => BitConverter.DoubleToInt64Bits(value) switch
    {
        0L => new Held(Zero, false),
        var b when b == BitConverter.DoubleToInt64Bits(0.5) => new Held(Half, false),
        var b when b == BitConverter.DoubleToInt64Bits(1.0) => new Held(One, false),
        var b when b == BitConverter.DoubleToInt64Bits(-1.0) => new Held(MinusOne, false),
        _ => new Held(Make(value), true),
    };

    private static Held Hold(long value) => value switch
    {
        0 => new Held(IntZero, false),
        1 => new Held(IntOne, false),
        2 => new Held(IntTwo, false),
        _ => new Held(Make(value), true),
    };

    // The one place in this project that makes a Scalar (banned elsewhere, BannedSymbols.txt): the caller keeps it
    // alive until the native call has returned and then disposes it, or it is one of the constants above.
#pragma warning disable RS0030
    private static Scalar Make(double value) => value.ToScalar();
    private static Scalar Make(long value) => value.ToScalar();
#pragma warning restore RS0030
}
