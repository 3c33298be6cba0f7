using EventSnn.Datasets;
using EventSnn.Model.Evaluation;

namespace EventSnn.Model.Cutoff;

/// <summary>What <see cref="CalibrationRun.Run"/> calibrates: a checkpoint's cutoff thresholds on the training split.</summary>
public sealed record CalibrationRequest
{
    /// <summary>Checkpoint (.ckpt).</summary>
    public required string Checkpoint { get; init; }

    /// <summary>Dataset root folder (or archive).</summary>
    public required string DataRoot { get; init; }

    /// <summary>Dataset name (null: the checkpoint's, else detected from the files).</summary>
    public string? Dataset { get; init; }

    /// <summary>Frame-cache folder (null: <see cref="CacheLocation.Resolve"/>'s default).</summary>
    public string? CacheDir { get; init; }

    /// <summary>ε of the operating point (the sweep is always stored).</summary>
    public double Epsilon { get; init; }

    /// <summary>Dropout after every spiking layer during calibration (0 = off).</summary>
    public double Dropout { get; init; } = 0.3;

    /// <summary>Seed of the calibration dropout.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Samples per batch.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Calibration file to write (null: <see cref="CutoffCalibration.PathFor"/> of the checkpoint).</summary>
    public string? Output { get; init; }

    /// <summary>Also choose risk-controlled Top-K thresholds with this risk δ (null: none).</summary>
    public double? Risk { get; init; }

    /// <summary>Probability with which the <see cref="Risk"/> bound holds.</summary>
    public double Confidence { get; init; } = 0.95;

    /// <summary>CPU threads for TorchSharp (0 = its default).</summary>
    public int Threads { get; init; }
}

/// <summary>The calibration <see cref="CalibrationRun.Run"/> made and the file it was saved to.</summary>
public sealed record CalibrationOutcome(CutoffCalibration Calibration, string Path);

/// <summary>Calibrates Top-K (and SpikeCP, and optionally risk-controlled) thresholds of a checkpoint on its training split (METHOD.md §2.2).</summary>
public static class CalibrationRun
{
    /// <summary>Loads the checkpoint and its training frames (<see cref="ModelFrames"/>), calibrates and saves the calibration file.</summary>
    public static CalibrationOutcome Run(CalibrationRequest r)
    {
        if (r.Threads > 0) TorchSharp.torch.set_num_threads(r.Threads);
        string ckpt = r.Checkpoint;
        var (net, info) = EventSnn.Model.Checkpoint.Load(ckpt);
        using var _ = net;
        using var train = ModelFrames.Load(info, r.DataRoot, r.Dataset, r.CacheDir, DatasetSplit.Train);
        var cal = Evaluator.Calibrate(net, train, new CalibrationSettings { Epsilon = r.Epsilon }, r.Dropout, r.Seed, r.BatchSize, ckpt);
        if (r.Risk is double d) cal.Risk.Add(RiskCalibration.Calibrate(net, ckpt, train, d, r.Confidence, r.BatchSize));
        string path = r.Output ?? CutoffCalibration.PathFor(ckpt);
        cal.Save(path);
        return new CalibrationOutcome(cal, path);
    }
}
