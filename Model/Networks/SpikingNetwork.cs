using TorchSharp;
using static TorchSharp.torch;

namespace EventSnn.Model;

/// <summary>
/// Base of every spiking architecture. Two modes that give identical outputs:
/// <list type="bullet">
/// <item><c>forward(x)</c>, multi-step: <c>x [T, N, C, H, W]</c> → per-step outputs <c>O(t)</c> as <c>[T, N, K]</c>
/// (not accumulated; the accumulated output <c>Y(t)</c> of METHOD.md §1 is their running sum).</item>
/// <item><see cref="Step(Tensor)"/>, single-step: <c>x [N, C, H, W]</c> → <c>O(t)</c> <c>[N, K]</c>, state carried until <see cref="ResetState"/>.</item>
/// </list>
/// Each network's timestep loop must stay on one thread (TorchSharp dispose scopes are thread-static).
/// </summary>
public abstract class SpikingNetwork : nn.Module<Tensor, Tensor>
{
    private double spikeDropout;
    private long spikeDropoutSeed = 1;

    /// <summary>Creates the base with module name <paramref name="name"/>.</summary>
    protected SpikingNetwork(string name) : base(name) { }

    /// <summary>The spiking-activation layers in forward order (RCS terms, spike counts, calibration dropout).</summary>
    public abstract IReadOnlyList<ISpikingLayer> SpikingLayers { get; }

    /// <summary>Number of output classes K.</summary>
    public abstract int Classes { get; }

    /// <summary>Multi-step forward of a whole sequence; state is reset before and after.</summary>
    public override Tensor forward(Tensor x)
    {
        if (x.dim() != 5) throw new ArgumentException($"multi-step input must be [T, N, C, H, W], got [{string.Join(", ", x.shape)}]");
        ResetState();
        var y = ForwardMultiStep(x);
        ResetState();
        return y;
    }

    /// <summary>One timestep: <c>x [N, C, H, W]</c> → <c>O(t) [N, K]</c>; neuron state is carried to the next call.</summary>
    public Tensor Step(Tensor x)
    {
        if (x.dim() != 4) throw new ArgumentException($"single-step input must be [N, C, H, W], got [{string.Join(", ", x.shape)}]");
        return ForwardSingleStep(x);
    }

    /// <summary>Forgets all carried state (membranes, step counters): call before each new sample in single-step use.</summary>
    public abstract void ResetState();

    /// <summary>
    /// One timestep with explicit state, the form of <c>lif_step(input, state) -&gt; (spikes, state)</c>: <c>x [B, C, H, W]</c>
    /// → <c>O(t) [B, K]</c>, reading the state of the B samples from <paramref name="state"/> and updating it in place
    /// (each stateful layer takes its entry in forward order). The modules' own carried state is neither read nor
    /// changed. Inference only: runs without autograd, BatchNorm with its running statistics (call <c>eval()</c>), and
    /// refuses spike dropout. For equal inputs it gives what <see cref="Step(Tensor)"/> and the multi-step forward give.
    /// </summary>
    public Tensor Step(Tensor x, StepState state)
    {
        if (x.dim() != 4) throw new ArgumentException($"single-step input must be [N, C, H, W], got [{string.Join(", ", x.shape)}]");
        if (x.shape[0] != state.Batch) throw new ArgumentException($"input holds {x.shape[0]} samples, the step state {state.Batch}");
        return StepWithStateUnchecked(x, state);
    }

    /// <summary>
    /// One timestep of the samples held in <paramref name="slots"/> of <paramref name="state"/>: <c>x [B, C, H, W]</c>
    /// (row i belongs to slot <c>slots[i]</c>) → <c>O(t) [B, K]</c>; the slots' state is updated, the other slots' is
    /// untouched. See <see cref="Step(Tensor, StepState)"/>.
    /// </summary>
    public Tensor Step(Tensor x, NetworkState state, ReadOnlySpan<int> slots)
    {
        if (x.dim() != 4) throw new ArgumentException($"single-step input must be [N, C, H, W], got [{string.Join(", ", x.shape)}]");
        if (x.shape[0] != slots.Length) throw new ArgumentException($"input holds {x.shape[0]} samples for {slots.Length} slots");
        return state.Apply(slots, s => StepWithStateUnchecked(x, s));
    }

    /// <summary>The state of <paramref name="slots"/> fresh samples of <paramref name="sampleShape"/> (<c>[C, H, W]</c>) for this network.</summary>
    public NetworkState CreateState(ReadOnlySpan<long> sampleShape, int slots, Device? device = null) => NetworkState.Create(this, sampleShape, slots, device);

    internal Tensor StepWithStateUnchecked(Tensor x, StepState state)
    {
        if (SpikeDropout > 0) throw new InvalidOperationException("the explicit-state step is for inference: turn spike dropout off");
        using var noGrad = torch.no_grad();
        return ForwardStepWithState(x, state);
    }

    /// <summary>Explicit-state single-step body: <c>[B, C, H, W]</c> → <c>[B, K]</c>, state updated in place.</summary>
    protected abstract Tensor ForwardStepWithState(Tensor x, StepState state);

    /// <summary>Multi-step body: <c>[T, N, C, H, W]</c> → <c>[T, N, K]</c>.</summary>
    protected abstract Tensor ForwardMultiStep(Tensor x);

    /// <summary>Single-step body: <c>[N, C, H, W]</c> → <c>[N, K]</c>.</summary>
    protected abstract Tensor ForwardSingleStep(Tensor x);

    /// <summary>
    /// Dropout probability applied after every spiking layer when &gt; 0, whatever the train/eval mode: Top-K
    /// calibration uses 0.3 with the rest of the network in eval mode (METHOD.md §2.2), and training can use it
    /// (<see cref="TrainOptions.Dropout"/>). 0 turns it off.
    /// Masks come from per-layer generators seeded from <see cref="SpikeDropoutSeed"/>.
    /// </summary>
    public double SpikeDropout
    {
        get => spikeDropout;
        set
        {
            if (value < 0 || value >= 1) throw new ArgumentOutOfRangeException(nameof(value), "dropout must be in [0, 1)");
            spikeDropout = value;
            ApplyDropoutSettings();
        }
    }

    /// <summary>Seed of the spike-dropout masks; setting it restarts the mask sequence (layer l uses seed + l).</summary>
    public long SpikeDropoutSeed
    {
        get => spikeDropoutSeed;
        set { spikeDropoutSeed = value; ApplyDropoutSettings(); }
    }

    private void ApplyDropoutSettings()
    {
        int l = 0;
        foreach (var layer in SpikingLayers)
        {
            layer.DropoutRate = spikeDropout;
            if (layer is SpikingNeuron n) n.DropoutSeed = spikeDropoutSeed + l;
            l++;
        }
    }

    /// <summary>Device of the first parameter (CPU for a network without parameters).</summary>
    public Device Device => parameters().FirstOrDefault()?.device ?? torch.CPU;
}
