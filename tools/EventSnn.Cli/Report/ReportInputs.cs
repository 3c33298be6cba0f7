using EventSnn.Model.Cutoff;
using EventSnn.Model.Evaluation;

namespace EventSnn.Cli.Report;

/// <summary>Loads one model's evaluation for the report: an <c>eval --json</c> file or an <c>eval --dump</c> HDF5 file.</summary>
internal static class ReportInputs
{
    /// <summary>True for an <c>eval --dump</c> file (.h5/.hdf5), which needs its calibration to report Top-K.</summary>
    public static bool IsDump(string path) => Path.GetExtension(path).ToLowerInvariant() is ".h5" or ".hdf5";

    /// <summary>
    /// A <c>.json</c> file is read as is; a <c>.h5</c>/<c>.hdf5</c> dump is re-evaluated, with the Top-K and
    /// SpikeCP policies only when a calibration file is given.
    /// </summary>
    public static EvaluationResult Load(string path, string? calibrationPath, string? name)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such file", path);
        EvaluationResult r;
        string ext = Path.GetExtension(path).ToLowerInvariant();
        if (ext is ".h5" or ".hdf5")
        {
            var set = OutputDump.Read(path);
            var cal = calibrationPath != null ? CutoffCalibration.Load(calibrationPath) : null;
            r = EvaluationResult.Compute(set, cal);
            r.Model = path;
        }
        else r = EvaluationResult.Load(path);
        r.Name = name ?? r.Name ?? Path.GetFileNameWithoutExtension(path);
        return r;
    }
}
