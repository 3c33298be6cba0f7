using System.Globalization;
using System.Text.Json;
using EventSnn.Datasets;
using EventSnn.Model;
using EventSnn.Cli.Model;
using EventSnn.Model.Conversion;
using TorchSharp;

namespace EventSnn.Cli.Conversion;

/// <summary>Runs `eventsnn ann2snn`: frames → constrained ANN (trained or imported) → IF conversion → checkpoint and report.</summary>
internal static class Ann2SnnRunner
{
    public const int ExitBadInput = 2;


    public static int Run(Ann2SnnRequest r, CancellationToken cancel)
    {
        try
        {
            if (r.Threads > 0) torch.set_num_threads(r.Threads);
            if (r.Levels < 1) throw new ArgumentException($"--levels must be ≥ 1, got {r.Levels}");
            if (r.RcsAlpha < 0) throw new ArgumentException($"--rcs-alpha must be ≥ 0, got {r.RcsAlpha}");
            if (r.T is < 1 or > ModelInfo.MaxT) throw new ArgumentException($"--T must be in 1..{ModelInfo.MaxT}, got {r.T}");
            // numbers that can only end in overflow or a wasted run are refused before any data is read
            if (r.Levels > 1024) throw new ArgumentException($"--levels must be ≤ 1024, got {r.Levels}");
            if (!double.IsFinite(r.RcsAlpha) || r.RcsAlpha > 1e6) throw new ArgumentException($"--rcs-alpha must be a number in [0, 1e6], got {G(r.RcsAlpha)}");
            if (!double.IsFinite(r.LearningRate) || r.LearningRate <= 0 || r.LearningRate > 100) throw new ArgumentException($"--lr must be in (0, 100], got {G(r.LearningRate)}");
            if (!double.IsFinite(r.WeightDecay) || r.WeightDecay < 0 || r.WeightDecay > 1) throw new ArgumentException($"--weight-decay must be in [0, 1], got {G(r.WeightDecay)}");
            if (r.Epochs is < 1 or > 100_000) throw new ArgumentException($"--epochs must be in 1..100000, got {r.Epochs}");
            if (r.Batch is < 1 or > 65_536) throw new ArgumentException($"--batch must be in 1..65536, got {r.Batch}");
            if (r.Downsample is < 1 or > 4096) throw new ArgumentException($"--downsample must be in 1..4096, got {r.Downsample}");
            if (r.ThresholdPercentile is double q && !(q > 0 && q <= 100)) throw new ArgumentException($"--threshold-percentile must be in (0, 100], got {G(q)}");
            using var data = ConversionData.Load(r);
            var device = torch.cuda.is_available() ? torch.CUDA : torch.CPU;
            Console.Error.WriteLine($"ann2snn: {data.Describe}; arch {r.Arch}, {r.Activation}{(r.Activation == "qcfs" ? $" L={r.Levels}" : "")}, RCS α={Inv(r.RcsAlpha)}, device {device.type}");

            torch.manual_seed(r.Seed);
            var shape = new FrameNetworkShape(data.Train.Channels, data.Train.Height, data.Train.Width, data.Train.ClassNames.Count);
            using var ann = FrameArchitectures.Create(r.Arch, shape, _ => MakeActivation(r));
            if (device.type != DeviceType.CPU) ann.to(device);

            IReadOnlyList<EpochRecord> epochs = Array.Empty<EpochRecord>();
            if (r.ImportPt is string import)
            {
                PyTorchStateDict.Import(ann, import);
                Console.Error.WriteLine($"  ANN weights imported from {import}");
            }
            else
            {
                var options = new TrainOptions
                {
                    Epochs = r.Epochs, BatchSize = r.Batch, LearningRate = r.LearningRate, WeightDecay = r.WeightDecay, Optimizer = r.Optimizer,
                    RcsAlpha = r.RcsAlpha, Seed = r.Seed, Selection = CheckpointSelection.Last, ValidationFraction = 0, OutDir = r.TrainDir, Resume = r.Resume, Device = device,
                };
                using var objective = new AnnObjective(ann, r.RcsAlpha, r.ThresholdPercentile);
                var printer = new EpochPrinter(interactive: false, indent: "  ");
                if (r.Resume && File.Exists(Path.Combine(r.TrainDir, Trainer.LastName)))
                    Console.Error.WriteLine($"  resuming the ANN training kept in {r.TrainDir} (--no-resume starts afresh)");
                epochs = new Trainer(objective, options).Fit(new StaticFrameBatches(data.Train, r.Augment), null, printer, cancel).Epochs;
            }
            ann.eval();
            if (r.ExportPt is string export) PyTorchStateDict.Export(ann, export);

            using var snn = AnnToSnnConverter.Convert(ann, data.Mode, data.InputScale);
            var report = ConversionEvaluation.Run(ann, snn, data.Test, data.T, Math.Min(r.Batch, 256));
            var info = AnnToSnnConverter.Describe(snn, data.T, data.DatasetName, data.Train.ClassNames, data.Frames, data.Input);
            var metadata = new Dictionary<string, string>
            {
                ["source"] = r.ImportPt is null ? "trained" : "imported:" + Path.GetFileName(r.ImportPt),
                ["activation"] = r.Activation, ["levels"] = r.Levels.ToString(CultureInfo.InvariantCulture),
                ["rcsAlpha"] = Inv(r.RcsAlpha), ["epochs"] = epochs.Count.ToString(CultureInfo.InvariantCulture),
                ["annTestAccuracy"] = Inv(report.AnnAccuracy), ["snnTestAccuracyAtT"] = Inv(report.SnnAccuracy[^1]),
                ["inputMode"] = data.Mode.Name(), ["thresholdInit"] = r.ThresholdPercentile is { } p ? "p" + Inv(p) : "8", ["inputScale"] = Inv(data.InputScale), ["selection"] = "last epoch",
            };
            Checkpoint.Save(r.Out, snn, info, metadata);
            var summary = new Ann2SnnSummary(r.Out, data.DatasetName, r.Arch, r.Activation, r.Levels, r.RcsAlpha, data.T, data.Mode, report.Samples,
                epochs, report.AnnAccuracy, report.SnnAccuracy, report.RelativeError, report.Agreement,
                snn.Neurons.Select(n => n.Threshold).ToArray());
            File.WriteAllText(r.Out + ".conversion.json", ProjectJson.Serialize(summary));
            Print(summary, r.Json);
            return 0;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("ann2snn: cancelled");
            return 130;
        }
        catch (Exception e) when (e is ArgumentException or DatasetNotFoundException or InvalidDataException or IOException or InvalidOperationException or NotSupportedException)
        {
            return CliErrors.ReportBadInput(e);
        }
    }

