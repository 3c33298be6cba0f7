using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace EventSnn.Model;

/// <summary>
/// A <see cref="SpikingNetwork"/> that is a chain of <see cref="ITemporalLayer"/> modules (every VGG-style
/// architecture; converted networks built by hand). The last layer produces the class outputs.
/// </summary>
public sealed class SequentialSpikingNetwork : SpikingNetwork
{
    private readonly ModuleList<nn.Module<Tensor, Tensor>> layers;
    private readonly ITemporalLayer[] temporal;
    private readonly ISpikingLayer[] spiking;
    private readonly int classes;

    /// <summary>Builds a network from <paramref name="chain"/> (each item a module that also implements <see cref="ITemporalLayer"/>).</summary>
    public SequentialSpikingNetwork(string name, IEnumerable<nn.Module<Tensor, Tensor>> chain, int classes) : base(name)
    {
        var list = chain.ToList();
        foreach (var m in list)
            if (m is not ITemporalLayer) throw new ArgumentException($"layer '{m.GetName()}' ({m.GetType().Name}) does not implement ITemporalLayer");
        layers = nn.ModuleList(list.ToArray());
        temporal = list.Cast<ITemporalLayer>().ToArray();
        spiking = list.OfType<ISpikingLayer>().ToArray();
        this.classes = classes;
        RegisterComponents();
    }

    /// <summary>The layers in forward order.</summary>
    public IReadOnlyList<nn.Module<Tensor, Tensor>> Layers => layers.ToList();

    /// <inheritdoc/>
    public override IReadOnlyList<ISpikingLayer> SpikingLayers => spiking;

    /// <inheritdoc/>
    public override int Classes => classes;

    /// <inheritdoc/>
    public override void ResetState()
    {
        foreach (var l in temporal) l.ResetState();
    }

    /// <inheritdoc/>
    protected override Tensor ForwardMultiStep(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        var h = x;
        foreach (var l in temporal) h = l.ForwardMultiStep(h);
        return h.MoveToOuterDisposeScope();
    }

    /// <inheritdoc/>
    protected override Tensor ForwardStepWithState(Tensor x, StepState state)
    {
        using var scope = torch.NewDisposeScope();
        var h = x;
        foreach (var l in temporal) h = l.StepWithState(h, state);
        return h.MoveToOuterDisposeScope();
    }

    /// <inheritdoc/>
    protected override Tensor ForwardSingleStep(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        var h = x;
        foreach (var l in temporal) h = l.ForwardSingleStep(h);
        return h.MoveToOuterDisposeScope();
    }
}
