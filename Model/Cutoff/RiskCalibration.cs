using System.Globalization;
using EventSnn.Datasets;
using EventSnn.Model;
using EventSnn.Model.Evaluation;

namespace EventSnn.Model.Cutoff;

/// <summary>
/// Outputs of a trained checkpoint on the two parts of its training split: the part it was fitted on and the
/// held-out validation part the trainer set aside (same seed and fraction as recorded in the checkpoint). Risk
/// control and the demo's operating point are chosen on the held-out part, never on the test split.
/// </summary>
public sealed record HeldOutOutputs(OutputSet Fit, OutputSet Validation);

/// <summary>Risk-controlled Top-K calibration of a trained checkpoint (<see cref="RiskControlledCutoff"/>).</summary>
public static class RiskCalibration
{
    /// <summary>Runs the network (no dropout) on the fitted and the held-out parts of <paramref name="train"/>.</summary>
    public static HeldOutOutputs Outputs(SpikingNetwork net, string checkpoint, FrameSet train, int batchSize)
    {
        var meta = Checkpoint.ReadMetadata(checkpoint);
        var inv = CultureInfo.InvariantCulture;
        int seed = meta.TryGetValue("seed", out var s) && int.TryParse(s, NumberStyles.Integer, inv, out int parsed) ? parsed : new TrainOptions().Seed;
        double fraction = meta.TryGetValue("validationFraction", out var f) && double.TryParse(f, NumberStyles.Float, inv, out double pf)
            ? pf
            : meta.TryGetValue("selection", out var sel) && sel.StartsWith("best-by-test", StringComparison.Ordinal) ? 0 : new TrainOptions().ValidationFraction;
        var (fitIdx, heldOut) = Trainer.SplitValidation(train.Labels, fraction, seed);
        if (heldOut.Length == 0)
            throw new ArgumentException($"{checkpoint}: the network was trained on its whole training split, so no held-out samples are left; retrain with --select validation");
        var options = new EvaluatorOptions { BatchSize = batchSize };
        using var fit = train.Subset(fitIdx);
        using var cal = train.Subset(heldOut);
        return new HeldOutOutputs(Evaluator.Run(net, fit, options).Outputs, Evaluator.Run(net, cal, options).Outputs);
    }

    /// <summary>λ grid shaped on the fitted part, λ chosen on the held-out part.</summary>
    public static RiskControlledThresholds Calibrate(HeldOutOutputs outputs, double delta, double confidence) =>
        RiskControlledCutoff.Calibrate(outputs.Validation, delta, confidence, RiskControlledCutoff.Grid(outputs.Fit), "validation");

    public static RiskControlledThresholds Calibrate(SpikingNetwork net, string checkpoint, FrameSet train, double delta, double confidence, int batchSize) =>
        Calibrate(Outputs(net, checkpoint, train, batchSize), delta, confidence);
}
