using EventSnn.Model;
using EventSnn.Tests.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace EventSnn.Tests.Portable;

/// <summary>
/// Runs layer by layer to see every spiking layer's output. The exactly representable networks themselves are
/// <see cref="ExactNetworks"/> (shared with the serving tests).
/// </summary>
internal static class DyadicNetworks
{
    /// <inheritdoc cref="ExactNetworks.Create"/>
    public static SpikingNetwork Create(ModelInfo info, int seed = 1) => ExactNetworks.Create(info, seed);

    /// <inheritdoc cref="ExactNetworks.Counts"/>
    public static Tensor Counts(long[] shape, int maxCount, int seed) => ExactNetworks.Counts(shape, maxCount, seed);

    /// <summary>Per-step outputs and every spiking layer's output of a multi-step run (<c>x [T, N, C, H, W]</c>), as float arrays.</summary>
    public static (float[] Outputs, List<float[]> Spikes) Trace(SpikingNetwork net, Tensor x)
    {
        var seq = (SequentialSpikingNetwork)net;
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        net.ResetState();
        var spikes = new List<float[]>();
        var h = x;
        foreach (var layer in seq.Layers)
        {
            h = ((ITemporalLayer)layer).ForwardMultiStep(h);
            if (layer is ISpikingLayer) spikes.Add(h.contiguous().data<float>().ToArray());
        }
        net.ResetState();
        return (h.contiguous().data<float>().ToArray(), spikes);
    }
}
