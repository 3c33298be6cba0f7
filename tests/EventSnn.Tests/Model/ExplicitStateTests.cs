using EventSnn.Model;
using EventSnn.Model.Conversion;
using TorchSharp;
using static TorchSharp.torch;
using static EventSnn.Tests.Model.TensorAssert;

namespace EventSnn.Tests.Model;

/// <summary>The explicit-state single step (state held by the caller, one slot per sample) against the other two modes.</summary>
[Collection(TorchCollection.Name)]
public class ExplicitStateTests
{
    static ModelInfo Info(bool tebn = false, NeuronSettings? neuron = null, int t = 6) =>
        new() { Arch = "tiny", T = t, Classes = 11, Height = 32, Width = 32, Tebn = tebn, Neuron = neuron ?? NeuronSettings.Lif() };

    public static TheoryData<string> Kinds => new() { "lif", "lif-tebn", "lif-soft", "if" };

    static ModelInfo InfoOf(string kind) => kind switch
    {
        "lif" => Info(),
        "lif-tebn" => Info(tebn: true),
        "lif-soft" => Info(neuron: NeuronSettings.Lif() with { Reset = NeuronReset.Soft, InitialMembrane = 0.25 }),
        _ => Info(neuron: NeuronSettings.If()),
    };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void ExplicitStepsEqualTheMultiStepForwardBitForBit(string kind)
    {
        using var scope = NewDisposeScope();
        using var net = ExactNetworks.Create(InfoOf(kind), seed: 3);
        using var _ = no_grad();
        var x = ExactNetworks.Counts([6, 3, 2, 32, 32], 3, seed: 4);
        foreach (var l in net.SpikingLayers) l.CountSpikes = true;
        var multi = net.call(x);
        // Every layer must fire (else the state would not matter), and not always.
        foreach (var l in net.SpikingLayers)
            Assert.True(l.SpikeCount > 0 && l.SpikeCount < 6 * 3 * l.NeuronsPerSample, $"{kind}: layer {l.Name} fired {l.SpikeCount} times");
        foreach (var l in net.SpikingLayers) l.CountSpikes = false;

        using var state = net.CreateState([2, 32, 32], slots: 3);
        var explicitSteps = torch.stack(Enumerable.Range(0, 6).Select(t => net.Step(x[t], state, [0, 1, 2])));
        Assert.True(Same(multi, explicitSteps), "explicit single steps differ from the multi-step forward");

        net.ResetState();
        var implicitSteps = torch.stack(Enumerable.Range(0, 6).Select(t => net.Step(x[t])));
        Assert.True(Same(multi, implicitSteps));
        // The explicit steps neither read nor wrote the modules' own state: a second run of them gives the same again.
        state.ResetAll();
        var again = torch.stack(Enumerable.Range(0, 6).Select(t => net.Step(x[t], state, [0, 1, 2])));
        Assert.True(Same(multi, again));
    }

    [Fact]
    public void StateLayoutHasOneEntryPerSpikingLayerAndTebnAndItsBytes()
    {
        using var lif = ExactNetworks.Create(Info());
        using var s1 = lif.CreateState([2, 32, 32], slots: 4);
        Assert.Equal(lif.SpikingLayers.Count, s1.Entries.Count);
        // tiny at 32x32: conv 8x8x8 membrane, then 16x4x4 membrane.
        Assert.Equal((8 * 8 * 8 + 16 * 4 * 4) * 4, s1.BytesPerSlot);
        Assert.All(s1.Entries, e => Assert.Equal(0.0, e.Initial));

        using var tebn = ExactNetworks.Create(Info(tebn: true));
        using var s2 = tebn.CreateState([2, 32, 32], slots: 4);
        Assert.Equal(4, s2.Entries.Count);
        Assert.Equal(ScalarType.Int64, s2.Entries[0].DType);

        using var ifNet = ExactNetworks.Create(Info(neuron: NeuronSettings.If(threshold: 2.0)));
        using var s3 = ifNet.CreateState([2, 32, 32], slots: 2);
        Assert.All(s3.Entries, e => Assert.Equal(1.0, e.Initial)); // θ/2
        Assert.Equal(1f, s3.Tensor(0).min().item<float>());
    }

