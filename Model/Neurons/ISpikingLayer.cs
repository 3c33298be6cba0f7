using static TorchSharp.torch;

namespace EventSnn.Model;

/// <summary>
/// One spiking-activation layer of a <see cref="SpikingNetwork"/> (a "layer" for RCS, spike counts and
/// calibration dropout; METHOD.md §1).
/// </summary>
public interface ISpikingLayer
{
    /// <summary>Module name inside the network.</summary>
    string Name { get; }

    /// <summary>Firing threshold θ (λ for IF neurons), membrane units. Settable so conversion can install trained λ.</summary>
    double Threshold { get; set; }

    /// <summary>When true, multi-step forward keeps the RCS response <c>R[t,n,:] = s + ReLU(u'/θ)</c>, shape <c>[T, N, D]</c>.</summary>
    bool RecordResponse { get; set; }

    /// <summary>Returns and forgets the response recorded by the last multi-step forward (null if none); the caller owns it.</summary>
    Tensor? TakeResponse();

    /// <summary>Dropout probability applied to this layer's output when &gt; 0 (inverted dropout, seeded; used by cutoff calibration).</summary>
    double DropoutRate { get; set; }

    /// <summary>When true, spikes emitted since <see cref="ResetSpikeCount"/> are summed (over batch, neurons and time).</summary>
    bool CountSpikes { get; set; }

    /// <summary>Spikes counted since the last <see cref="ResetSpikeCount"/> (synchronises with the device).</summary>
    double SpikeCount { get; }

    /// <summary>Sets <see cref="SpikeCount"/> to zero.</summary>
    void ResetSpikeCount();

    /// <summary>Number of neurons per sample (known after the first forward; 0 before).</summary>
    long NeuronsPerSample { get; }
}
