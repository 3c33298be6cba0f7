using System.Globalization;
using EventSnn.Datasets;
using EventSnn.Model;
using EventSnn.Model.Cutoff;
using EventSnn.Model.Evaluation;

namespace EventSnn.Cli.Cutoff;

/// <summary>
/// Risk-controlled Top-K calibration of a trained checkpoint: the λ grid is shaped on the part of the training
/// split the network was trained on, and λ is chosen on the held-out validation part (the split the trainer set
/// aside with the checkpoint's seed and validation fraction), never on the test split.
/// </summary>
internal static class RiskCalibration
{
    public static RiskControlledThresholds Calibrate(SpikingNetwork net, string checkpoint, FrameSet train, double delta, double confidence, int batchSize)
    {
        var meta = Checkpoint.ReadMetadata(checkpoint);
        var inv = CultureInfo.InvariantCulture;
        int seed = meta.TryGetValue("seed", out var s) && int.TryParse(s, NumberStyles.Integer, inv, out int parsed) ? parsed : new TrainOptions().Seed;
        double fraction = meta.TryGetValue("validationFraction", out var f) && double.TryParse(f, NumberStyles.Float, inv, out double pf)
            ? pf
            : meta.TryGetValue("selection", out var sel) && sel.StartsWith("best-by-test", StringComparison.Ordinal) ? 0 : new TrainOptions().ValidationFraction;
        var (fitIdx, heldOut) = Trainer.SplitValidation(train.Labels, fraction, seed);
        if (heldOut.Length == 0)
            throw new ArgumentException($"{checkpoint}: the network was trained on its whole training split, so no held-out samples are left for --risk; retrain with --select validation");
        var options = new EvaluatorOptions { BatchSize = batchSize };
        using var fit = train.Subset(fitIdx);
        using var cal = train.Subset(heldOut);
        var grid = RiskControlledCutoff.Grid(Evaluator.Run(net, fit, options).Outputs);
        return RiskControlledCutoff.Calibrate(Evaluator.Run(net, cal, options).Outputs, delta, confidence, grid, "validation");
    }
}
