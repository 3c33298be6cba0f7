using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using EventSnn.Cli.Commands;
using EventSnn.Cli.Report;
using EventSnn.Datasets;
using EventSnn.Datasets.Synthetic;
using EventSnn.Model;
using EventSnn.Model.Cutoff;
using EventSnn.Model.Evaluation;
using Spectre.Console;

namespace EventSnn.Cli.Cutoff;

/// <summary>One model of the demo: where its files are and its evaluation.</summary>
internal sealed record DemoModel(string Name, double Alpha, string Folder, string Checkpoint, string Calibration, string EvalJson, string Dump, EvaluationResult Result, double TrainSeconds, OperatingPoint OperatingPoint, SeedSpread Seeds);

/// <summary>
/// The operating point and Top-K at ε = 0 recalibrated with several dropout seeds of the Top-K calibration (the
/// operating point chosen anew on the validation split each time), applied to the same test outputs: how much of
/// the exit is the calibration's draw. The risk-controlled thresholds use no dropout and do not change with the seed.
/// </summary>
internal sealed record SeedSpread(int[] Seeds, string[] Points, Interval Accuracy, Interval MeanTimesteps, Interval Speedup, Interval TopKAccuracy, Interval TopKMeanTimesteps);

/// <summary>
/// `eventsnn demo`: synthesize the gesture dataset, train a network without (α = 0) and with RCS (α &gt; 0),
/// calibrate the Top-K cutoff on the training split, evaluate every policy on the test split, write the report
/// and print the summary table.
/// </summary>
internal static class DemoRunner
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static int Run(string outDir, DemoSettings s, CancellationToken cancel)
    {
        var total = Stopwatch.StartNew();
        outDir = Path.GetFullPath(outDir);
        Directory.CreateDirectory(outDir);
        var log = new StageLog();
        try
        {
            // 1. data
            var (train, test, info) = PrepareData(outDir, s, log);
            using var _train = train;
            using var _test = test;

            // 2. two models, side by side on one core each when the machine has two (DemoSettings.Jobs)
            var jobs = new[] { 0.0, s.RcsAlpha }.Select(alpha => (Func<CancellationToken, DemoModel>)(ct =>
            {
                string name = "alpha=" + alpha.ToString("0.####", Inv);
                string folder = Path.Combine(outDir, "alpha" + alpha.ToString("0.####", Inv));
                var modelLog = s.Jobs > 1 ? new StageLog($"demo[{name}]", interactive: false) : log;
                return TrainAndEvaluate(name, alpha, folder, info, s, train, test, modelLog, ct);
            })).ToList();
            if (s.Jobs > 1) Console.Error.WriteLine($"demo: training both models side by side ({s.Jobs} jobs, {Math.Max(1, Environment.ProcessorCount / s.Jobs)} libtorch thread(s) each)");
            var models = TorchThreads.RunSideBySide(jobs, s.Jobs, cancel).ToList();

            // 3. report
            log.Stage("write the report");
            var files = LatencyReport.Write(models.Select(m => m.Result).ToList(), Path.Combine(outDir, "report"));
            log.Done(files.Html);

            string table = SummaryTable(models, files.Headline);
            File.WriteAllText(Path.Combine(outDir, "summary.txt"), table);
            WriteSummaryJson(Path.Combine(outDir, "summary.json"), models, files, s, total.Elapsed.TotalSeconds);
            Console.WriteLine();
            Console.Write(table);
            Console.WriteLine($"report: {files.Html}");
            Console.WriteLine($"per model (checkpoint, calibration, eval JSON, output dump): {string.Join(", ", models.Select(m => m.Folder))}");
            Console.WriteLine($"total time: {total.Elapsed.TotalSeconds:0} s");
            return 0;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("demo: cancelled");
            return 130;
        }
        catch (Exception e) when (e is ArgumentException or IOException or InvalidDataException or InvalidOperationException or DatasetNotFoundException)
        {
            return CliErrors.ReportBadInput(e);
        }
    }

    /// <summary>
    /// Synthesizes (or reuses) the demo's recordings under <c>OUT/data</c>, bins both splits into <c>OUT/frame-cache</c>
    /// and describes the model input. The caller disposes the frame sets.
    /// </summary>
    internal static (FrameSet Train, FrameSet Test, ModelInfo Info) PrepareData(string outDir, DemoSettings s, StageLog log)
    {
        string dataDir = Path.Combine(outDir, "data");
        log.Stage("synthesize gesture recordings");
        // Re-running the demo into the same folder reuses recordings made with the same options and generator version.
        string stamp = Path.Combine(dataDir, "synthetic-options.json");
        string options = JsonSerializer.Serialize(new { generator = SyntheticGestureDataset.GeneratorVersion, options = s.Synthetic with { Parallelism = 0 } });
        if (File.Exists(stamp) && File.ReadAllText(stamp) == options && Directory.Exists(Path.Combine(dataDir, "DvsGesture")))
            log.Done("reused the recordings already in " + dataDir);
        else
        {
            if (File.Exists(stamp)) File.Delete(stamp);
            var synth = SyntheticGestureDataset.Generate(dataDir, s.Synthetic, new Progress<double>(f => log.Fraction(f)));
            File.WriteAllText(stamp, options);
            log.Done($"{synth.TrainSamples} train / {synth.TestSamples} test gestures, {synth.Events:N0} events, {synth.Seconds:0.0} s");
        }

        var ds = DatasetCatalog.Open("dvsgesture", dataDir);
        var settings = FrameSettings.For(ds, s.T, s.Downsample, s.WindowStartUs, s.WindowEndUs);
        string cacheDir = CacheLocation.InOutputFolder(outDir);
        log.Stage("bin frames");
        var train = FrameCache.GetOrBuild(ds, DatasetSplit.Train, settings, cacheDir);
        var test = FrameCache.GetOrBuild(ds, DatasetSplit.Test, settings, cacheDir);
        log.Done($"{train.Count} + {test.Count} samples of {s.T}x2x{settings.Height}x{settings.Width}");

        var info = ModelInput.Describe(s.Arch, ds, settings);
        return (train, test, info);
    }

    internal static DemoModel TrainAndEvaluate(string name, double alpha, string folder, ModelInfo info, DemoSettings s,
        FrameSet train, FrameSet test, StageLog log, CancellationToken cancel, bool resume = false)
    {
        log.Stage($"train {name} ({s.Arch}, {s.Epochs} epochs)");
        var sw = Stopwatch.StartNew();
        var options = new TrainOptions
        {
            Epochs = s.Epochs, BatchSize = s.BatchSize, LearningRate = s.LearningRate, Loss = s.Loss, RcsAlpha = alpha, Seed = s.Seed,
            Dropout = s.TrainDropout, OutDir = folder, Resume = resume, Augmentation = s.Augment ? RandomTranslation.ForDownsample(s.Downsample, s.Seed) : null,
        };
        var result = new Trainer(info, options).Fit(train, null, new Progress<TrainProgress>(p =>
        {
            if (p.Phase == "train" && p.Batches > 0) log.Fraction(((p.Epoch - 1) + (double)p.Batch / p.Batches) / p.Epochs);
        }), cancel);
        double trainSeconds = sw.Elapsed.TotalSeconds;
        string ckpt = result.BestCheckpoint;
        log.Done($"best epoch {result.BestEpoch}, validation {result.BestAccuracy * 100:0.0}%, {trainSeconds:0} s");

        log.Stage($"calibrate {name} on the training split (dropout 0.3)");
        var (net, stored) = Checkpoint.Load(ckpt);
        using var _ = net;
        var cal = Evaluator.Calibrate(net, train, new CalibrationSettings(), 0.3, s.Seed, 32, ckpt, new Progress<int>(d => log.Fraction((double)d / train.Count)));
        // Risk-controlled thresholds and the operating point are chosen on the held-out validation part of the
        // training split, never on the test split.
        var heldOut = RiskCalibration.Outputs(net, ckpt, train, 32);
        cal.Risk.Add(RiskCalibration.Calibrate(heldOut, s.RiskDelta, s.RiskConfidence));
        string calPath = CutoffCalibration.PathFor(ckpt);
        cal.Save(calPath);
        var op = OperatingPointSelector.Choose(heldOut.Validation, CutoffPolicies.Sweep(cal.T, cal));
        log.Done($"β_t (ε=0): {string.Join(" ", cal.Thresholds.Select(b => b.ToString("0.##", Inv)))}; operating point {op.Policy.Name()} {op.Setting.ToString("0.###", Inv)} ({op.CalibrationMeanTimesteps:0.00} steps on {op.Samples} validation samples)");

        log.Stage($"evaluate {name} on the test split");
        var (r, outputs) = Evaluator.Evaluate(net, test, cal, new EvaluatorOptions(), new Progress<int>(d => log.Fraction((double)d / test.Count)));
        EvaluationRun.Describe(r, ckpt, stored, name);
        string json = Path.Combine(folder, "eval.json");
        File.WriteAllText(json, r.ToJson());
        string dump = Path.Combine(folder, "outputs.h5");
        OutputDump.Write(dump, outputs);
        var topk = r.Find(CutoffPolicyKind.TopK, 0)!;
        log.Done($"acc(T) {r.AccuracyAtT * 100:0.0}%, top-k ε=0 {topk.Accuracy * 100:0.0}% at {topk.MeanTimesteps:0.00}/{r.Timesteps} steps");

        var seeds = CalibrationSeeds(net, ckpt, train, heldOut, cal, op, outputs, s, name, log, cancel);
        return new DemoModel(name, alpha, folder, ckpt, calPath, json, dump, r, trainSeconds, op, seeds);
    }

    private static SeedSpread CalibrationSeeds(SpikingNetwork net, string ckpt, FrameSet train, HeldOutOutputs heldOut, CutoffCalibration first,
        OperatingPoint firstPoint, OutputSet test, DemoSettings s, string name, StageLog log, CancellationToken cancel)
    {
        int n = Math.Max(1, s.CalibrationSeeds);
        log.Stage($"recalibrate {name} with {n} dropout seeds");
        var seeds = Enumerable.Range(s.Seed, n).ToArray();
        var points = new List<string>();
        var acc = new List<double>(); var steps = new List<double>(); var speed = new List<double>();
        var topAcc = new List<double>(); var topSteps = new List<double>();
        foreach (int seed in seeds)
        {
            cancel.ThrowIfCancellationRequested();
            var cal = seed == s.Seed ? first : Evaluator.Calibrate(net, train, new CalibrationSettings(), 0.3, seed, 32, ckpt);
            if (!ReferenceEquals(cal, first)) cal.Risk.AddRange(first.Risk);
            var op = seed == s.Seed ? firstPoint : OperatingPointSelector.Choose(heldOut.Validation, CutoffPolicies.Sweep(cal.T, cal));
            var outcome = CutoffSimulator.Apply(test, CutoffPolicies.FromCalibration(cal, op.Policy, op.Setting));
            var topk = CutoffSimulator.Apply(test, cal.TopKPolicy());
            points.Add($"{op.Policy.Name()} {op.Setting.ToString("0.###", Inv)}");
            acc.Add(outcome.Accuracy); steps.Add(outcome.MeanExitStep); speed.Add(test.T / outcome.MeanExitStep);
            topAcc.Add(topk.Accuracy); topSteps.Add(topk.MeanExitStep);
        }
        var spread = new SeedSpread(seeds, points.ToArray(), Interval.Of(acc), Interval.Of(steps), Interval.Of(speed), Interval.Of(topAcc), Interval.Of(topSteps));
        log.Done($"operating point on test over seeds {seeds[0]}–{seeds[^1]}: {spread.Accuracy.Format("0.0", 100)}% after {spread.MeanTimesteps.Format("0.00")} steps ({spread.Speedup.Format("0.00")}×); top-k ε=0 {spread.TopKMeanTimesteps.Format("0.00")} steps");
        return spread;
    }

    /// <summary>The table the demo prints (and the README quotes).</summary>
    internal static string SummaryTable(IReadOnlyList<DemoModel> models, EqualAccuracyPoint? headline)
    {
        var sb = new StringBuilder();
        sb.AppendLine("| model | RCS α | accuracy at T | top-k (ε=0) accuracy | top-k mean exit step | speed-up T/mean | mean OCT |");
        sb.AppendLine("|---|---|---|---|---|---|---|");
        foreach (var m in models)
        {
            var r = m.Result;
            var op = r.Find(CutoffPolicyKind.TopK, 0)!;
            sb.AppendLine(string.Create(Inv, $"| {m.Name} | {m.Alpha:0.####} | {r.AccuracyAtT * 100:0.0}% | {op.Accuracy * 100:0.0}% | {op.MeanTimesteps:0.00} of {r.Timesteps} ({op.MeanTimesteps / r.Timesteps:0.00}·T) | {op.Speedup:0.00}× | {r.OctMean:0.00} |"));
        }
        sb.AppendLine();
        sb.AppendLine("Operating points, chosen on the validation split (fewest mean steps with at most one more error there than at T), measured on the test split:");
        foreach (var m in models)
        {
            var o = m.OperatingPoint;
            var t = m.Result.Find(o.Policy, o.Setting);
            string setting = o.Policy == CutoffPolicyKind.Fixed ? $"t={o.Setting:0}" : $"{o.Setting.ToString("0.###", Inv)}";
            sb.AppendLine(t == null ? $"- {m.Name}: {o.Policy.Name()} {setting} (not in the test evaluation)"
                : string.Create(Inv, $"- {m.Name}: {o.Policy.Name()} {setting}: {t.Accuracy * 100:0.0}% (at T {m.Result.AccuracyAtT * 100:0.0}%) after {t.MeanTimesteps:0.00} of {m.Result.Timesteps} steps, {t.Speedup:0.00}×"));
        }
        sb.AppendLine();
        sb.AppendLine($"Over {models[0].Seeds.Seeds.Length} dropout seeds of the Top-K calibration (operating point chosen anew on the validation split each time; mean and 95 % interval on the test split):");
        foreach (var m in models)
        {
            var sp = m.Seeds;
            sb.AppendLine(string.Create(Inv, $"- {m.Name}: operating point {sp.Accuracy.Format("0.0", 100)}% after {sp.MeanTimesteps.Format("0.00")} steps, {sp.Speedup.Format("0.00")}× ({string.Join(", ", sp.Points.Distinct())}); top-k ε=0 {sp.TopKAccuracy.Format("0.0", 100)}% after {sp.TopKMeanTimesteps.Format("0.00")} steps"));
        }
        if (headline is { StepsA: double a, StepsB: double b })
            sb.AppendLine(string.Create(Inv, $"\nAt equal top-k accuracy {headline.Accuracy * 100:0.0}%: {models[0].Name} needs {a:0.00} mean steps, {models[1].Name} {b:0.00} (difference {b - a:+0.00;-0.00;0.00})."));
        return sb.ToString();
    }

    private static void WriteSummaryJson(string path, IReadOnlyList<DemoModel> models, ReportFiles files, DemoSettings s, double seconds)
    {
        var o = new
        {
            settings = new { s.Arch, s.T, s.Downsample, s.Epochs, s.BatchSize, s.LearningRate, s.Loss, s.RcsAlpha, s.TrainDropout, s.Seed, trials = s.Synthetic.Trials },
            models = models.Select(m =>
            {
                var op = m.Result.Find(CutoffPolicyKind.TopK, 0)!;
                return new
                {
                    name = m.Name, alpha = m.Alpha, checkpoint = m.Checkpoint, calibration = m.Calibration, eval_json = m.EvalJson, dump = m.Dump,
                    accuracy_at_t = m.Result.AccuracyAtT, topk_accuracy = op.Accuracy, topk_mean_timesteps = op.MeanTimesteps, speedup = op.Speedup,
                    oct_mean = m.Result.OctMean, train_seconds = m.TrainSeconds,
                    operating_point = OperatingPointJson(m),
                    calibration_seeds = new
                    {
                        seeds = m.Seeds.Seeds, operating_points = m.Seeds.Points,
                        test_accuracy = m.Seeds.Accuracy, test_mean_timesteps = m.Seeds.MeanTimesteps, test_speedup = m.Seeds.Speedup,
                        topk_accuracy = m.Seeds.TopKAccuracy, topk_mean_timesteps = m.Seeds.TopKMeanTimesteps,
                    },
                };
            }),
            equal_accuracy = files.Headline is { } h ? new { accuracy = h.Accuracy, steps_a = h.StepsA, steps_b = h.StepsB, difference = h.Difference } : null,
            report = files.Html,
            seconds,
        };
        File.WriteAllText(path, ProjectJson.Serialize(o));
    }

    private static object OperatingPointJson(DemoModel m)
    {
        var o = m.OperatingPoint;
        var t = m.Result.Find(o.Policy, o.Setting);
        return new
        {
            policy = o.Policy, setting = o.Setting, chosen_on = o.Split, rule = o.Rule, calibration_samples = o.Samples,
            calibration_accuracy = o.CalibrationAccuracy, calibration_accuracy_at_t = o.CalibrationAccuracyAtT, calibration_mean_timesteps = o.CalibrationMeanTimesteps,
            test_accuracy = t?.Accuracy, test_accuracy_at_t = m.Result.AccuracyAtT, test_mean_timesteps = t?.MeanTimesteps, test_speedup = t?.Speedup,
        };
    }

    /// <summary>Stage-by-stage progress on stderr: a redrawn bar on a terminal, one line per stage otherwise.</summary>
    internal sealed class StageLog(string prefix = "demo", bool? interactive = null)
    {
        private readonly bool interactive = interactive ?? (!Console.IsErrorRedirected && AnsiConsole.Profile.Capabilities.Interactive);
        private readonly Stopwatch watch = new();
        private string stage = "";
        private int lastWidth;

        public void Stage(string name)
        {
            stage = name;
            watch.Restart();
            if (!interactive) Console.Error.WriteLine($"{prefix}: {name} ...");
            else Fraction(0);
        }

        public void Fraction(double f)
        {
            if (!interactive) return;
            int filled = (int)Math.Round(Math.Clamp(f, 0, 1) * 30);
            string line = $"\r{stage,-52} [{new string('#', filled)}{new string('.', 30 - filled)}] {f * 100,5:0.0}% {watch.Elapsed.TotalSeconds,5:0}s";
            lock (this) { Console.Error.Write(line.PadRight(lastWidth)); lastWidth = line.Length; }
        }

        public void Done(string what)
        {
            if (interactive) { Console.Error.Write("\r" + new string(' ', lastWidth) + "\r"); lastWidth = 0; }
            Console.Error.WriteLine($"{prefix}: {stage}: {what} ({watch.Elapsed.TotalSeconds:0.0} s)");
        }
    }
}