    private static AnnActivation MakeActivation(Ann2SnnRequest r) => r.Activation switch
    {
        "qcfs" => new QcfsActivation(r.Levels),
        "clip" => new ClipActivation(),
        "relu-max" => new RunningMaxActivation(),
        _ => throw new ArgumentException($"unknown activation '{r.Activation}'"),
    };

    private static void Print(Ann2SnnSummary s, bool json)
    {
        if (json)
        {
            Console.WriteLine(ProjectJson.Serialize(s));
            return;
        }
        Console.WriteLine($"converted checkpoint: {s.Checkpoint} ({s.Arch}, {s.Activation}, RCS α={Inv(s.RcsAlpha)}, T={s.T}, input {s.InputMode.Name()}, {s.TestSamples} test samples)");
        Console.WriteLine($"ANN accuracy: {Pct(s.AnnAccuracy)}");
        Console.WriteLine($"SNN accuracy per timestep: {string.Join(" ", s.SnnAccuracy.Select(a => (100 * a).ToString("0.0", CultureInfo.InvariantCulture)))}");
        Console.WriteLine($"conversion error ‖Y(t)/t − ANN‖/‖ANN‖: {string.Join(" ", s.ConversionError.Select(e => e.ToString("0.000", CultureInfo.InvariantCulture)))}");
        Console.WriteLine($"report: {s.Checkpoint}.conversion.json");
    }

    private static string G(double v) => v.ToString("G6", CultureInfo.InvariantCulture);

    private static string Inv(double v) => v.ToString("0.#####", CultureInfo.InvariantCulture);

    private static string Pct(double v) => (100 * v).ToString("0.0", CultureInfo.InvariantCulture) + "%";
}

/// <summary>What `eventsnn ann2snn` produced and measured (also written as <c>&lt;checkpoint&gt;.conversion.json</c>).</summary>
/// <param name="Checkpoint">Path of the converted checkpoint.</param>
/// <param name="Dataset">Dataset name.</param>
/// <param name="Arch">Architecture.</param>
/// <param name="Activation">ANN constraint (qcfs, clip, relu-max).</param>
/// <param name="Levels">QCFS levels L.</param>
/// <param name="RcsAlpha">RCS weight α.</param>
/// <param name="T">Timesteps evaluated.</param>
/// <param name="InputMode">What the SNN got each step: "repeat" (the ANN's frame) or "causal" (event slices, running mean × T).</param>
/// <param name="TestSamples">Test samples evaluated.</param>
/// <param name="Epochs">ANN training epochs (empty when imported).</param>
/// <param name="AnnAccuracy">ANN test accuracy, fraction.</param>
/// <param name="SnnAccuracy">SNN test accuracy of argmax Y(t), t = 1..T.</param>
/// <param name="ConversionError">Mean relative L2 error of Y(t)/t against the ANN logits, t = 1..T.</param>
/// <param name="Agreement">Fraction of SNN predictions equal to the ANN's, t = 1..T.</param>
/// <param name="Thresholds">IF thresholds λ per layer.</param>
internal sealed record Ann2SnnSummary(string Checkpoint, string Dataset, string Arch, string Activation, int Levels, double RcsAlpha, int T,
    ConversionInputMode InputMode, int TestSamples, IReadOnlyList<EpochRecord> Epochs, double AnnAccuracy, double[] SnnAccuracy, double[] ConversionError,
    double[] Agreement, double[] Thresholds);
