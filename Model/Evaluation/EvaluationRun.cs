using System.Globalization;
using EventSnn.Datasets;
using EventSnn.Model.Cutoff;
using EventSnn.Model.Portable;
using Google.Protobuf;

namespace EventSnn.Model.Evaluation;

/// <summary>What <see cref="EvaluationRun.Run"/> evaluates: a checkpoint on the test split of a dataset.</summary>
public sealed record EvaluationRequest
{
    /// <summary>Checkpoint (.ckpt).</summary>
    public required string Checkpoint { get; init; }

    /// <summary>Dataset root folder (or archive).</summary>
    public required string DataRoot { get; init; }

    /// <summary>Dataset name (null: the checkpoint's, else detected from the files).</summary>
    public string? Dataset { get; init; }

    /// <summary>Frame-cache folder (null: <see cref="CacheLocation.Resolve"/>'s default).</summary>
    public string? CacheDir { get; init; }

    /// <summary>Calibration file (null: <c>&lt;ckpt&gt;.cutoff.json</c> when present, else none).</summary>
    public string? Calibration { get; init; }

    /// <summary>Samples per batch.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Evaluate only the first N test samples (null: all).</summary>
    public int? MaxSamples { get; init; }

    /// <summary>Display name in the result (null: from the RCS α recorded in the checkpoint, else the file name).</summary>
    public string? Name { get; init; }

    /// <summary>True: the checkpoint is exported as an ONNX step graph and run by ONNX Runtime; false: TorchSharp.</summary>
    public bool OnnxRuntime { get; init; }

    /// <summary>CPU threads: TorchSharp's, or ONNX Runtime's intra-op threads (0 = the default).</summary>
    public int Threads { get; init; }

    /// <summary>Write per-step outputs [N,T,K] and labels [N] to this HDF5 file (null: none).</summary>
    public string? Dump { get; init; }
}

/// <summary>The result of <see cref="EvaluationRun.Run"/>, and whether a calibration file was used.</summary>
public sealed record EvaluationOutcome(EvaluationResult Result, ModelInfo Info, bool Calibrated);

/// <summary>Evaluates a checkpoint on its test split: accuracy per timestep, OCT and every cutoff policy.</summary>
public static class EvaluationRun
{
    /// <summary>Loads the checkpoint, its calibration and its test frames (<see cref="ModelFrames"/>), evaluates, and writes the dump if asked.</summary>
    public static EvaluationOutcome Run(EvaluationRequest r)
    {
        if (r.Threads > 0) TorchSharp.torch.set_num_threads(r.Threads);
        string ckpt = r.Checkpoint;
        string? calPath = r.Calibration ?? (File.Exists(CutoffCalibration.PathFor(ckpt)) ? CutoffCalibration.PathFor(ckpt) : null);
        var cal = calPath != null ? CutoffCalibration.Load(calPath) : null;
        var (net, info) = EventSnn.Model.Checkpoint.Load(ckpt);
        using var _ = net;
        using var test = ModelFrames.Load(info, r.DataRoot, r.Dataset, r.CacheDir, DatasetSplit.Test);
        EvaluationResult result;
        OutputSet outputs;
        if (r.OnnxRuntime)
        {
            var (graph, _) = OnnxExport.ToModel(PortableNetwork.From(net, info));
            using var session = new OnnxStepSession(graph.ToByteArray(), r.Threads, useCuda: true, where: ckpt);
            (result, outputs) = OnnxEvaluation.Evaluate(session, test, cal, r.BatchSize, r.MaxSamples);
            result.Arch = info.Arch;
        }
        else
        {
            (result, outputs) = Evaluator.Evaluate(net, test, cal, new EvaluatorOptions { BatchSize = r.BatchSize, MaxSamples = r.MaxSamples });
        }
        Describe(result, ckpt, info, r.Name);
        if (r.Dump is string d)
            OutputDump.Write(d, outputs, new DumpDescription(Path.GetFullPath(ckpt), info.Arch,
                info.ClassNames.Length > 0 ? info.ClassNames : test.ClassNames.ToArray(), test.SampleIds));
        return new EvaluationOutcome(result, info, cal != null);
    }

    /// <summary>Fills the model fields of a result from the checkpoint: path, architecture, RCS α and display name.</summary>
    public static void Describe(EvaluationResult r, string ckpt, ModelInfo info, string? name)
    {
        r.Model = ckpt;
        r.Arch = info.Arch;
        if (EventSnn.Model.Checkpoint.ReadMetadata(ckpt).TryGetValue("rcsAlpha", out var a) && double.TryParse(a, NumberStyles.Float, CultureInfo.InvariantCulture, out double alpha))
            r.RcsAlpha = alpha;
        r.Name = name ?? (r.RcsAlpha is double x ? $"alpha={x.ToString("0.####", CultureInfo.InvariantCulture)}" : Path.GetFileNameWithoutExtension(ckpt));
    }
}
