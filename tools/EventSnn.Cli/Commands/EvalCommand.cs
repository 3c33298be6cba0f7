using System.CommandLine;
using System.Globalization;
using EventSnn.Cli.Report;
using EventSnn.Datasets;
using EventSnn.Model;
using EventSnn.Model.Evaluation;
using EventSnn.Model.Portable;

namespace EventSnn.Cli.Commands;

/// <summary>`eventsnn eval`: accuracy per timestep, OCT and every cutoff policy on the test split.</summary>
internal static class EvalCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "checkpoint (.ckpt)", Required = true };
        var data = new Option<string>("--data") { Description = "dataset root folder (or archive)", Required = true };
        var dataset = new Option<string?>("--dataset") { Description = "dataset name (default: the checkpoint's)" };
        var cache = new Option<string?>("--cache") { Description = EventSnn.Datasets.CacheLocation.OptionDescription };
        var calibration = new Option<string?>("--calibration") { Description = "calibration file (default: <ckpt>.cutoff.json when present; without one Top-K and conformal are skipped)" };
        var json = new Option<bool>("--json") { Description = "print the result as one JSON object" };
        var dump = new Option<string?>("--dump") { Description = "write per-step outputs [N,T,K] and labels [N] to this HDF5 file" };
        var report = new Option<string?>("--report") { Description = "write the latency/accuracy report into this folder" };
        var batch = new Option<int>("--batch") { Description = "samples per batch", DefaultValueFactory = _ => 32 };
        var max = new Option<int?>("--max-samples") { Description = "evaluate only the first N test samples" };
        var name = new Option<string?>("--name") { Description = "display name in the result and report" };
        var backend = new Option<string>("--backend") { Description = "torch (TorchSharp) or onnxruntime (the checkpoint exported as an ONNX step graph, run by ONNX Runtime)", DefaultValueFactory = _ => "torch" };
        backend.AcceptOnlyFromAmong("torch", "onnxruntime");
        var threads = new Option<int>("--threads") { Description = "CPU threads: TorchSharp's, or ONNX Runtime's intra-op threads with --backend onnxruntime (0 = the default)", DefaultValueFactory = _ => 0 };
        var cmd = new Command("eval", "Evaluate a checkpoint on its test split: accuracy per timestep, OCT, every cutoff policy.");
        foreach (var o in new Option[] { threads, model, data, dataset, cache, calibration, json, dump, report, batch, max, name, backend }) cmd.Options.Add(o);
        cmd.SetAction(parse =>
        {
            int nThreads = parse.GetValue(threads);
            if (nThreads is < 0 or > 1024) throw new CliInputException($"--threads must be in 0..1024, got {nThreads}");
            var request = new EvaluationRequest
            {
                Checkpoint = parse.GetValue(model)!, DataRoot = parse.GetValue(data)!, Dataset = parse.GetValue(dataset), CacheDir = parse.GetValue(cache),
                Calibration = parse.GetValue(calibration), BatchSize = parse.GetValue(batch), MaxSamples = parse.GetValue(max), Name = parse.GetValue(name),
                OnnxRuntime = parse.GetValue(backend) == "onnxruntime", Threads = nThreads, Dump = parse.GetValue(dump),
            };
            try
            {
                var outcome = EvaluationRun.Run(request);
                if (parse.GetValue(report) is string dir) LatencyReport.Write([outcome.Result], dir);
                if (parse.GetValue(json)) Console.WriteLine(outcome.Result.ToJson());
                else PrintSummary(outcome.Result, !outcome.Calibrated);
                return 0;
            }
            catch (Exception e) when (e is InvalidDataException or FileNotFoundException or ArgumentException or IOException or DatasetNotFoundException or PortableFormatException)
            {
                return CliErrors.ReportBadInput(e);
            }
        });
        return cmd;
    }


    /// <summary>Human summary of an evaluation.</summary>
    internal static void PrintSummary(EvaluationResult r, bool uncalibrated)
    {
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine($"{r.Name}: {r.Samples} samples, T={r.Timesteps}, {r.Classes} classes");
        Console.WriteLine($"accuracy per timestep: {string.Join(" ", r.AccuracyPerTimestep.Select(a => (a * 100).ToString("0.0", inv)))}");
        Console.WriteLine($"mean OCT: {r.OctMean.ToString("0.00", inv)}");
        if (uncalibrated) Console.WriteLine("no calibration file: run `eventsnn calibrate` for Top-K and conformal");
        foreach (var g in r.Cutoffs.GroupBy(c => c.Policy))
            Console.WriteLine($"{g.Key.Name(),-10} " + string.Join("  ", g.Select(c =>
                $"{c.Setting.ToString("0.###", inv)}: {(c.Accuracy * 100).ToString("0.0", inv)}%@{c.MeanTimesteps.ToString("0.00", inv)}")));
        if (r.WallClockMsPerTimestep is { } ms)
            Console.WriteLine($"wall-clock per timestep (batch {r.WallClockBatchSize}): {ms.Average().ToString("0.00", inv)} ms mean");
    }
}
