namespace EventSnn.Model.Cutoff;

/// <summary>Settings of a full calibration (Top-K ε sweep and SpikeCP coverages).</summary>
public sealed record CalibrationSettings
{
    /// <summary>ε of the operating point (default 0).</summary>
    public double Epsilon { get; init; }

    /// <summary>ε values swept (default 0, 0.01, …, 0.09).</summary>
    public IReadOnlyList<double> Epsilons { get; init; } = TopKCutoff.DefaultEpsilons;

    /// <summary>SpikeCP coverages swept.</summary>
    public IReadOnlyList<double> Coverages { get; init; } = ConformalCutoff.DefaultCoverages;

    /// <summary>β bins B.</summary>
    public int Bins { get; init; } = TopKCutoff.DefaultBins;
}

/// <summary>Calibrates every calibrated policy (Top-K and SpikeCP) from one training output set.</summary>
public static class CutoffCalibrator
{
    /// <summary>Top-K sweep plus SpikeCP thresholds; dropout/seed/model are recorded as given.</summary>
    public static CutoffCalibration Calibrate(OutputSet train, CalibrationSettings settings, double dropout = 0, int? seed = null, string? model = null)
    {
        var topk = TopKCutoff.Calibrate(train, settings.Epsilon, settings.Epsilons, settings.Bins);
        return new CutoffCalibration
        {
            T = topk.T,
            Classes = topk.Classes,
            Samples = topk.Samples,
            Bins = topk.Bins,
            MaxGap = topk.MaxGap,
            Epsilon = topk.Epsilon,
            Thresholds = topk.Thresholds,
            TopK = topk.TopK,
            Conformal = settings.Coverages.Select(c => new ConformalThresholds(c, ConformalCutoff.Calibrate(train, c))).ToList(),
            Dropout = dropout,
            Seed = seed,
            Model = model,
        };
    }
}
