namespace EventSnn.Pipeline.Network;

/// <summary>
/// One loaded model that steps many streams at once. Each stream's carried state (membranes, step indices) lives in a
/// numbered slot the caller assigns; one <see cref="Step"/> advances any set of slots by one timestep on a batch of
/// frames. The network stage owns the slots; every call is made on the stage's thread (TorchSharp's dispose scopes
/// are thread-static).
/// </summary>
public interface IBatchedClassifier : IDisposable
{
    /// <summary>The model's classes, input size and T.</summary>
    ClassifierInfo Info { get; }

    /// <summary>Slots that exist now (grown with <see cref="EnsureSlots"/>).</summary>
    int Slots { get; }

    /// <summary>Bytes of carried state per slot: the memory one more stream costs the model.</summary>
    long StateBytesPerSlot { get; }

    /// <summary>Makes sure slots 0..<paramref name="slots"/>−1 exist (new ones at their initial state).</summary>
    void EnsureSlots(int slots);

    /// <summary>Returns <paramref name="slot"/> to its initial state (before the first step of a new classification).</summary>
    void Reset(int slot);

    /// <summary>
    /// One timestep of the B = <paramref name="slots"/>.Length streams: row i of <paramref name="frames"/>
    /// (<c>B × [2, Height, Width]</c> counts, channel 0 = OFF, 1 = ON) is the next frame of slot <c>slots[i]</c>; the per-step
    /// output O(t) of row i (K values, not accumulated) is written to row i of <paramref name="outputs"/> (<c>B × K</c>).
    /// Slots must be distinct.
    /// </summary>
    void Step(ReadOnlySpan<int> slots, ReadOnlySpan<float> frames, Span<float> outputs);
}

/// <summary>
/// An <see cref="IBatchedClassifier"/> over per-stream <see cref="IStreamClassifier"/>s (one instance per slot, made on
/// first use and stepped one after another): for stand-in classifiers that hold their own state. A spiking network
/// checkpoint is served by <see cref="SpikingNetworkBatch"/> instead (one network, state in slots).
/// </summary>
public sealed class PerStreamClassifiers(IStreamClassifierFactory factory) : IBatchedClassifier
{
    readonly List<IStreamClassifier?> _slots = new();

    /// <inheritdoc />
    public ClassifierInfo Info { get; } = factory.Info;

    /// <inheritdoc />
    public int Slots => _slots.Count;

    /// <inheritdoc />
    public long StateBytesPerSlot => 0;

    /// <inheritdoc />
    public void EnsureSlots(int slots)
    {
        while (_slots.Count < slots) _slots.Add(null);
    }

    /// <inheritdoc />
    public void Reset(int slot) => _slots[slot]?.Reset();

    /// <inheritdoc />
    public void Step(ReadOnlySpan<int> slots, ReadOnlySpan<float> frames, Span<float> outputs)
    {
        int frame = 2 * Info.Height * Info.Width, k = Info.Classes;
        for (int i = 0; i < slots.Length; i++)
        {
            var c = _slots[slots[i]] ??= factory.Create();
            c.Step(frames.Slice(i * frame, frame), outputs.Slice(i * k, k));
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var c in _slots) c?.Dispose();
        _slots.Clear();
    }
}