    /// <summary>
    /// Samples stepped in shuffled subsets of slots, some slots reset and reused for new samples mid-way, others
    /// idle for a while: every sample's outputs equal its own multi-step forward alone, bit for bit.
    /// </summary>
    [Theory]
    [MemberData(nameof(Kinds))]
    public void InterleavedSlotsWithResetsDoNotLeakState(string kind)
    {
        using var scope = NewDisposeScope();
        using var net = ExactNetworks.Create(InfoOf(kind), seed: 5);
        using var _ = no_grad();
        const int Samples = 9, T = 6, Slots = 4;
        var x = ExactNetworks.Counts([T, Samples, 2, 32, 32], 3, seed: 6);
        // Alone: each sample's multi-step forward at batch 1.
        var alone = Enumerable.Range(0, Samples).Select(n => net.call(x.narrow(1, n, 1)).squeeze(1)).ToArray();

        using var state = net.CreateState([2, 32, 32], slots: Slots);
        var rng = new Random(7);
        var slotOf = new int?[Samples];
        var stepOf = new int[Samples];
        var outputs = Enumerable.Range(0, Samples).Select(_ => new List<Tensor>()).ToArray();
        var free = new Stack<int>(Enumerable.Range(0, Slots).Reverse());
        int next = 0;
        while (outputs.Any(o => o.Count < T))
        {
            // Admit new samples while slots are free; each decides ("ends") after a different number of steps.
            while (free.Count > 0 && next < Samples) { int s = free.Pop(); state.Reset(s); slotOf[next++] = s; }
            var live = Enumerable.Range(0, Samples).Where(n => slotOf[n] is not null).ToList();
            // Step a random non-empty subset, in random order.
            var chosen = live.Where(_ => rng.NextDouble() < 0.7).OrderBy(_ => rng.Next()).ToList();
            if (chosen.Count == 0) chosen.Add(live[rng.Next(live.Count)]);
            var input = torch.stack(chosen.Select(n => x[stepOf[n], n]));
            var y = net.Step(input, state, chosen.Select(n => slotOf[n]!.Value).ToArray());
            for (int i = 0; i < chosen.Count; i++)
            {
                int n = chosen[i];
                outputs[n].Add(y[i]);
                if (++stepOf[n] == T) { free.Push(slotOf[n]!.Value); slotOf[n] = null; }
            }
        }
        for (int n = 0; n < Samples; n++)
            Assert.True(Same(alone[n], torch.stack(outputs[n])), $"sample {n} differs from its multi-step forward alone");
    }

