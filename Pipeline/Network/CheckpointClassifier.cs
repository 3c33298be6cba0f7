using EventSnn.Model;
using Google.Protobuf;
using EventSnn.Model.Cutoff;
using TorchSharp;
using static TorchSharp.torch;

namespace EventSnn.Pipeline.Network;

/// <summary>
/// A spiking network checkpoint for the network stage: reads the checkpoint's <see cref="ModelInfo"/> at once and
/// loads the network itself, once per process, with <see cref="Load"/> (before the first bin, never on the network
/// stage's thread while streams wait). The loaded <see cref="SpikingNetworkBatch"/> serves every stream, each
/// stream's membranes in a state slot.
/// </summary>
public sealed class CheckpointClassifierFactory
{
    readonly string _path;

    /// <summary>Reads the checkpoint's <see cref="ModelInfo"/> (not its weights yet).</summary>
    /// <exception cref="InvalidDataException">The file is not a checkpoint (message names the file).</exception>
    public CheckpointClassifierFactory(string checkpointPath)
    {
        _path = checkpointPath;
        Model = Checkpoint.ReadInfo(checkpointPath);
        if (Model.InputChannels != 2)
            throw new InvalidDataException($"{checkpointPath}: the network takes {Model.InputChannels} input channels; event frames have 2 (OFF, ON)");
        var names = Model.ClassNames.Length == Model.Classes
            ? Model.ClassNames
            : Enumerable.Range(0, Model.Classes).Select(k => k.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Info = new ClassifierInfo(names, Model.T, Model.Height, Model.Width);
    }

    /// <summary>The checkpoint's model description (frame settings included).</summary>
    public ModelInfo Model { get; }

    /// <summary>The model's classes, input size and T.</summary>
    public ClassifierInfo Info { get; }

    /// <summary>
    /// Loads the network (eval mode) onto <paramref name="device"/> (CPU by default) and makes its state for
    /// <paramref name="initialSlots"/> streams (grown on demand), stepping at most <paramref name="maxBatch"/> streams at once.
    /// With <paramref name="fold"/>, BatchNorm is folded into the preceding convolution or linear layer where the
    /// architecture allows (<see cref="FoldedNetwork"/>).
    /// </summary>
    public SpikingNetworkBatch Load(int maxBatch = 64, int initialSlots = 16, Device? device = null, bool fold = true)
    {
        var (net, _) = Checkpoint.Load(_path, device);
        try
        {
            net.eval();
            return new SpikingNetworkBatch(net, Info, maxBatch, initialSlots, fold);
        }
        catch
        {
            net.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Exports the checkpoint as an ONNX step graph (BatchNorm folded) and opens it with ONNX Runtime: the
    /// <c>onnxruntime</c> backend, with <paramref name="threads"/> intra-op threads (0 = its default) and the CUDA
    /// provider when <paramref name="useCuda"/> and the build has it.
    /// </summary>
    /// <exception cref="EventSnn.Model.Portable.PortableFormatException">The network has no ONNX form (names the layer).</exception>
    public OnnxNetworkBatch LoadOnnx(int maxBatch = 64, int initialSlots = 16, int threads = 0, bool useCuda = false)
    {
        var (net, info) = Checkpoint.Load(_path);
        byte[] bytes;
        using (net)
        {
            var (model, _) = EventSnn.Model.Portable.OnnxExport.ToModel(EventSnn.Model.Portable.PortableNetwork.From(net, info));
            using var ms = new MemoryStream();
            model.WriteTo(ms);
            bytes = ms.ToArray();
        }
        var session = new EventSnn.Model.Portable.OnnxStepSession(bytes, threads, useCuda, _path);
        try { return new OnnxNetworkBatch(session, Info, maxBatch, initialSlots); }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The online cutoff for this checkpoint: the calibrated Top-K rule from <c>CKPT.cutoff.json</c> when it
    /// exists (at its operating ε, or <paramref name="policy"/>/<paramref name="setting"/> when given), else the
    /// fixed-T baseline (decide at T). Returns the rule and a description of it.
    /// </summary>
    public (ExitRule Rule, string Description) LoadExitRule(CutoffPolicyKind? policy = null, double? setting = null)
    {
        string calibrationPath = CutoffCalibration.PathFor(_path);
        ICutoffPolicy cutoff;
        if (File.Exists(calibrationPath))
            cutoff = CutoffPolicies.FromCalibration(CutoffCalibration.Load(calibrationPath), policy ?? CutoffPolicyKind.TopK, setting);
        else if (policy is null && setting is null)
            // Uncalibrated: no cutoff at all; the decision at T is then labelled max_timesteps, not cutoff.
            return ((_, _) => false, FormattableString.Invariant($"none (uncalibrated: decides at T={Model.T})"));
        else if (policy is null or CutoffPolicyKind.Fixed)
            cutoff = new FixedPolicy((int)(setting ?? Model.T));
        else
            throw new FileNotFoundException($"{calibrationPath} not found: calibrate the checkpoint first (eventsnn calibrate) or use --cutoff fixed", calibrationPath);
        string what = FormattableString.Invariant($"{cutoff.Policy.Name()} {cutoff.Parameter}={cutoff.Setting}");
        return (cutoff.ShouldExit, what);
    }
}

/// <summary>
/// One <see cref="SpikingNetwork"/> stepping many streams at once (inference only): each stream's state is a slot of a
/// <see cref="NetworkState"/> on the network's device; a step copies the B frames into a reused input tensor, runs one
/// explicit-state step on <c>[B, 2, H, W]</c> and reads the <c>[B, K]</c> outputs back.
/// </summary>
public sealed class SpikingNetworkBatch : IBatchedClassifier
{
    readonly SpikingNetwork _net;
    readonly FoldedNetwork? _folded;
    readonly NetworkState _state;
    readonly Tensor _input;
    readonly Device _device;
    readonly int _maxBatch, _frame;
    readonly Tensor?[] _inputRows;   // _input's first b rows, per b, made on first use

    /// <summary>Takes ownership of <paramref name="net"/> (in eval mode) and makes state for <paramref name="initialSlots"/> streams.</summary>
    public SpikingNetworkBatch(SpikingNetwork net, ClassifierInfo info, int maxBatch, int initialSlots = 16, bool fold = true)
    {
        if (maxBatch < 1) throw new ArgumentOutOfRangeException(nameof(maxBatch), "the largest batch must be at least 1");
        _net = net;
        Info = info;
        _device = net.Device;
        _maxBatch = maxBatch;
        _frame = 2 * info.Height * info.Width;
        _folded = fold ? FoldedNetwork.TryCreate(net) : null;
        _state = net.CreateState([2, info.Height, info.Width], Math.Max(1, initialSlots), _device);
        _input = torch.zeros([maxBatch, 2, info.Height, info.Width], dtype: ScalarType.Float32);
        _input.DetachFromDisposeScope();
        _inputRows = new Tensor?[maxBatch + 1];
    }

    /// <inheritdoc />
    public ClassifierInfo Info { get; }

    /// <summary>The network (its modules' own state is not used).</summary>
    public SpikingNetwork Network => _net;

    /// <summary>Whether BatchNorm was folded into the layers before it.</summary>
    public bool Folded => _folded is not null;

    /// <summary>The state of every slot.</summary>
    public NetworkState State => _state;

    /// <inheritdoc />
    public int Slots => _state.Capacity;

    /// <inheritdoc />
    public long StateBytesPerSlot => _state.BytesPerSlot;

    /// <inheritdoc />
    public void EnsureSlots(int slots) => _state.Grow(slots);

    /// <inheritdoc />
    public void Reset(int slot) => _state.Reset(slot);

    /// <inheritdoc />
    public void Step(ReadOnlySpan<int> slots, ReadOnlySpan<float> frames, Span<float> outputs)
    {
        int b = slots.Length;
        if (b < 1 || b > _maxBatch) throw new ArgumentException($"a step takes 1..{_maxBatch} streams, got {b}", nameof(slots));
        int k = Info.Classes;
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        _input.data<float>().CopyFrom(frames.Slice(0, b * _frame), 0, 0);
        var x = _inputRows[b] ??= Rows(b);
        if (_device.type != DeviceType.CPU) x = x.to(_device);
        var y = _folded is not null ? _folded.Step(x, _state, slots) : _net.Step(x, _state, slots);
        if (_device.type != DeviceType.CPU) y = y.to(CPU);
        y.data<float>().CopyTo(outputs.Slice(0, b * k), 0, 0);
    }

    Tensor Rows(int b)
    {
        var rows = _input.narrow(0, 0, b);
        rows.DetachFromDisposeScope();
        return rows;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var r in _inputRows) r?.Dispose();
        _state.Dispose();
        _input.Dispose();
        _folded?.Dispose();
        _net.Dispose();
    }
}
