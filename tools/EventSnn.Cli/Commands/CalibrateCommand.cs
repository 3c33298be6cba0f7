using System.CommandLine;
using EventSnn.Datasets;
using EventSnn.Model.Cutoff;

namespace EventSnn.Cli.Commands;

/// <summary>`eventsnn calibrate`: Top-K (and SpikeCP) thresholds on the training split, saved next to the checkpoint.</summary>
internal static class CalibrateCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "checkpoint (.ckpt)", Required = true };
        var data = new Option<string>("--data") { Description = "dataset root folder (or archive)", Required = true };
        var dataset = new Option<string?>("--dataset") { Description = "dataset name (default: the checkpoint's)" };
        var cache = new Option<string?>("--cache") { Description = EventSnn.Datasets.CacheLocation.OptionDescription };
        var epsilon = new Option<double>("--epsilon") { Description = "ε of the operating point (the sweep 0, 0.01, …, 0.09 is always stored)", DefaultValueFactory = _ => 0.0 };
        var dropout = new Option<double>("--dropout") { Description = "dropout after every spiking layer during calibration (0 = off)", DefaultValueFactory = _ => 0.3 };
        var seed = new Option<int>("--seed") { Description = "seed of the calibration dropout", DefaultValueFactory = _ => 1 };
        var batch = new Option<int>("--batch") { Description = "samples per batch", DefaultValueFactory = _ => 32 };
        var output = new Option<string?>("--out") { Description = "calibration file (default: <ckpt>.cutoff.json)" };
        var json = new Option<bool>("--json") { Description = "print the calibration as JSON" };
        var risk = new Option<double?>("--risk") { Description = "also choose risk-controlled Top-K thresholds: the share of samples correct at T that early exit makes wrong stays ≤ DELTA (e.g. 0.01) with probability --confidence; chosen on the held-out validation part of the training split (Learn-then-Test)" };
        var confidence = new Option<double>("--confidence") { Description = "probability with which the --risk bound holds", DefaultValueFactory = _ => 0.95 };
        var threads = new Option<int>("--threads") { Description = "CPU threads for TorchSharp (0 = its default)", DefaultValueFactory = _ => 0 };
        var cmd = new Command("calibrate", "Calibrate cutoff thresholds of a checkpoint on its training split (METHOD.md §2.2).");
        foreach (var o in new Option[] { threads, model, data, dataset, cache, epsilon, dropout, seed, batch, output, json, risk, confidence }) cmd.Options.Add(o);
        cmd.SetAction(parse =>
        {
            int nThreads = parse.GetValue(threads);
            if (nThreads is < 0 or > 1024) throw new CliInputException($"--threads must be in 0..1024, got {nThreads}");
            double? delta = parse.GetValue(risk);
            double conf = parse.GetValue(confidence);
            if (delta is double d0 && !(d0 > 0 && d0 < 1)) throw new CliInputException($"--risk must be a share in (0, 1), got {d0}");
            if (!(conf > 0 && conf < 1)) throw new CliInputException($"--confidence must be in (0, 1), got {conf}");
            var request = new CalibrationRequest
            {
                Checkpoint = parse.GetValue(model)!, DataRoot = parse.GetValue(data)!, Dataset = parse.GetValue(dataset), CacheDir = parse.GetValue(cache),
                Epsilon = parse.GetValue(epsilon), Dropout = parse.GetValue(dropout), Seed = parse.GetValue(seed), BatchSize = parse.GetValue(batch),
                Output = parse.GetValue(output), Risk = delta, Confidence = conf, Threads = nThreads,
            };
            try
            {
                var (cal, path) = CalibrationRun.Run(request);
                if (parse.GetValue(json)) Console.WriteLine(File.ReadAllText(path));
                else
                {
                    Console.WriteLine($"calibrated on {cal.Samples} training samples (dropout {cal.Dropout}, seed {cal.Seed?.ToString() ?? "-"}), largest gap {cal.MaxGap:0.###}");
                    Console.WriteLine($"β_t at ε={cal.Epsilon}: {string.Join(" ", cal.Thresholds.Select(b => b.ToString("0.###")))}");
                    foreach (var r in cal.Risk)
                        Console.WriteLine(double.IsPositiveInfinity(r.Lambda)
                            ? $"risk δ={r.Delta} at confidence {r.Confidence}: not certifiable on {r.CorrectAtT} {r.Split} samples correct at T (the smallest δ they can certify is {r.MinCertifiableDelta:0.####}); this policy never exits before T"
                            : $"risk δ={r.Delta} at confidence {r.Confidence}: λ={r.Lambda:0.####} (β_t = λ·t), {r.Losses} of {r.CorrectAtT} {r.Split} samples correct at T lost; smallest certifiable δ {r.MinCertifiableDelta:0.####}");
                    Console.WriteLine($"saved: {path}");
                }
                return 0;
            }
            catch (Exception e) when (e is InvalidDataException or FileNotFoundException or ArgumentException or IOException or DatasetNotFoundException)
            {
                return CliErrors.ReportBadInput(e);
            }
        });
        return cmd;
    }
}
