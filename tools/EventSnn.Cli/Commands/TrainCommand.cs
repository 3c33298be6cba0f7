using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using EventSnn.Cli.Model;
using EventSnn.Datasets;
using EventSnn.Model;

namespace EventSnn.Cli.Commands;

/// <summary>`eventsnn train`: direct BPTT training with the TET or mean loss and the RCS regulariser.</summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var dataset = new Option<string>("--dataset") { Description = "Dataset name: dvsgesture, cifar10dvs, ncaltech101 or ncars (the synthetic set loads as dvsgesture)", Required = true };
        var root = new Option<string>("--data") { Description = "Folder or archive the dataset was downloaded (or synthesized) to", Required = true };
        string[] archs = [.. Architectures.BuiltIn];
        var arch = new Option<string>("--arch") { Description = $"Architecture: {string.Join(", ", archs)}", DefaultValueFactory = _ => "vgg-gesture" };
        arch.AcceptOnlyFromAmong(archs);
        var t = new Option<int?>("--T") { Description = "Timesteps (time bins per sample; default 16, 10 for ncars)" };
        var epochs = new Option<int>("--epochs") { Description = "Training epochs (length of the cosine schedule)", DefaultValueFactory = _ => 100 };
        var batch = new Option<int>("--batch") { Description = "Mini-batch size", DefaultValueFactory = _ => 32 };
        var lr = new Option<double>("--lr") { Description = "Initial SGD learning rate", DefaultValueFactory = _ => 0.1 };
        var loss = new Option<string>("--loss") { Description = "Task loss: tet or mean", DefaultValueFactory = _ => "tet" };
        loss.AcceptOnlyFromAmong("tet", "mean");
        var alpha = new Option<double>("--rcs-alpha") { Description = "Weight of the RCS regulariser (0 = baseline without RCS)", DefaultValueFactory = _ => 0.002 };
        var dropout = new Option<double>("--dropout") { Description = "Dropout after every spiking layer while training, where Top-K calibration puts its dropout (0 = none)", DefaultValueFactory = _ => 0 };
        var seed = new Option<int>("--seed") { Description = "Seed of initialisation, shuffling, validation split and augmentation", DefaultValueFactory = _ => 1200 };
        var outDir = new Option<string>("--out") { Description = "Output folder: best.ckpt, last.ckpt, train-log.jsonl", Required = true };
        var downsample = new Option<int>("--downsample") { Description = "Spatial downsampling factor of the frames (4 turns 128x128 into 32x32)", DefaultValueFactory = _ => 1 };
        var window = new Option<string?>("--window-us") { Description = "Sample window START:END in µs from the first event (default: 0:1300000 for dvsgesture as in the method, whole sample otherwise)" };
        var cache = new Option<string?>("--cache") { Description = EventSnn.Datasets.CacheLocation.OptionDescription };
        var selection = new Option<string>("--select") { Description = "Best checkpoint by 'validation' (held-out part of train), 'test' (the method's choice, labelled so) or 'last' (the last epoch)", DefaultValueFactory = _ => "validation" };
        selection.AcceptOnlyFromAmong("validation", "test", "last");
        var valFraction = new Option<double>("--val-fraction") { Description = "Fraction of the training split held out for validation (with --select test the default is 0: all of it trains)", DefaultValueFactory = _ => 0.1 };
        var noAugment = new Option<bool>("--no-augment") { Description = "Turn off the random-translation augmentation" };
        var tebn = new Option<bool>("--tebn") { Description = "Use TEBN instead of BatchNorm" };
        var reset = new Option<string>("--reset") { Description = "LIF reset: hard or soft", DefaultValueFactory = _ => "hard" };
        reset.AcceptOnlyFromAmong("hard", "soft");
        var noResume = new Option<bool>("--no-resume") { Description = "Start afresh even if --out holds last.ckpt" };
        var threads = new Option<int>("--threads") { Description = "CPU threads for TorchSharp (0 = its default)", DefaultValueFactory = _ => 0 };
        var maxTrain = new Option<int>("--max-train") { Description = "Use at most this many training samples (stratified; 0 = all), for quick runs", DefaultValueFactory = _ => 0 };
        var json = new Option<bool>("--json") { Description = "Print the summary as JSON" };

        var cmd = new Command("train", "Train a spiking network directly (BPTT, TET or mean loss, RCS regulariser).");
        foreach (Option o in new Option[] { dataset, root, arch, t, epochs, batch, lr, loss, alpha, dropout, seed, outDir, downsample, window, cache,
                     selection, valFraction, noAugment, tebn, reset, noResume, threads, maxTrain, json })
            cmd.Options.Add(o);

        cmd.SetAction((parse, cancel) =>
        {
            var request = new TrainRequest
            {
                Dataset = parse.GetValue(dataset)!, Root = parse.GetValue(root)!, Arch = parse.GetValue(arch)!, T = parse.GetValue(t),
                Epochs = parse.GetValue(epochs), Batch = parse.GetValue(batch), LearningRate = parse.GetValue(lr), Loss = Losses.Parse(parse.GetValue(loss)!),
                RcsAlpha = parse.GetValue(alpha), Dropout = parse.GetValue(dropout), Seed = parse.GetValue(seed), OutDir = parse.GetValue(outDir)!, Downsample = parse.GetValue(downsample),
                Window = parse.GetValue(window), CacheDir = parse.GetValue(cache), Selection = EnumNames.Parse<CheckpointSelection>(parse.GetValue(selection)) ?? throw new ArgumentException($"selection must be 'validation' or 'test', got '{parse.GetValue(selection)}'"),
                ValidationFraction = parse.GetValue(valFraction), Augment = !parse.GetValue(noAugment), Tebn = parse.GetValue(tebn),
                Reset = NeuronResets.Parse(parse.GetValue(reset)!), Resume = !parse.GetValue(noResume), Threads = parse.GetValue(threads), MaxTrain = parse.GetValue(maxTrain),
                Json = parse.GetValue(json),
            };
            return Task.FromResult(TrainRunner.Run(request, cancel));
        });
        return cmd;
    }
}
