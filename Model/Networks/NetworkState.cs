using TorchSharp;
using static EventSnn.Model.TensorMath;
using static TorchSharp.torch;

namespace EventSnn.Model;

/// <summary>
/// One tensor of state that a layer carries from one timestep to the next, per sample: an LIF/IF membrane
/// (<c>float32</c>, shape of the layer's input without the batch dimension, starting at <c>InitialMembrane·θ</c>), a
/// TEBN step index (<c>int64</c>, scalar per sample, starting at 0), a converted network's running input sum.
/// </summary>
/// <param name="Layer">Name of the layer that owns the state (for messages).</param>
/// <param name="SampleShape">Shape of one sample's state (no slot or batch dimension).</param>
/// <param name="DType">Element type.</param>
/// <param name="Initial">Value every element has at the start of a sample (membrane units, or a count).</param>
public sealed record StateEntry(string Layer, long[] SampleShape, ScalarType DType, double Initial)
{
    /// <summary>Elements of one sample's state.</summary>
    public long Elements => SampleShape.Aggregate(1L, (a, b) => a * b);

    /// <summary>Bytes of one sample's state.</summary>
    public long Bytes => Elements * (DType switch { ScalarType.Float64 or ScalarType.Int64 => 8, ScalarType.Float16 or ScalarType.BFloat16 => 2, _ => 4 });
}

/// <summary>
/// The state of the B samples of one explicit single step (<see cref="SpikingNetwork.Step(Tensor, StepState)"/>): one
/// tensor <c>[B, ...]</c> per <see cref="StateEntry"/>, handed to the layers in forward order (each stateful layer
/// takes the next one with <see cref="Next"/>) and updated in place by them, so after the step it holds the state
/// after it. A probe state (<see cref="NetworkState.Create"/>) makes each tensor at its initial value on first use and
/// records its description.
/// </summary>
public sealed class StepState
{
    readonly Tensor[]? _tensors;
    readonly IReadOnlyList<StateEntry>? _entries;
    readonly List<(StateEntry Entry, Tensor Tensor)>? _probed;
    readonly long _batch;
    int _next;

    StepState(Tensor[]? tensors, IReadOnlyList<StateEntry>? entries, long batch, bool probe)
    {
        _tensors = tensors;
        _entries = entries;
        _batch = batch;
        if (probe) _probed = new();
    }

    /// <summary>The state of <paramref name="batch"/> fresh samples, made as the layers ask for it (records the layout).</summary>
    internal static StepState Probe(long batch) => new(null, null, batch, probe: true);

    /// <summary>State over existing tensors <c>[B, ...]</c>, one per entry of <paramref name="entries"/>.</summary>
    internal static StepState Over(Tensor[] tensors, IReadOnlyList<StateEntry> entries, long batch) => new(tensors, entries, batch, probe: false);

    /// <summary>Samples stepped (B).</summary>
    public long Batch => _batch;

    /// <summary>Entries made by a probe, in order, with their tensors.</summary>
    internal IReadOnlyList<(StateEntry Entry, Tensor Tensor)> Probed => _probed ?? throw new InvalidOperationException("not a probe");

    /// <summary>Entries read so far.</summary>
    internal int Read => _next;

    /// <summary>
    /// The next state tensor <c>[B, sampleShape...]</c>, for the layer named <paramref name="layer"/>; the layer
    /// updates it in place. Throws when the layout differs from the one the state was made for.
    /// </summary>
    public Tensor Next(string layer, ReadOnlySpan<long> sampleShape, ScalarType dtype, double initial)
    {
        if (_probed is not null)
        {
            var shape = new long[sampleShape.Length + 1];
            shape[0] = _batch;
            sampleShape.CopyTo(shape.AsSpan(1));
            var t = Full(shape, initial, dtype: dtype);
            _probed.Add((new StateEntry(layer, sampleShape.ToArray(), dtype, initial), t));
            _next++;
            return t;
        }
        if (_next >= _tensors!.Length)
            throw new InvalidOperationException($"layer '{layer}' asks for state entry {_next}, but the state has {_tensors.Length} entries");
        var e = _entries![_next];
        if (e.DType != dtype || !e.SampleShape.AsSpan().SequenceEqual(sampleShape))
            throw new InvalidOperationException($"layer '{layer}' asks for state [{string.Join(", ", sampleShape.ToArray())}] {dtype}, " +
                                                $"the state holds [{string.Join(", ", e.SampleShape)}] {e.DType} of layer '{e.Layer}' there");
        return _tensors[_next++];
    }
}

