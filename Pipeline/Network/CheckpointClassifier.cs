using EventSnn.Model;
using EventSnn.Model.Cutoff;
using TorchSharp;
using static TorchSharp.torch;

namespace EventSnn.Pipeline.Network;

/// <summary>
/// Makes one <see cref="SpikingNetwork"/> per stream from a checkpoint (each stream needs its own membrane
/// state, which lives in the network's neurons). Networks are loaded on the network stage's thread when a
/// stream's first bin arrives.
/// </summary>
public sealed class CheckpointClassifierFactory : IStreamClassifierFactory
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

    /// <inheritdoc />
    public ClassifierInfo Info { get; }

    /// <inheritdoc />
    public IStreamClassifier Create()
    {
        var (net, _) = Checkpoint.Load(_path);
        net.eval();
        return new SpikingNetworkClassifier(net, Model.Height, Model.Width);
    }

    /// <summary>
    /// The online cutoff for this checkpoint: the calibrated Top-K rule from <c>CKPT.cutoff.json</c> when it
    /// exists (at its operating ε, or <paramref name="policy"/>/<paramref name="setting"/> when given), else the
    /// fixed-T baseline (decide at T). Returns the rule and a description of it.
    /// </summary>
    public (ExitRule Rule, string Description) LoadExitRule(string? policy = null, double? setting = null)
    {
        string calibrationPath = CutoffCalibration.PathFor(_path);
        ICutoffPolicy cutoff;
        if (File.Exists(calibrationPath))
            cutoff = CutoffPolicies.FromCalibration(CutoffCalibration.Load(calibrationPath), policy ?? "topk", setting);
        else if (policy is null && setting is null)
            // Uncalibrated: no cutoff at all; the decision at T is then labelled max_timesteps, not cutoff.
            return ((_, _) => false, FormattableString.Invariant($"none (uncalibrated: decides at T={Model.T})"));
        else if (policy is null or "fixed")
            cutoff = new FixedPolicy((int)(setting ?? Model.T));
        else
            throw new FileNotFoundException($"{calibrationPath} not found: calibrate the checkpoint first (eventsnn calibrate) or use --cutoff fixed", calibrationPath);
        string what = FormattableString.Invariant($"{cutoff.Policy} {cutoff.Parameter}={cutoff.Setting}");
        return (cutoff.ShouldExit, what);
    }
}

/// <summary>Single-step use of a <see cref="SpikingNetwork"/> on one stream's frames; CPU, inference only.</summary>
public sealed class SpikingNetworkClassifier : IStreamClassifier
{
    readonly SpikingNetwork _net;
    readonly int _height, _width;
    readonly float[] _input;

    /// <summary>Wraps <paramref name="net"/> (owned: disposed with this) taking frames <c>[2, height, width]</c>.</summary>
    public SpikingNetworkClassifier(SpikingNetwork net, int height, int width)
    {
        _net = net;
        _height = height;
        _width = width;
        _input = new float[2 * height * width];
        _net.ResetState();
    }

    /// <inheritdoc />
    public void Step(ReadOnlySpan<float> frame, Span<float> output)
    {
        frame.CopyTo(_input);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var x = tensor(_input, [1, 2, _height, _width]);
        var y = _net.Step(x).to(CPU);
        y.data<float>().CopyTo(output);
    }

    /// <inheritdoc />
    public void Reset() => _net.ResetState();

    /// <inheritdoc />
    public void Dispose() => _net.Dispose();
}
