using TorchSharp;
using static EventSnn.Model.TensorMath;
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
            Tensor v = InitialMembrane == 0 ? torch.zeros_like(x[0]) : FullLike(x[0], InitialMembrane * _threshold);
            for (long t = 0; t < steps; t++)
            {
                var (spike, postReset) = Integrate(v, x[t]);
                v = Leak(postReset);
                outputs[t] = Emit(spike).MoveToOuterDisposeScope();
                // R = s + ReLU(u′/θ)
                if (responses is not null)
                    responses[t] = Add(spike, torch.nn.functional.relu(Divide(postReset, _threshold))).MoveToOuterDisposeScope();
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
        var v = _membrane ?? (InitialMembrane == 0 ? torch.zeros_like(x) : FullLike(x, InitialMembrane * _threshold));
        var (spike, postReset) = Integrate(v, x);
        var next = Leak(postReset);
        // The carried membrane must outlive the caller's scopes; it is disposed when replaced.
        next.DetachFromDisposeScope();
        if (!ReferenceEquals(_membrane, null)) _membrane.Dispose();
        _membrane = next;
        Count(spike);
        return Emit(spike).MoveToOuterDisposeScope();
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
        AddInPlace(v, x);                                   // u = v + x
        using var fired = Greater(v, _threshold);           // s = H(u − θ)
        var y = fired.to_type(x.dtype);
        if (_threshold != 1.0) ScaleInPlace(y, _threshold); // θ·s
        if (SoftReset) SubtractInPlace(v, y);               // u′ = u − θ·s
        else MaskedFillInPlace(v, fired, 0.0);              // u′ = u·(1 − s) (zero of either sign)
        if (Tau != 1.0) ScaleInPlace(v, Tau);               // v = τ·u′
        Count(fired);
        return y;
    }

    private long[]? _stepShape;

    // u = v + x;  s = H(u − θ);  u′ = u·(1 − s) (hard) | u − θ·s (soft)
    private (Tensor Spike, Tensor PostReset) Integrate(Tensor v, Tensor x)
    {
        var u = Add(v, x);
        var s = SurrogateSpike.Apply(Subtract(u, _threshold), SurrogateWidth);
        var post = SoftReset ? Subtract(u, Scale(s, _threshold)) : u * OneMinus(s);
        return (s, post);
    }

    // v = τ·u′
    private Tensor Leak(Tensor postReset) => Tau == 1.0 ? postReset : Scale(postReset, Tau);

    // y = θ·s, then inverted dropout when it is on
    private Tensor Emit(Tensor spike)
    {
        var y = _threshold == 1.0 ? spike.alias() : Scale(spike, _threshold);
        double rate = DropoutRate;
        if (rate > 0) y = y * DropoutMask(y, rate);
        return y;
    }

    // keep / (1 − p), keep = (U[0,1) ≥ p)
    private Tensor DropoutMask(Tensor like, double rate)
    {
        if (rate >= 1) return torch.zeros_like(like);
        _dropoutGenerator ??= new torch.Generator((ulong)_dropoutSeed, torch.CPU);
        var keep = GreaterEqual(torch.rand(like.shape, dtype: ScalarType.Float32, generator: _dropoutGenerator), rate).to_type(like.dtype);
        return DivideInPlace(keep.to(like.device), 1.0 - rate);
    }

    private void Count(Tensor spike)
    {
        if (!CountSpikes) return;
        using (torch.no_grad())
        {
            var s = spike.detach().sum().to_type(ScalarType.Float64);
            var total = _spikeTotal is null ? s : Add(_spikeTotal, s);
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
        }
        base.Dispose(disposing);
    }
}
