using TorchSharp;
using static EventSnn.Model.TensorMath;
using static TorchSharp.torch;

namespace EventSnn.Model.Conversion;

/// <summary>
/// The SNN obtained from a constrained ANN (METHOD.md §5.2): the same frame architecture with every activation
/// replaced by an <see cref="IfNeuron"/> (threshold λ of that activation, reset by subtraction, no leak, membrane
/// starting at λ/2, output λ·s). BatchNorm runs with its trained statistics (eval mode). What the body receives at
/// step t depends on <see cref="InputMode"/>: in <see cref="ConversionInputMode.Repeat"/> mode the step's input
/// itself, which callers make the ANN's frame (an image, or an event sample's T slices summed) at every step; in
/// <see cref="ConversionInputMode.Causal"/> mode <see cref="InputScale"/> (T) × the running mean of the inputs of
/// steps 1..t, so event slices fed one per step give a causal estimate of that frame, exact at t = T. The per-step
/// outputs O(t) are summed by the caller into Y(t), and Y(t)/t approximates the ANN's logits.
/// Parameters live under <c>body.</c> with the ANN's names (<c>body.layer1.0.weight</c>, ...).
/// </summary>
public sealed class ConvertedNetwork : SpikingNetwork
{
    private readonly ActivationNetwork _body;
    private readonly List<IfNeuron> _neurons = new();
    private readonly Tensor input_scale;
    private Tensor? _inputSum;   // running sum of this sample's inputs, outside every dispose scope
    private int _steps;
    // Set while an explicit-state step runs the body. A plain object, not the network itself: a module field that
    // points back up the module tree would make TorchSharp's parameter walk recurse forever.
    private readonly StepContext _stepContext = new();

    /// <summary>
    /// Builds the network for <paramref name="arch"/> with one threshold per activation slot (forward order).
    /// </summary>
    public ConvertedNetwork(string arch, FrameNetworkShape shape, IReadOnlyList<double> thresholds,
        ConversionInputMode mode = ConversionInputMode.Repeat, double inputScale = 1.0)
        : this(factory => FrameArchitectures.Create(arch, shape, factory), thresholds, mode, inputScale) { }

    /// <summary>
    /// Builds the network with <paramref name="build"/> (e.g. <see cref="ActivationNetwork.WithActivations"/> of the ANN),
    /// one threshold per activation slot in forward order.
    /// </summary>
    public ConvertedNetwork(Func<ActivationFactory, ActivationNetwork> build, IReadOnlyList<double> thresholds,
        ConversionInputMode mode = ConversionInputMode.Repeat, double inputScale = 1.0)
        : this(build, index => index < thresholds.Count
            ? thresholds[index]
            : throw new ArgumentException($"the architecture has more activation layers than the {thresholds.Count} thresholds given"),
            thresholds.Count, mode, inputScale) { }

    private ConvertedNetwork(Func<ActivationFactory, ActivationNetwork> build, Func<int, double> thresholdOf, int? expectedLayers,
        ConversionInputMode mode, double inputScale)
        : base("ConvertedNetwork")
    {
        if (!(inputScale > 0)) throw new ArgumentOutOfRangeException(nameof(inputScale), "input scale must be positive");
        if (mode == ConversionInputMode.Repeat && inputScale != 1.0)
            throw new ArgumentOutOfRangeException(nameof(inputScale), $"repeat input is fed unscaled; scale {inputScale} needs causal mode");
        InputMode = mode;
        _body = build(index =>
        {
            var neuron = new IfNeuron($"if{index}", thresholdOf(index), initialMembrane: 0.5);
            _neurons.Add(neuron);
            return new SingleStepSlot(neuron, _stepContext);
        });
        if (expectedLayers is { } expected && _neurons.Count != expected)
            throw new ArgumentException($"architecture '{_body.Arch}' has {_neurons.Count} activation layers, {expected} thresholds given");
        register_module("body", _body);
        input_scale = Full([1], inputScale);
        register_buffer("input_scale", input_scale);
    }

    /// <summary>Architecture name of the body.</summary>
    public string Arch => _body.Arch;

    /// <summary>Input and output geometry.</summary>
    public FrameNetworkShape Shape => _body.Shape;

    /// <summary>What the body receives at each step (see the class summary).</summary>
    public ConversionInputMode InputMode { get; }

    /// <summary>
    /// Factor applied to the running mean of the inputs in causal mode: T when an event sample's T time slices are fed
    /// one per step to a network trained on their sum. Always 1 in repeat mode.
    /// </summary>
    public double InputScale
    {
        get { using var _ = torch.no_grad(); return input_scale.item<float>(); }
    }

    /// <summary>The IF neurons in forward order.</summary>
    public IReadOnlyList<IfNeuron> Neurons => _neurons;

    /// <inheritdoc/>
    public override IReadOnlyList<ISpikingLayer> SpikingLayers => _neurons;

    /// <inheritdoc/>
    public override int Classes => _body.Shape.Classes;

