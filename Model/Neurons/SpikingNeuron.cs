using TorchSharp;
using static TorchSharp.torch;

namespace EventSnn.Model;

/// <summary>
/// The integrate-and-fire family of METHOD.md §5.1 / §5.2, one module for both modes:
/// <code>
/// u_t  = v + x_t;            s_t = H(u_t − θ)   (triangle surrogate, width γ)
/// u'_t = u_t·(1 − s_t) (hard) | u_t − θ·s_t (soft)
/// v    = τ·u'_t;             output θ·s_t
/// </code>
/// <c>v</c> starts at <c>InitialMembrane·θ</c> for every sample. The output is <c>θ·s</c> in both modes
/// (for θ = 1 this equals the spike itself, as in direct training), so multi-step and single-step give
/// identical outputs.
/// </summary>
public abstract class SpikingNeuron : nn.Module<Tensor, Tensor>, ISpikingLayer, ITemporalLayer
{
    private Tensor? _membrane;      // v of single-step mode, outside every dispose scope
    private Tensor? _spikeTotal;    // running spike count, outside every dispose scope
    private Tensor? _response;      // last recorded RCS response [T,N,D]
    private torch.Generator? _dropoutGenerator;
    private long _dropoutSeed = 1;
    private double _threshold;

    /// <summary>Creates a neuron layer.</summary>
    protected SpikingNeuron(string name, double threshold, double tau, bool softReset, double surrogateWidth, double initialMembrane)
        : base(name)
    {
        if (!(threshold > 0)) throw new ArgumentOutOfRangeException(nameof(threshold), "threshold must be > 0");
        if (!(surrogateWidth > 0)) throw new ArgumentOutOfRangeException(nameof(surrogateWidth), "surrogate width must be > 0");
        _threshold = threshold;
        Tau = tau;
        SoftReset = softReset;
        SurrogateWidth = surrogateWidth;
        InitialMembrane = initialMembrane;
    }

    /// <inheritdoc/>
    public string Name => GetName();

