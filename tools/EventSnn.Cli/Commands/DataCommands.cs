using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using EventSnn.Cli.Datasets;
using EventSnn.Datasets;
using EventSnn.Datasets.Synthetic;

namespace EventSnn.Cli.Commands;

/// <summary>`eventsnn data synth` and `eventsnn data info`.</summary>
internal static class DataCommands
{
    public static Command Create()
    {
        var data = new Command("data", "Datasets: synthesize the gesture dataset, count samples of a dataset.");
        data.Subcommands.Add(Synth());
        data.Subcommands.Add(Info());
        return data;
    }

    static Command Synth()
    {
        var outDir = new Option<string>("--out") { Description = "Output folder (gets DvsGesture/ and DvsGesture.tar.gz)", Required = true };
        var trials = new Option<int?>("--trials") { Description = "Number of trials (recordings), five per user; default 40 (15 with --quick, 122 with --large)" };
        var seed = new Option<long>("--seed") { Description = "Seed; the same seed gives identical files", DefaultValueFactory = _ => 1 };
        var window = new Option<double?>("--window") { Description = "Mean gesture window in seconds (default 1.5; 1.0 with --quick)" };
        var large = new Option<bool>("--large") { Description = "The real dataset's size (122 trials) for benchmarking" };
        var quick = new Option<bool>("--quick") { Description = "A small set for smoke runs (15 trials, 1.0 s windows)" };
        var noFolder = new Option<bool>("--no-folder") { Description = "Write only DvsGesture.tar.gz" };
        var noArchive = new Option<bool>("--no-archive") { Description = "Write only the DvsGesture/ folder" };
        var json = new Option<bool>("--json") { Description = "Print the summary as JSON" };
        var cmd = new Command("synth", "Generate the synthetic gesture dataset in DVS128 Gesture's own layout (AEDAT 3.1 + label CSVs + trial lists).");
        foreach (Option o in new Option[] { outDir, trials, seed, window, large, quick, noFolder, noArchive, json }) cmd.Options.Add(o);
        cmd.SetAction(parse =>
        {
            bool asJson = parse.GetValue(json);
            try
            {
                if (parse.GetValue(large) && parse.GetValue(quick)) throw new ArgumentException("--large and --quick exclude each other");
                SyntheticOptions o = parse.GetValue(large) ? SyntheticOptions.Large : parse.GetValue(quick) ? SyntheticOptions.Quick : SyntheticOptions.Default;
                o = o with
                {
                    Seed = parse.GetValue(seed),
                    Trials = parse.GetValue(trials) ?? o.Trials,
                    WindowSeconds = parse.GetValue(window) ?? o.WindowSeconds,
                    WriteFolder = !parse.GetValue(noFolder),
                    WriteArchive = !parse.GetValue(noArchive),
                };
                var progress = asJson ? null : new ConsoleFraction("synthesizing");
                SyntheticDatasetInfo info = SyntheticGestureDataset.Generate(parse.GetValue(outDir)!, o, progress);
                progress?.Done();
                if (asJson)
                {
                    Console.WriteLine(JsonSerializer.Serialize(new
                    {
                        root = info.Root, folder = info.Folder, archive = info.Archive, seed = o.Seed, trials = o.Trials,
                        train_trials = info.TrainTrials, test_trials = info.TestTrials,
                        train_samples = info.TrainSamples, test_samples = info.TestSamples,
                        events = info.Events, seconds = Math.Round(info.Seconds, 2),
                    }, CliJson.Options));
                }
                else
                {
                    Console.WriteLine($"wrote {info.TrainTrials} training + {info.TestTrials} test trials " +
                        $"({info.TrainSamples} + {info.TestSamples} samples, {info.Events:N0} events) in {info.Seconds:F1} s");
                    if (info.Folder is not null) Console.WriteLine($"  folder:  {info.Folder}");
                    if (info.Archive is not null) Console.WriteLine($"  archive: {info.Archive}");
                }
                return 0;
            }
            catch (Exception e) when (e is ArgumentException or IOException or UnauthorizedAccessException)
            {
                return CliErrors.ReportBadInput(e);
            }
        });
        return cmd;
    }

    static Command Info()
    {
        var root = new Argument<string>("ROOT") { Description = "Dataset folder or archive as downloaded (DvsGesture.tar.gz, CIFAR10-DVS class zips, Caltech101.zip, N-CARS train/test folders, ...)" };
        var name = new Option<string?>("--dataset") { Description = "dvsgesture, cifar10dvs, ncaltech101 or ncars (default: detected from the files)" };
        var cifarSplit = new Option<string>("--cifar-split") { Description = "CIFAR10-DVS split: method (first 90 % by index train) or spikingjelly (indices 0-99 test)", DefaultValueFactory = _ => "method" };
        var background = new Option<bool>("--include-background") { Description = "N-Caltech101: keep BACKGROUND_Google as a class" };
        var json = new Option<bool>("--json") { Description = "Print JSON" };
        var cmd = new Command("info", "Sample counts per split and class of a dataset.");
        cmd.Arguments.Add(root);
        foreach (Option o in new Option[] { name, cifarSplit, background, json }) cmd.Options.Add(o);
        cmd.SetAction(parse =>
        {
            string path = parse.GetValue(root)!;
            try
            {
                string dsName = parse.GetValue(name) ?? DatasetCatalog.Detect(path)
                    ?? throw new DatasetNotFoundException("dataset", path, ["a DVS128 Gesture, CIFAR10-DVS, N-Caltech101 or N-CARS layout"], "Name it with --dataset to see what is missing");
                var options = new DatasetOptions { Cifar10DvsSplit = parse.GetValue(cifarSplit)!, IncludeBackground = parse.GetValue(background) };
                IEventDataset ds = DatasetCatalog.Open(dsName, path, options);
                var splits = new[] { DatasetSplit.Train, DatasetSplit.Test };
                var counts = splits.ToDictionary(s => s, s =>
                {
                    var c = new int[ds.ClassNames.Count];
                    foreach (var sample in ds.Samples(s)) c[sample.Label]++;
                    return c;
                });
                if (parse.GetValue(json))
                {
                    Console.WriteLine(JsonSerializer.Serialize(new
                    {
                        dataset = ds.Name, root = path, sensor = new { width = ds.SensorWidth, height = ds.SensorHeight },
                        classes = ds.ClassNames,
                        train = new { samples = counts[DatasetSplit.Train].Sum(), per_class = counts[DatasetSplit.Train] },
                        test = new { samples = counts[DatasetSplit.Test].Sum(), per_class = counts[DatasetSplit.Test] },
                    }, CliJson.Options));
                    return 0;
                }
                Console.WriteLine($"{ds.Name} at {path}: sensor {ds.SensorWidth}x{ds.SensorHeight}, {ds.ClassNames.Count} classes");
                Console.WriteLine($"  train {counts[DatasetSplit.Train].Sum(),7}   test {counts[DatasetSplit.Test].Sum(),7}");
                int width = Math.Max(8, ds.ClassNames.Max(n => n.Length));
                Console.WriteLine($"  {"class".PadRight(width)}  {"train",7} {"test",7}");
                for (int k = 0; k < ds.ClassNames.Count; k++)
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"  {ds.ClassNames[k].PadRight(width)}  {counts[DatasetSplit.Train][k],7} {counts[DatasetSplit.Test][k],7}"));
                return 0;
            }
            catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException or UnauthorizedAccessException)
            {
                return CliErrors.ReportBadInput(e);
            }
        });
        return cmd;
    }
}