    [Fact]
    public void ConvertedCausalNetworkStepsWithExplicitStateAsItDoesWithItsOwn()
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var shape = new FrameNetworkShape(2, 32, 32, 10);
        using var net = new ConvertedNetwork("tiny-vgg", shape, Enumerable.Repeat(1.0, 16).ToArray()[..CountActivations(shape)], ConversionInputMode.Causal, inputScale: 4);
        ExactNetworks.Make(net, seed: 8);
        net.eval();
        var x = ExactNetworks.Counts([5, 2, 2, 32, 32], 2, seed: 9);
        var multi = net.call(x);
        using var state = net.CreateState([2, 32, 32], slots: 3);
        Assert.Equal(2 + net.Neurons.Count, state.Entries.Count);
        var steps = torch.stack(Enumerable.Range(0, 5).Select(t => net.Step(x[t], state, [2, 0])));
        Assert.True(Same(multi, steps));
    }

    static int CountActivations(FrameNetworkShape shape)
    {
        int n = 0;
        using var probe = FrameArchitectures.Create("tiny-vgg", shape, i => { n++; return nn.ReLU(); });
        return n;
    }

    [Fact]
    public void AStateOfAnotherNetworkIsRefusedWithAMessage()
    {
        using var a = ExactNetworks.Create(Info());
        using var b = ExactNetworks.Create(Info(tebn: true));
        using var state = a.CreateState([2, 32, 32], slots: 2);
        using var x = torch.zeros(1, 2, 32, 32);
        var e = Assert.Throws<InvalidOperationException>(() => b.Step(x, state, [0]));
        Assert.Contains("asks for state", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => a.Step(x, state, [2]));
        Assert.Throws<ArgumentException>(() => a.Step(torch.zeros(2, 2, 32, 32), state, [1, 1]));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void FoldedBatchNormGivesTheSameBitsOnExactNetworks(string kind)
    {
        using var scope = NewDisposeScope();
        using var net = ExactNetworks.Create(InfoOf(kind), seed: 11);
        using var folded = FoldedNetwork.TryCreate(net)!;
        Assert.Equal(2, folded.FoldedBatchNorms);
        using var _ = no_grad();
        var x = ExactNetworks.Counts([6, 4, 2, 32, 32], 3, seed: 12);
        using var a = net.CreateState([2, 32, 32], slots: 4);
        using var b = net.CreateState([2, 32, 32], slots: 4);
        for (int t = 0; t < 6; t++)
        {
            Assert.True(Same(net.Step(x[t], a, [0, 1, 2, 3]), folded.Step(x[t], b, new[] { 0, 1, 2, 3 })));
            for (int e = 0; e < a.Entries.Count; e++) Assert.True(Same(a.Tensor(e), b.Tensor(e)), $"state entry {e} differs at step {t}");
        }
    }

    /// <summary>
    /// On a network with ordinary float weights (trained statistics), folding changes rounding only: the first layer's
    /// membranes agree within 1e-5 and almost no output differs.
    /// </summary>
    [Theory]
    [InlineData("tiny", false)]
    [InlineData("tiny", true)]
    [InlineData("vgg-gesture", false)]
    public void FoldedBatchNormAgreesWithinRoundingOnAFloatNetwork(string arch, bool tebn)
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(13);
        using var net = Architectures.Create(arch, new ModelInfo { Arch = arch, T = 6, Classes = 11, Height = 32, Width = 32, Tebn = tebn });
        net.train();
        net.call(torch.rand(new long[] { 6, 4, 2, 32, 32 }) * 3).sum().backward();
        net.eval();
        using var folded = FoldedNetwork.TryCreate(net)!;
        Assert.True(folded.FoldedBatchNorms >= 2);
        using var _ = no_grad();
        var x = torch.randint(0, 4, new long[] { 6, 8, 2, 32, 32 }).to_type(ScalarType.Float32);
        using var a = net.CreateState([2, 32, 32], slots: 8);
        using var b = net.CreateState([2, 32, 32], slots: 8);
        var slots = Enumerable.Range(0, 8).ToArray();
        long differing = 0, total = 0;
        for (int t = 0; t < 6; t++)
        {
            var ya = net.Step(x[t], a, slots);
            var yb = folded.Step(x[t], b, slots);
            differing += ya.sub(yb).abs().gt(1e-3).sum().item<long>();
            total += ya.numel();
            int membrane = a.Entries.ToList().FindIndex(e => e.DType == ScalarType.Float32);
            var va = a.Tensor(membrane);
            var vb = b.Tensor(membrane);
            double scale = Math.Max(1.0, va.abs().max().item<float>());
            Assert.True(va.sub(vb).abs().max().item<float>() <= 1e-5 * scale, $"step {t}: first-layer membranes differ by {va.sub(vb).abs().max().item<float>()}");
        }
        Assert.True(differing <= total / 100, $"{differing} of {total} outputs differ");
    }

    /// <summary>The loaded network's step leaves no tensor behind: the thread's live-tensor count is the same after 200 steps as after 1.</summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void StepsKeepTheLiveTensorCountFlat(bool fold)
    {
        var info = new ModelInfo { Arch = "tiny", T = 6, Classes = 4, Height = 32, Width = 32 };
        using var model = new EventSnn.Pipeline.Network.SpikingNetworkBatch(ExactNetworks.Create(info, seed: 2), new EventSnn.Pipeline.Network.ClassifierInfo(["a", "b", "c", "d"], 6, 32, 32), maxBatch: 4, initialSlots: 8, fold: fold);
        var frames = new float[4 * 2 * 32 * 32];
        for (int i = 0; i < frames.Length; i++) frames[i] = i % 3;
        var outputs = new float[4 * 4];
        int[][] slotSets = [[0, 1, 2, 3], [5, 2, 7], [6]];
        // Warm up once per slot set: views of a slot's rows and of the input's first rows are made on first use, then kept.
        foreach (var set in slotSets) model.Step(set, frames.AsSpan(0, set.Length * 2048), outputs);
        // TotalCount is process-wide: tensors that earlier tests left to the garbage collector would be finalized
        // during the loop and lower the count, so let the finalizer run first.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        long before = TorchSharp.torch.Tensor.TotalCount;
        for (int k = 0; k < 200; k++)
        {
            var slots = slotSets[k % 3];
            model.Step(slots, frames.AsSpan(0, slots.Length * 2048), outputs);
            if (k % 7 == 0) model.Reset(slots[0]);
        }
        Assert.Equal(before, TorchSharp.torch.Tensor.TotalCount);
    }

}
