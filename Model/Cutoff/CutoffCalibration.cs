using System.Text.Json;
using System.Text.Json.Serialization;

namespace EventSnn.Model.Cutoff;

/// <summary>Top-K thresholds β_t (index t−1, units of accumulated output) calibrated for one ε.</summary>
public sealed record TopKThresholds(double Epsilon, double[] Thresholds);

/// <summary>SpikeCP score thresholds s_t (index t−1, nats; may be +∞) calibrated for one coverage 1−α.</summary>
public sealed record ConformalThresholds(double Coverage, double[] Thresholds);

/// <summary>
/// Calibration results of one model, saved as JSON next to its checkpoint (<c>&lt;ckpt&gt;.cutoff.json</c>) and
/// read by <c>eval</c> and the streaming pipeline. <see cref="Thresholds"/> is the operating point
/// (β_t at <see cref="Epsilon"/>); <see cref="TopK"/> and <see cref="Conformal"/> hold the sweeps.
/// </summary>
public sealed class CutoffCalibration
{
    /// <summary>File-format version.</summary>
    public int Version { get; init; } = 1;

    /// <summary>Timesteps T the thresholds cover.</summary>
    public int T { get; init; }

    /// <summary>Number of classes K.</summary>
    public int Classes { get; init; }

    /// <summary>Number of calibration samples.</summary>
    public int Samples { get; init; }

    /// <summary>Which split was used ("train" by the method).</summary>
    public string Split { get; init; } = "train";

    /// <summary>Dropout probability after each spiking layer during calibration (0 = none).</summary>
    public double Dropout { get; init; }

    /// <summary>Seed of the calibration dropout, if any.</summary>
    public int? Seed { get; init; }

    /// <summary>Number of β bins B.</summary>
    public int Bins { get; init; } = TopKCutoff.DefaultBins;

    /// <summary>Largest Top-K gap G seen during calibration (bins span [0, G)).</summary>
    public double MaxGap { get; init; }

    /// <summary>ε of the operating point.</summary>
    public double Epsilon { get; init; }

    /// <summary>β_t at <see cref="Epsilon"/> for t = 1..T (index t−1).</summary>
    public double[] Thresholds { get; init; } = [];

    /// <summary>β_t for every swept ε.</summary>
    public List<TopKThresholds> TopK { get; init; } = [];

    /// <summary>SpikeCP thresholds for every swept coverage.</summary>
    public List<ConformalThresholds> Conformal { get; init; } = [];

    /// <summary>Risk-controlled Top-K thresholds (<see cref="RiskControlledCutoff"/>), one per δ asked for; empty when none was.</summary>
    public List<RiskControlledThresholds> Risk { get; init; } = [];

    /// <summary>Checkpoint the calibration belongs to (informational).</summary>
    public string? Model { get; init; }

    /// <summary>The calibration file that belongs to a checkpoint: <c>&lt;ckpt&gt;.cutoff.json</c>.</summary>
    public static string PathFor(string checkpointPath) => checkpointPath + ".cutoff.json";

    /// <summary>Writes the JSON file atomically (temp file, then rename).</summary>
    public void Save(string path)
    {
        string tmp = path + ".tmp";
        File.WriteAllText(tmp, ProjectJson.Serialize(this));
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>Reads a calibration file.</summary>
    /// <exception cref="InvalidDataException">the file is not a valid calibration (names the file).</exception>
    public static CutoffCalibration Load(string path)
    {
        CutoffCalibration? c;
        try { c = ProjectJson.Deserialize<CutoffCalibration>(EventSnn.Ingest.BoundedText.ReadAllText(path, 64 << 20, "a calibration JSON")); }
        catch (JsonException e) { throw new InvalidDataException($"{path}: not a cutoff calibration file: {e.Message}", e); }
        if (c == null || c.T < 1 || c.Thresholds.Length != c.T || c.TopK.Any(k => k.Thresholds.Length != c.T) || c.Conformal.Any(k => k.Thresholds.Length != c.T)
            || c.Risk.Any(r => r.Thresholds.Length != c.T || !(r.Delta > 0 && r.Delta < 1) || !(r.Confidence > 0 && r.Confidence < 1)))
            throw new InvalidDataException($"{path}: cutoff calibration is incomplete or its threshold arrays do not have length T");
        // Thresholds are Top-K gaps (≥ 0; +∞ = never exit at that step) and conformal scores (not NaN): anything else would
        // silently make a policy exit always or never.
        static int BadGap(double[] a) => Array.FindIndex(a, b => double.IsNaN(b) || b < 0);
        if (c.T > ModelInfo.MaxT) throw new InvalidDataException($"{path}: T = {c.T} exceeds {ModelInfo.MaxT}");
        if (double.IsNaN(c.Epsilon) || c.Epsilon < 0 || c.Epsilon > 1) throw new InvalidDataException($"{path}: epsilon must be in [0, 1], found {c.Epsilon}");
        if (BadGap(c.Thresholds) is int i and >= 0)
            throw new InvalidDataException($"{path}: thresholds[{i}] must be a number >= 0 (or Infinity), found {c.Thresholds[i]}");
        foreach (var k in c.TopK)
            if (BadGap(k.Thresholds) is int j and >= 0)
                throw new InvalidDataException($"{path}: top_k at epsilon {k.Epsilon}: thresholds[{j}] must be a number >= 0 (or Infinity), found {k.Thresholds[j]}");
        foreach (var k in c.Conformal)
            if (Array.FindIndex(k.Thresholds, double.IsNaN) is int j and >= 0)
                throw new InvalidDataException($"{path}: conformal at coverage {k.Coverage}: thresholds[{j}] is NaN");
        return c;
    }

    /// <summary>The operating-point Top-K policy.</summary>
    public TopKPolicy TopKPolicy() => new(Thresholds, Epsilon);
}
