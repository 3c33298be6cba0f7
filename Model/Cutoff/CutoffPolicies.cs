namespace EventSnn.Model.Cutoff;

/// <summary>Builds policies from a calibration and the standard sweeps of every family.</summary>
public static class CutoffPolicies
{
    /// <summary>Max-softmax thresholds swept.</summary>
    public static IReadOnlyList<double> DefaultSoftmaxThresholds { get; } = [0.5, 0.7, 0.8, 0.9, 0.95, 0.99, 0.999];

    /// <summary>Normalised-entropy thresholds swept.</summary>
    public static IReadOnlyList<double> DefaultEntropyThresholds { get; } = [0.5, 0.3, 0.2, 0.1, 0.05, 0.02, 0.01];

    /// <summary>
    /// One online policy from a calibration: Top-K (at <paramref name="setting"/> = ε, default the operating
    /// point), Top-K with risk control (setting = δ, default the smallest calibrated) or conformal (setting = coverage,
    /// default the highest calibrated). Uncalibrated families (softmax, entropy, fixed) need a setting.
    /// </summary>
    public static ICutoffPolicy FromCalibration(CutoffCalibration calibration, CutoffPolicyKind policy = CutoffPolicyKind.TopK, double? setting = null, double temperature = 1.0)
    {
        switch (policy)
        {
            case CutoffPolicyKind.TopK:
                if (setting is null || setting == calibration.Epsilon) return calibration.TopKPolicy();
                var k = calibration.TopK.FirstOrDefault(e => Math.Abs(e.Epsilon - setting.Value) < 1e-12)
                        ?? throw new ArgumentException($"ε={setting} was not calibrated; calibrated: {string.Join(", ", calibration.TopK.Select(e => e.Epsilon))}");
                return new TopKPolicy(k.Thresholds, k.Epsilon);
            case CutoffPolicyKind.Conformal:
                if (calibration.Conformal.Count == 0) throw new ArgumentException("the calibration has no conformal thresholds");
                var c = setting is null ? calibration.Conformal.MaxBy(e => e.Coverage)!
                        : calibration.Conformal.FirstOrDefault(e => Math.Abs(e.Coverage - setting.Value) < 1e-12)
                          ?? throw new ArgumentException($"coverage {setting} was not calibrated");
                return new ConformalPolicy(c.Thresholds, c.Coverage);
            case CutoffPolicyKind.TopKRisk:
                if (calibration.Risk.Count == 0) throw new ArgumentException("the calibration has no risk-controlled thresholds (calibrate with --risk DELTA)");
                var r = setting is null ? calibration.Risk.MinBy(e => e.Delta)!
                        : calibration.Risk.FirstOrDefault(e => Math.Abs(e.Delta - setting.Value) < 1e-12)
                          ?? throw new ArgumentException($"δ={setting} was not calibrated; calibrated: {string.Join(", ", calibration.Risk.Select(e => e.Delta))}");
                return new RiskControlledTopKPolicy(r);
            case CutoffPolicyKind.Softmax: return new SoftmaxPolicy(setting ?? throw new ArgumentException("softmax needs a threshold"), temperature);
            case CutoffPolicyKind.Entropy: return new EntropyPolicy(setting ?? throw new ArgumentException("entropy needs a threshold"), temperature);
            case CutoffPolicyKind.Fixed: return new FixedPolicy((int)(setting ?? calibration.T));
            default: throw new ArgumentOutOfRangeException(nameof(policy), policy, null);
        }
    }

    /// <summary>The policy spelled <paramref name="name"/> ("topk", "topk-risk", "softmax", "entropy", "conformal" or "fixed").</summary>
    public static CutoffPolicyKind Parse(string name) => EnumNames.Parse<CutoffPolicyKind>(name)
        ?? throw new ArgumentException($"unknown cutoff policy '{name}' (topk, topk-risk, softmax, entropy, conformal, fixed)");

    /// <summary>
    /// Every policy and setting the evaluation reports: Top-K and SpikeCP from the calibration (if any),
    /// softmax and entropy threshold sweeps, and fixed t = 1..T.
    /// </summary>
    public static IReadOnlyList<ICutoffPolicy> Sweep(int T, CutoffCalibration? calibration, double temperature = 1.0)
    {
        var list = new List<ICutoffPolicy>();
        if (calibration != null)
        {
            if (calibration.T != T) throw new ArgumentException($"calibration covers T={calibration.T} but the outputs have T={T}");
            list.AddRange(calibration.TopK.Select(e => (ICutoffPolicy)new TopKPolicy(e.Thresholds, e.Epsilon)));
            list.AddRange(calibration.Conformal.Select(e => (ICutoffPolicy)new ConformalPolicy(e.Thresholds, e.Coverage)));
            list.AddRange(calibration.Risk.Select(e => (ICutoffPolicy)new RiskControlledTopKPolicy(e)));
        }
        list.AddRange(DefaultSoftmaxThresholds.Select(s => (ICutoffPolicy)new SoftmaxPolicy(s, temperature)));
        list.AddRange(DefaultEntropyThresholds.Select(s => (ICutoffPolicy)new EntropyPolicy(s, temperature)));
        for (int t = 1; t <= T; t++) list.Add(new FixedPolicy(t));
        return list;
    }
}