    /// <inheritdoc/>
    public double Threshold
    {
        get => _threshold;
        set => _threshold = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), "threshold must be > 0");
    }

    /// <summary>Leak τ (1 = no leak).</summary>
    public double Tau { get; }

    /// <summary>True: reset by subtraction; false: reset to zero.</summary>
    public bool SoftReset { get; }

    /// <summary>Triangle surrogate width γ.</summary>
    public double SurrogateWidth { get; }

    /// <summary>Initial membrane as a fraction of θ.</summary>
    public double InitialMembrane { get; }

    /// <inheritdoc/>
    public bool RecordResponse { get; set; }

    /// <inheritdoc/>
    public double DropoutRate { get; set; }

    /// <summary>Seed of the dropout mask generator; setting it restarts the mask sequence.</summary>
    public long DropoutSeed
    {
        get => _dropoutSeed;
        set { _dropoutSeed = value; _dropoutGenerator?.Dispose(); _dropoutGenerator = null; }
    }

    /// <inheritdoc/>
    public bool CountSpikes { get; set; }

    /// <inheritdoc/>
    public long NeuronsPerSample { get; private set; }

    /// <inheritdoc/>
    public double SpikeCount => _spikeTotal is null ? 0.0 : _spikeTotal.to_type(ScalarType.Float64).item<double>();

    /// <inheritdoc/>
    public void ResetSpikeCount() { _spikeTotal?.Dispose(); _spikeTotal = null; }

    /// <inheritdoc/>
    public Tensor? TakeResponse() { var r = _response; _response = null; return r; }

    /// <summary>Membrane <c>v</c> carried by single-step mode (null before the first step); a view for inspection, not a copy.</summary>
    public Tensor? Membrane => _membrane;

    /// <inheritdoc/>
    public void ResetState()
    {
        _membrane?.Dispose();
        _membrane = null;
    }

    /// <summary>Multi-step forward (<c>[T, N, ...]</c>), the module's default.</summary>
    public override Tensor forward(Tensor x) => ForwardMultiStep(x);

    /// <inheritdoc/>
    public Tensor ForwardMultiStep(Tensor x)
    {
        long steps = x.shape[0];
        NeuronsPerSample = x.shape.Skip(2).Aggregate(1L, (a, b) => a * b);
        var outputs = new Tensor[steps];
        var responses = RecordResponse ? new Tensor[steps] : null;
        using (var scope = torch.NewDisposeScope())
        {
            using var scalars = new NeuronScalars(_threshold, Tau, InitialMembrane, DropoutRate);
            Tensor v = InitialMembrane == 0 ? torch.zeros_like(x[0]) : torch.full_like(x[0], scalars.InitialMembrane);
            for (long t = 0; t < steps; t++)
            {
                var (spike, postReset) = Integrate(v, x[t], scalars);
                v = Tau == 1.0 ? postReset : postReset.mul(scalars.Tau);
                outputs[t] = Emit(spike, scalars).MoveToOuterDisposeScope();
                if (responses is not null)
                    responses[t] = spike.add(torch.nn.functional.relu(postReset.div(scalars.Threshold)), StableScalars.One).MoveToOuterDisposeScope();
                Count(spike);
            }
        }
        if (responses is not null)
        {
            _response?.Dispose();
            _response = torch.stack(responses).flatten(2);
            // Handed to the caller through TakeResponse, so it must not die with the forward's scopes.
            _response.DetachFromDisposeScope();
            foreach (var r in responses) r.Dispose();
        }
        var y = torch.stack(outputs);
        foreach (var o in outputs) o.Dispose();
        return y;
    }

    /// <inheritdoc/>
    public Tensor ForwardSingleStep(Tensor x)
    {
        NeuronsPerSample = x.shape.Skip(1).Aggregate(1L, (a, b) => a * b);
        using var scope = torch.NewDisposeScope();
        using var scalars = new NeuronScalars(_threshold, Tau, InitialMembrane, DropoutRate);
        var v = _membrane ?? (InitialMembrane == 0 ? torch.zeros_like(x) : torch.full_like(x, scalars.InitialMembrane));
        var (spike, postReset) = Integrate(v, x, scalars);
        var next = Tau == 1.0 ? postReset : postReset.mul(scalars.Tau);
        // The carried membrane must outlive the caller's scopes; it is disposed when replaced.
        next.DetachFromDisposeScope();
        if (!ReferenceEquals(_membrane, null)) _membrane.Dispose();
        _membrane = next;
        Count(spike);
        return Emit(spike, scalars).MoveToOuterDisposeScope();
    }

    /// <inheritdoc/>
    /// <remarks>
    /// The state is the membrane <c>v</c> before the step (shape of <paramref name="x"/> per sample, starting at
    /// <c>InitialMembrane·θ</c>); it is updated in place: <c>u = v + x</c>, <c>s = u &gt; θ</c>, reset, leak. The only new
    /// tensors are the spike mask and the output. Same arithmetic as the other modes, so the same spikes.
    /// </remarks>
    public Tensor StepWithState(Tensor x, StepState state)
    {
        if (DropoutRate > 0) throw new InvalidOperationException($"layer '{Name}': the explicit-state step is for inference: turn spike dropout off");
        var shape = x.shape;
        if (_stepShape is null || !_stepShape.AsSpan(1).SequenceEqual(shape.AsSpan(1)))
        {
            _stepShape = shape;
            NeuronsPerSample = shape.Skip(1).Aggregate(1L, (a, b) => a * b);
        }
        var v = state.Next(Name, shape.AsSpan(1), x.dtype, InitialMembrane * _threshold);
        var scalars = StepScalars();
        v.add_(x, StableScalars.One);                       // u
        using var fired = v.gt(scalars.Threshold);          // s = H(u − θ)
        var y = fired.to_type(x.dtype);
        if (_threshold != 1.0) y.mul_(scalars.Threshold);   // θ·s
        if (SoftReset) v.add_(y, StableScalars.MinusOne);   // u − θ·s
        else v.masked_fill_(fired, StableScalars.Zero);     // u·(1 − s) (zero of either sign)
        if (Tau != 1.0) v.mul_(scalars.Tau);
        Count(fired);
        return y;
    }

    private long[]? _stepShape;

    private NeuronScalars? _stepScalars;
    private double _stepScalarsThreshold;

    // The explicit step's constants, kept while the threshold stays the same (no Scalar per step).
    private NeuronScalars StepScalars()
    {
        if (_stepScalars is null || _stepScalarsThreshold != _threshold)
        {
            _stepScalars?.Dispose();
            _stepScalars = new NeuronScalars(_threshold, Tau, InitialMembrane, 0);
            _stepScalarsThreshold = _threshold;
        }
        return _stepScalars;
    }

    private (Tensor Spike, Tensor PostReset) Integrate(Tensor v, Tensor x, NeuronScalars scalars)
    {
        var u = v.add(x, StableScalars.One);
        var s = SurrogateSpike.Apply(u.sub(scalars.Threshold), SurrogateWidth);
        var post = SoftReset ? u.add(s.mul(scalars.Threshold), StableScalars.MinusOne) : u * s.neg().add_(StableScalars.One, StableScalars.One);
        return (s, post);
    }

    private Tensor Emit(Tensor spike, NeuronScalars scalars)
    {
        var y = _threshold == 1.0 ? spike.alias() : spike.mul(scalars.Threshold);
        if (scalars.DropoutRate is { } rate && scalars.KeepScale is { } keepScale) y = y * DropoutMask(y, rate, keepScale);
        return y;
    }

    private Tensor DropoutMask(Tensor like, Scalar rate, Scalar keepScale)
    {
        if (DropoutRate >= 1) return torch.zeros_like(like);
        _dropoutGenerator ??= new torch.Generator((ulong)_dropoutSeed, torch.CPU);
        var keep = torch.rand(like.shape, dtype: ScalarType.Float32, generator: _dropoutGenerator).ge(rate).to_type(like.dtype);
        return keep.to(like.device).div_(keepScale);
    }

    private void Count(Tensor spike)
    {
        if (!CountSpikes) return;
        using (torch.no_grad())
        {
            var s = spike.detach().sum().to_type(ScalarType.Float64);
            var total = _spikeTotal is null ? s : _spikeTotal.add(s, StableScalars.IntOne);
            total.DetachFromDisposeScope();
            _spikeTotal?.Dispose();
            _spikeTotal = total;
        }
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            ResetState();
            ResetSpikeCount();
            _response?.Dispose();
            _dropoutGenerator?.Dispose();
            _stepScalars?.Dispose();
        }
        base.Dispose(disposing);
    }
}