/// <summary>
/// The carried state of a spiking network for S slots, held by the caller rather than by the network's modules:
/// one tensor <c>[S, ...]</c> per <see cref="StateEntry"/> (every spiking layer's membrane, every TEBN step index, a
/// converted network's running input), on the network's device. A slot is one independent sample (one live stream).
/// <see cref="SpikingNetwork.Step(Tensor, NetworkState, ReadOnlySpan{int})"/> steps any subset of slots at once:
/// their rows are gathered, stepped and written back (or stepped in place when the slots are consecutive).
/// <see cref="Reset(int)"/> puts a slot back to the start of a sample. Not thread-safe.
/// </summary>
public sealed class NetworkState : IDisposable
{
    readonly StateEntry[] _entries;
    Tensor[] _tensors;
    readonly double[] _initial;
    Tensor[]?[] _rows = [];   // per slot: views of its row in every entry, made on first single-slot step

    NetworkState(StateEntry[] entries, Tensor[] tensors, int slots)
    {
        _entries = entries;
        _tensors = tensors;
        Capacity = slots;
        _rows = new Tensor[]?[slots];
        _initial = entries.Select(e => e.Initial).ToArray();
        BytesPerSlot = entries.Sum(e => e.Bytes);
    }

    /// <summary>
    /// The state of <paramref name="slots"/> fresh samples for <paramref name="net"/> taking samples of
    /// <paramref name="sampleShape"/> (<c>[C, H, W]</c>), on <paramref name="device"/>. The layout is found by one
    /// probe step of a zero input (under no_grad; the network's own state is left as it was).
    /// </summary>
    public static NetworkState Create(SpikingNetwork net, ReadOnlySpan<long> sampleShape, int slots, Device? device = null)
    {
        if (slots < 1) throw new ArgumentOutOfRangeException(nameof(slots), "a state needs at least one slot");
        device ??= net.Device;
        var shape = new long[sampleShape.Length + 1];
        shape[0] = 1;
        sampleShape.CopyTo(shape.AsSpan(1));
        StateEntry[] entries;
        using (torch.no_grad())
        using (var scope = torch.NewDisposeScope())
        {
            var probe = StepState.Probe(1);
            var x = torch.zeros(shape, device: device);
            net.StepWithStateUnchecked(x, probe);
            entries = probe.Probed.Select(p => p.Entry).ToArray();
        }
        var tensors = new Tensor[entries.Length];
        for (int i = 0; i < entries.Length; i++)
        {
            tensors[i] = Fresh(entries[i], slots, device);
        }
        return new NetworkState(entries, tensors, slots);
    }

    static Tensor Fresh(StateEntry e, int slots, Device device)
    {
        var shape = new long[e.SampleShape.Length + 1];
        shape[0] = slots;
        e.SampleShape.CopyTo(shape, 1);
        var t = Full(shape, e.Initial, dtype: e.DType, device: device);
        t.DetachFromDisposeScope();
        return t;
    }

    /// <summary>What each state tensor holds, in the order layers read them.</summary>
    public IReadOnlyList<StateEntry> Entries => _entries;

    /// <summary>Slots S.</summary>
    public int Capacity { get; private set; }

    /// <summary>Bytes of state per slot (one stream's memory in the network stage).</summary>
    public long BytesPerSlot { get; }

    /// <summary>The whole state tensor of entry <paramref name="entry"/>, <c>[S, ...]</c> (a view for inspection; do not keep it).</summary>
    public Tensor Tensor(int entry) => _tensors[entry];

    /// <summary>
    /// Grows to <paramref name="slots"/> slots (new slots at their initial state; existing slots keep theirs). Does
    /// nothing when the state is already that large.
    /// </summary>
    public void Grow(int slots)
    {
        if (slots <= Capacity) return;
        DropRowViews();
        _rows = new Tensor[]?[slots];
        var device = _tensors.Length > 0 ? _tensors[0].device : torch.CPU;
        for (int i = 0; i < _tensors.Length; i++)
        {
            using var fresh = Fresh(_entries[i], slots - Capacity, device);
            var grown = torch.cat([_tensors[i], fresh], 0);
            grown.DetachFromDisposeScope();
            _tensors[i].Dispose();
            _tensors[i] = grown;
        }
        Capacity = slots;
    }

