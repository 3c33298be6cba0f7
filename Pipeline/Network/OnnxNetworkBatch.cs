using EventSnn.Model.Portable;

namespace EventSnn.Pipeline.Network;

/// <summary>
/// The ONNX Runtime backend of the network stage: the checkpoint exported as an ONNX step graph
/// (<see cref="OnnxExport"/>, BatchNorm folded) and stepped by an <see cref="OnnxStepSession"/>, each stream's membranes
/// in one of its state slots.
/// </summary>
public sealed class OnnxNetworkBatch : IBatchedClassifier
{
    readonly OnnxStepSession _session;
    readonly int _maxBatch;

    /// <summary>Takes ownership of <paramref name="session"/> and makes state for <paramref name="initialSlots"/> streams.</summary>
    public OnnxNetworkBatch(OnnxStepSession session, ClassifierInfo info, int maxBatch, int initialSlots = 16)
    {
        if (maxBatch < 1) throw new ArgumentOutOfRangeException(nameof(maxBatch), "the largest batch must be at least 1");
        if (session.Classes != info.Classes || session.InputShape[1] != info.Height || session.InputShape[2] != info.Width || session.InputShape[0] != 2)
            throw new ArgumentException($"the ONNX step graph takes [{string.Join(", ", session.InputShape)}] and gives {session.Classes} outputs; the model is 2x{info.Height}x{info.Width} with {info.Classes} classes");
        _session = session;
        _maxBatch = maxBatch;
        Info = info;
        _session.EnsureSlots(Math.Max(1, initialSlots));
    }

    /// <inheritdoc />
    public ClassifierInfo Info { get; }

    /// <summary>"CPU" or "CUDA".</summary>
    public string ExecutionProvider => _session.ExecutionProvider;

    /// <inheritdoc />
    public int Slots => _session.Capacity;

    /// <inheritdoc />
    public long StateBytesPerSlot => _session.StateBytesPerSlot;

    /// <inheritdoc />
    public void EnsureSlots(int slots) => _session.EnsureSlots(slots);

    /// <inheritdoc />
    public void Reset(int slot) => _session.Reset(slot);

    /// <inheritdoc />
    public void Step(ReadOnlySpan<int> slots, ReadOnlySpan<float> frames, Span<float> outputs)
    {
        if (slots.Length < 1 || slots.Length > _maxBatch) throw new ArgumentException($"a step takes 1..{_maxBatch} streams, got {slots.Length}", nameof(slots));
        _session.Step(slots, frames, outputs);
    }

    /// <inheritdoc />
    public void Dispose() => _session.Dispose();
}