    /// <inheritdoc/>
    public override void ResetState()
    {
        foreach (var n in _neurons) n.ResetState();
        _inputSum?.Dispose();
        _inputSum = null;
        _steps = 0;
    }

    /// <inheritdoc/>
    protected override Tensor ForwardSingleStep(Tensor x)
    {
        if (InputMode == ConversionInputMode.Repeat) return _body.forward(x);
        using var scope = torch.NewDisposeScope();
        if (_inputSum is not null && !_inputSum.shape.SequenceEqual(x.shape))
            throw new InvalidOperationException($"input shape changed within a sample ([{string.Join(", ", _inputSum.shape)}] then [{string.Join(", ", x.shape)}]); call ResetState between samples");
        var sum = _inputSum is null ? x.clone() : Add(_inputSum, x);
        sum.DetachFromDisposeScope();
        _inputSum?.Dispose();
        _inputSum = sum;
        _steps++;
        // The scale is a buffer (saved with the weights, moved with the module), so no host sync per step.
        var input = sum.mul(input_scale).div(torch.tensor((float)_steps, device: x.device));
        return _body.forward(input).MoveToOuterDisposeScope();
    }

    /// <inheritdoc/>
    /// <remarks>
    /// In causal mode the state begins with the running input sum (<c>[C, H, W]</c>) and the step count (a float per
    /// sample), then the IF membranes in forward order.
    /// </remarks>
    protected override Tensor ForwardStepWithState(Tensor x, StepState state)
    {
        using var scope = torch.NewDisposeScope();
        Tensor input = x;
        if (InputMode == ConversionInputMode.Causal)
        {
            var sum = state.Next("input_sum", x.shape.AsSpan(1), x.dtype, 0);
            var steps = state.Next("input_steps", ReadOnlySpan<long>.Empty, x.dtype, 0);
            AddInPlace(sum, x);
            AddInPlace(steps, 1.0);
            var shape = new long[x.dim()];
            Array.Fill(shape, 1L);
            shape[0] = x.shape[0];
            input = sum.mul(input_scale).div(steps.view(shape));
        }
        _stepContext.State = state;
        try { return _body.forward(input).MoveToOuterDisposeScope(); }
        finally { _stepContext.State = null; }
    }

    /// <inheritdoc/>
    protected override Tensor ForwardMultiStep(Tensor x)
    {
        var outputs = new Tensor[x.shape[0]];
        for (long t = 0; t < outputs.Length; t++)
        {
            using var step = x[t];
            outputs[t] = ForwardSingleStep(step);
        }
        var y = torch.stack(outputs);
        foreach (var o in outputs) o.Dispose();
        return y;
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing) { _inputSum?.Dispose(); _inputSum = null; }
        base.Dispose(disposing);
    }

    /// <summary>
    /// Rebuilds a converted network from checkpoint metadata (thresholds from <see cref="NeuronSettings.LayerThresholds"/>,
    /// input mode from <see cref="ModelInfo.Input"/>; checkpoints written before the mode was recorded ran causally).
    /// </summary>
    public static ConvertedNetwork FromInfo(string arch, ModelInfo info)
    {
        if (info.Neuron.Kind != NeuronKind.If || info.Neuron.Reset != NeuronReset.Soft || info.Neuron.Tau != 1.0 || info.Neuron.InitialMembrane != 0.5)
            throw new ArgumentException($"'{arch}' checkpoints hold converted networks: expected IF neurons (soft reset, τ = 1, initial membrane 0.5), got kind '{info.Neuron.Kind.Name()}', reset '{info.Neuron.Reset.Name()}', τ = {info.Neuron.Tau}, initial membrane {info.Neuron.InitialMembrane}");
        var shape = new FrameNetworkShape(info.InputChannels, info.Height, info.Width, info.Classes);
        ActivationNetwork Build(ActivationFactory factory) => FrameArchitectures.Create(arch, shape, factory);
        var mode = info.Input is { } input ? input.Mode : ConversionInputMode.Causal;
        double scale = info.Input?.Scale ?? 1.0;   // the buffer of the weights overwrites it on load
        return info.Neuron.LayerThresholds is { } layers
            ? new ConvertedNetwork(Build, layers, mode, scale)
            : new ConvertedNetwork(Build, _ => info.Neuron.Threshold, null, mode, scale);
    }

    /// <summary>Holds an IF neuron in an activation slot and runs it one timestep at a time.</summary>
    private sealed class SingleStepSlot : nn.Module<Tensor, Tensor>
    {
        private readonly IfNeuron _neuron;
        private readonly StepContext _context;

        public SingleStepSlot(IfNeuron neuron, StepContext context) : base("SingleStepSlot")
        {
            _neuron = neuron;
            _context = context;
            register_module("neuron", neuron);
        }

        public override Tensor forward(Tensor x) =>
            _context.State is { } state ? _neuron.StepWithState(x, state) : _neuron.ForwardSingleStep(x);
    }

    /// <summary>The explicit-state step in progress, shared by the network and its activation slots.</summary>
    private sealed class StepContext
    {
        public StepState? State;
    }
}