    /// <summary>Puts <paramref name="slot"/> back to the start of a sample (every entry at its initial value).</summary>
    public void Reset(int slot)
    {
        CheckSlot(slot);
        for (int i = 0; i < _tensors.Length; i++)
        {
            using var row = _tensors[i].narrow(0, slot, 1);
            FillInPlace(row, _initial[i]);
        }
    }

    /// <summary>Puts every slot back to the start of a sample.</summary>
    public void ResetAll()
    {
        for (int i = 0; i < _tensors.Length; i++) FillInPlace(_tensors[i], _initial[i]);
    }

    void CheckSlot(int slot)
    {
        if ((uint)slot >= (uint)Capacity) throw new ArgumentOutOfRangeException(nameof(slot), $"slot {slot} is not in 0..{Capacity - 1}");
    }

    /// <summary>
    /// Runs <paramref name="step"/> on the state of <paramref name="slots"/> (distinct, each in 0..S−1) and writes
    /// the updated state back. Consecutive ascending slots are stepped in place; any other set is gathered into
    /// <c>[B, ...]</c> tensors and scattered back afterwards.
    /// </summary>
    internal Tensor Apply(ReadOnlySpan<int> slots, Func<StepState, Tensor> step)
    {
        int b = slots.Length;
        if (b == 0) throw new ArgumentException("no slots to step", nameof(slots));
        bool consecutive = true;
        for (int i = 0; i < b; i++)
        {
            CheckSlot(slots[i]);
            if (slots[i] != slots[0] + i) consecutive = false;
        }
        if (b == 1)
        {
            // One stream: its row views are kept, so a lone stream's step makes no view and copies nothing.
            var rows = _rows[slots[0]] ??= MakeRows(slots[0]);
            var state = StepState.Over(rows, _entries, 1);
            var y = step(state);
            CheckAllRead(state);
            return y;
        }
        var batch = new Tensor[_tensors.Length];
        if (consecutive)
        {
            try
            {
                for (int i = 0; i < batch.Length; i++) batch[i] = _tensors[i].narrow(0, slots[0], b);
                var state = StepState.Over(batch, _entries, b);
                var y = step(state);
                CheckAllRead(state);
                return y;
            }
            finally
            {
                foreach (var t in batch) t?.Dispose();
            }
        }
        if (!HasDistinct(slots)) throw new ArgumentException("slots stepped together must be distinct", nameof(slots));
        var idx = new long[b];
        for (int i = 0; i < b; i++) idx[i] = slots[i];
        var device = _tensors.Length > 0 ? _tensors[0].device : torch.CPU;
        using var index = torch.tensor(idx, device: device);
        try
        {
            for (int i = 0; i < batch.Length; i++) batch[i] = _tensors[i].index_select(0, index);
            var state = StepState.Over(batch, _entries, b);
            var y = step(state);
            CheckAllRead(state);
            for (int i = 0; i < batch.Length; i++) _tensors[i].index_copy_(0, index, batch[i]);
            return y;
        }
        finally
        {
            foreach (var t in batch) t?.Dispose();
        }
    }

    Tensor[] MakeRows(int slot)
    {
        var rows = new Tensor[_tensors.Length];
        for (int i = 0; i < rows.Length; i++)
        {
            rows[i] = _tensors[i].narrow(0, slot, 1);
            rows[i].DetachFromDisposeScope();
        }
        return rows;
    }

    void DropRowViews()
    {
        foreach (var rows in _rows)
            if (rows is not null)
                foreach (var t in rows) t.Dispose();
        Array.Clear(_rows);
    }

    void CheckAllRead(StepState state)
    {
        if (state.Read != _entries.Length)
            throw new InvalidOperationException($"the network read {state.Read} of its {_entries.Length} state entries: the state was made for another network");
    }

    static bool HasDistinct(ReadOnlySpan<int> slots)
    {
        if (slots.Length <= 64)
        {
            for (int i = 1; i < slots.Length; i++)
                for (int j = 0; j < i; j++)
                    if (slots[i] == slots[j]) return false;
            return true;
        }
        var seen = new HashSet<int>();
        foreach (int s in slots) if (!seen.Add(s)) return false;
        return true;
    }

    /// <summary>Frees the state tensors.</summary>
    public void Dispose()
    {
        DropRowViews();
        foreach (var t in _tensors) t.Dispose();
        _tensors = [];
    }
}
