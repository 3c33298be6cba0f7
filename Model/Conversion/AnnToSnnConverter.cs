using TorchSharp;
using static TorchSharp.torch;

namespace EventSnn.Model.Conversion;

/// <summary>
/// Converts a trained constrained ANN into a <see cref="ConvertedNetwork"/> (METHOD.md §5.2). Unlike the public
/// code (METHOD.md §13.1–13.2), conversion never silently leaves a layer unconverted or drops the trained λ: every
/// activation must be an <see cref="AnnActivation"/>, and the result is checked to hold one IF neuron per
/// activation with threshold λ, soft reset, no leak and membrane λ/2.
/// </summary>
public static class AnnToSnnConverter
{
    /// <summary>
    /// Builds the converted SNN on the ANN's device, in eval mode; the ANN is left unchanged. <paramref name="mode"/> and
    /// <paramref name="inputScale"/> say what the body receives each step (<see cref="ConvertedNetwork"/>).
    /// </summary>
    public static ConvertedNetwork Convert(ActivationNetwork ann, ConversionInputMode mode = ConversionInputMode.Repeat, double inputScale = 1.0)
    {
        var thresholds = new double[ann.Activations.Count];
        for (int i = 0; i < thresholds.Length; i++)
        {
            if (ann.Activations[i] is not AnnActivation activation)
                throw new ArgumentException($"activation {i} of '{ann.Arch}' is a {ann.Activations[i].GetType().Name}, not a QCFS/clip/running-max constraint; it has no threshold to convert");
            thresholds[i] = activation.Threshold;
            if (!(thresholds[i] > 0))
                throw new InvalidOperationException($"activation {i} of '{ann.Arch}' has threshold λ = {thresholds[i]}; IF conversion needs λ > 0");
        }
        var snn = new ConvertedNetwork(ann.WithActivations, thresholds, mode, inputScale);
        var device = AnnObjective.DeviceOf(ann);
        if (device.type != DeviceType.CPU) snn.to(device);
        CopyWeights(ann, snn);
        snn.eval();
        Verify(snn, thresholds);
        return snn;
    }

    /// <summary>Copies every ANN parameter and buffer except the thresholds into the SNN body (names must match 1:1).</summary>
    private static void CopyWeights(ActivationNetwork ann, ConvertedNetwork snn)
    {
        var source = ann.state_dict();
        var target = snn.state_dict();
        var missing = new List<string>();
        using var _ = torch.no_grad();
        foreach (var (name, tensor) in source)
        {
            if (name.EndsWith(".vthr", StringComparison.Ordinal)) continue;
            if (!target.TryGetValue("body." + name, out var destination)) { missing.Add(name); continue; }
            if (!destination.shape.SequenceEqual(tensor.shape))
                throw new InvalidOperationException($"'{name}': ANN shape [{string.Join(", ", tensor.shape)}], SNN shape [{string.Join(", ", destination.shape)}]");
            destination.copy_(tensor);
        }
        if (missing.Count > 0)
            throw new InvalidOperationException($"the converted network has no place for: {string.Join(", ", missing)}");
    }

    private static void Verify(ConvertedNetwork snn, double[] thresholds)
    {
        if (snn.Neurons.Count != thresholds.Length)
            throw new InvalidOperationException($"{thresholds.Length} activations but {snn.Neurons.Count} IF neurons after conversion");
        for (int i = 0; i < thresholds.Length; i++)
        {
            var n = snn.Neurons[i];
            if (n.Threshold != thresholds[i] || !n.SoftReset || n.Tau != 1.0 || n.InitialMembrane != 0.5)
                throw new InvalidOperationException($"IF neuron {i} is not λ = {thresholds[i]}, soft reset, τ = 1, v0 = λ/2");
        }
    }

    /// <summary>
    /// Metadata for <see cref="Checkpoint.Save"/>: kind "converted", IF neurons with the per-layer λ (the checkpoint
    /// stores them), the input geometry and classes of the network, <paramref name="timesteps"/> as T, and how the input
    /// is built (<paramref name="input"/>: source and normalisation; mode and scale are taken from the network).
    /// </summary>
    public static ModelInfo Describe(ConvertedNetwork snn, int timesteps, string dataset, IReadOnlyList<string> classNames, FrameInfo? frames = null,
        ConversionInput? input = null)
    {
        input ??= new ConversionInput { Source = frames is null ? ConversionInput.Images : ConversionInput.Events };
        input = input with { Mode = snn.InputMode, Scale = snn.InputScale };
        var thresholds = snn.Neurons.Select(n => n.Threshold).ToArray();
        return new ModelInfo
        {
            Arch = snn.Arch,
            T = timesteps,
            Classes = snn.Classes,
            ClassNames = classNames.Count == snn.Classes ? classNames.ToArray() : [],
            InputChannels = snn.Shape.InputChannels,
            Height = snn.Shape.Height,
            Width = snn.Shape.Width,
            Neuron = NeuronSettings.If(thresholds.Length > 0 ? thresholds.Average() : 1.0, thresholds),
            Dataset = dataset,
            Frames = frames,
            Kind = "converted",
            Input = input,
        };
    }
}
