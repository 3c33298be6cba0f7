using System.Text.Json;
using System.Text.Json.Serialization;
using EventSnn.Model.Cutoff;

namespace EventSnn.Model.Evaluation;

/// <summary>Result of one policy setting on the test outputs (an element of <c>cutoffs</c> in <c>eval --json</c>).</summary>
public sealed class CutoffResult
{
    /// <summary>Policy family (written as "topk", "topk-risk", "softmax", "entropy", "conformal" or "fixed").</summary>
    public CutoffPolicyKind Policy { get; init; }

    /// <summary>Name of the swept parameter ("epsilon", "threshold", "coverage", "timestep").</summary>
    public string Parameter { get; init; } = "";

    /// <summary>Value of the swept parameter.</summary>
    public double Setting { get; init; }

    /// <summary>Per-timestep thresholds (index t−1), or null for rules without them.</summary>
    public double[]? Thresholds { get; init; }

    /// <summary>Accuracy with the exit rule, in [0, 1].</summary>
    public double Accuracy { get; init; }

    /// <summary>Mean exit step, in timesteps.</summary>
    public double MeanTimesteps { get; init; }

    /// <summary>T / mean exit step.</summary>
    public double Speedup { get; init; }

    /// <summary>Samples exiting at each step (index t−1).</summary>
    public int[] ExitHistogram { get; init; } = [];

    /// <summary>Builds the entry from a simulated outcome.</summary>
    public static CutoffResult From(CutoffOutcome o) => new()
    {
        Policy = o.Policy,
        Parameter = o.Parameter,
        Setting = o.Setting,
        Thresholds = o.Thresholds?.ToArray(),
        Accuracy = o.Accuracy,
        MeanTimesteps = o.MeanExitStep,
        Speedup = o.Speedup,
        ExitHistogram = o.ExitHistogram,
    };
}

/// <summary>
/// Everything <c>eventsnn eval --json</c> prints for one model on one test set. Every number is derived from
/// the per-step outputs (the <c>--dump</c> file) plus the calibration, except the spike counts and wall-clock
/// times, which are measured while the network runs.
/// </summary>
public sealed class EvaluationResult
{
    /// <summary>Display name of the model (e.g. "alpha=0").</summary>
    public string? Name { get; set; }

    /// <summary>Checkpoint path.</summary>
    public string? Model { get; set; }

    /// <summary>Architecture name.</summary>
    public string? Arch { get; set; }

    /// <summary>RCS weight α the model was trained with, if known.</summary>
    public double? RcsAlpha { get; set; }

    /// <summary>Number of test samples N.</summary>
    public int Samples { get; init; }

    /// <summary>Timesteps T.</summary>
    public int Timesteps { get; init; }

    /// <summary>Classes K.</summary>
    public int Classes { get; init; }

    /// <summary>acc(t), t = 1..T.</summary>
    public double[] AccuracyPerTimestep { get; init; } = [];

    /// <summary>Mean optimal cutoff timestep (oracle, METHOD.md §4.2).</summary>
    public double OctMean { get; init; }

    /// <summary>Samples whose OCT is t (index t−1).</summary>
    public int[] OctHistogram { get; init; } = [];

    /// <summary>Every policy and setting evaluated.</summary>
    public List<CutoffResult> Cutoffs { get; init; } = [];

    /// <summary>Names of the spiking layers, in forward order (null when not measured).</summary>
    public string[]? LayerNames { get; set; }

    /// <summary>Mean spikes per sample over all T steps, per spiking layer (null when not measured).</summary>
    public double[]? SpikesPerSamplePerLayer { get; set; }

    /// <summary>Mean wall-clock time of one network step for one batch, ms, per timestep (null when not measured).</summary>
    public double[]? WallClockMsPerTimestep { get; set; }

    /// <summary>Batch size the wall-clock times refer to.</summary>
    public int? WallClockBatchSize { get; set; }

    /// <summary>ε of the calibrated operating point, if a calibration was used.</summary>
    public double? CalibrationEpsilon { get; set; }

    /// <summary>Calibration dropout, if a calibration was used.</summary>
    public double? CalibrationDropout { get; set; }

    /// <summary>acc(T).</summary>
    [JsonIgnore] public double AccuracyAtT => AccuracyPerTimestep[^1];

    /// <summary>The entry of one policy setting, or null.</summary>
    public CutoffResult? Find(CutoffPolicyKind policy, double setting) =>
        Cutoffs.FirstOrDefault(c => c.Policy == policy && Math.Abs(c.Setting - setting) < 1e-9);

    /// <summary>Computes every output-derived metric and runs every policy of <see cref="CutoffPolicies.Sweep"/>.</summary>
    public static EvaluationResult Compute(OutputSet test, CutoffCalibration? calibration, double temperature = 1.0)
    {
        var oct = TimestepMetrics.Oct(test);
        var hist = new int[test.T];
        foreach (int o in oct) hist[o - 1]++;
        return new EvaluationResult
        {
            Samples = test.N,
            Timesteps = test.T,
            Classes = test.K,
            AccuracyPerTimestep = TimestepMetrics.AccuracyPerTimestep(test),
            OctMean = oct.Length == 0 ? double.NaN : oct.Average(),
            OctHistogram = hist,
            Cutoffs = CutoffPolicies.Sweep(test.T, calibration, temperature).Select(p => CutoffResult.From(CutoffSimulator.Apply(test, p))).ToList(),
            CalibrationEpsilon = calibration?.Epsilon,
            CalibrationDropout = calibration?.Dropout,
        };
    }

    /// <summary>The JSON object of <c>eval --json</c> (snake_case keys).</summary>
    public string ToJson() => ProjectJson.Serialize(this);

    /// <summary>Parses <c>eval --json</c> output.</summary>
    /// <exception cref="InvalidDataException">not an evaluation result (names the source).</exception>
    public static EvaluationResult FromJson(string json, string source)
    {
        EvaluationResult? r;
        try { r = ProjectJson.Deserialize<EvaluationResult>(json); }
        catch (JsonException e) { throw new InvalidDataException($"{source}: not an evaluation result: {e.Message}", e); }
        if (r == null || r.Timesteps < 1 || r.AccuracyPerTimestep.Length != r.Timesteps)
            throw new InvalidDataException($"{source}: not an evaluation result (needs timesteps and accuracy_per_timestep of that length)");
        return r;
    }

    /// <summary>Reads an <c>eval --json</c> file.</summary>
    public static EvaluationResult Load(string path) => FromJson(EventSnn.Ingest.BoundedText.ReadAllText(path, 256 << 20, "an evaluation JSON"), path);
}