/// <summary>
/// The neuron's constants of one forward call as explicitly owned TorchSharp scalars, alive until disposed (the
/// constants 1 and −1 come from <see cref="StableScalars"/>). Passing doubles to tensor methods creates temporary
/// Scalars that a GC finaliser may free while the native call still reads them.
/// </summary>
internal sealed class NeuronScalars : IDisposable
{
    public NeuronScalars(double threshold, double tau, double initialMembrane, double dropoutRate)
    {
        Threshold = threshold.ToScalar();
        Tau = tau.ToScalar();
        InitialMembrane = (initialMembrane * threshold).ToScalar();
        if (dropoutRate > 0)
        {
            DropoutRate = dropoutRate.ToScalar();
            KeepScale = (1.0 - dropoutRate).ToScalar();
        }
    }

    public Scalar Threshold { get; }
    public Scalar Tau { get; }
    public Scalar InitialMembrane { get; }

    /// <summary>Dropout probability p (null when dropout is off).</summary>
    public Scalar? DropoutRate { get; }

    /// <summary>1 − p, the divisor of the kept spikes (null when dropout is off).</summary>
    public Scalar? KeepScale { get; }

    public void Dispose()
    {
        Threshold.Dispose();
        Tau.Dispose();
        InitialMembrane.Dispose();
        DropoutRate?.Dispose();
        KeepScale?.Dispose();
    }
}
