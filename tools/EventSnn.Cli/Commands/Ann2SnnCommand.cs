using System.CommandLine;
using EventSnn.Cli.Conversion;
using EventSnn.Model;
using EventSnn.Model.Conversion;

namespace EventSnn.Cli.Commands;

/// <summary>`eventsnn ann2snn`: train a QCFS ANN (with the ANN form of RCS) and convert it to an IF-neuron SNN checkpoint.</summary>
internal static class Ann2SnnCommand
{
    public static Command Create()
    {
        var dataset = new Option<string>("--dataset") { Description = "cifar10, cifar100 (official binary archives), or an event dataset: dvsgesture, cifar10dvs, ncaltech101 (frames collapsed to one)", Required = true };
        var root = new Option<string>("--data") { Description = "The archive (e.g. cifar-10-binary.tar.gz) or the folder holding the dataset", Required = true };
        var arch = new Option<string>("--arch") { Description = $"Architecture: {string.Join(", ", FrameArchitectures.Names)}", DefaultValueFactory = _ => "vgg16" };
        arch.AcceptOnlyFromAmong(FrameArchitectures.Names.ToArray());
        var activation = new Option<string>("--activation") { Description = "ANN constraint: qcfs, clip or relu-max (running-max threshold)", DefaultValueFactory = _ => "qcfs" };
        activation.AcceptOnlyFromAmong("qcfs", "clip", "relu-max");
        var levels = new Option<int>("--levels") { Description = "QCFS quantisation levels L (4, 8 or 16 in the method)", DefaultValueFactory = _ => 8 };
        var alpha = new Option<double>("--rcs-alpha") { Description = "Weight α of the ANN RCS term (0 = baseline)", DefaultValueFactory = _ => 0.003 };
        var t = new Option<int?>("--T") { Description = "SNN timesteps to evaluate and record (default 32 for images; for event data the number of time slices, default 16)" };
        var epochs = new Option<int>("--epochs") { Description = "ANN training epochs (cosine schedule length)", DefaultValueFactory = _ => 300 };
        var batch = new Option<int>("--batch") { Description = "Mini-batch size", DefaultValueFactory = _ => 128 };
        var lr = new Option<double>("--lr") { Description = "Initial learning rate", DefaultValueFactory = _ => 0.1 };
        var wd = new Option<double>("--weight-decay") { Description = "Weight decay (all parameters, λ included)", DefaultValueFactory = _ => 5e-4 };
        var optimizer = new Option<string>("--optimizer") { Description = "sgd (the method's) or adam", DefaultValueFactory = _ => "sgd" };
        optimizer.AcceptOnlyFromAmong("sgd", "adam");
        var seed = new Option<int>("--seed") { Description = "Seed of initialisation, shuffling and augmentation", DefaultValueFactory = _ => 1200 };
        var output = new Option<string>("--out") { Description = "Converted checkpoint to write (.ckpt); a <out>.conversion.json report is written beside it", Required = true };
        var downsample = new Option<int>("--downsample") { Description = "Event data: spatial downsampling factor (4 turns 128x128 into 32x32)", DefaultValueFactory = _ => 4 };
        var inputMode = new Option<string>("--input-mode") { Description = "Event data: what the SNN gets each step: repeat (the whole window collapsed into one count frame, fed every step; the method's way) or causal (slice t at step t, the body sees T x the running mean; what streaming can feed)", DefaultValueFactory = _ => "repeat" };
        inputMode.AcceptOnlyFromAmong("repeat", "causal");
        var thresholdPercentile = new Option<double?>("--threshold-percentile") { Description = "Start each λ at this percentile of its layer's ReLU pre-activations on the first training batch (e.g. 99.9) instead of 8 (the method's)" };
        var window = new Option<string?>("--window-us") { Description = "Event data: sample window START:END in µs (default 0:1300000 for dvsgesture, whole sample otherwise)" };
        var cache = new Option<string?>("--cache") { Description = EventSnn.Datasets.CacheLocation.OptionDescription };
        var noAugment = new Option<bool>("--no-augment") { Description = "Turn off augmentation (crop+flip for images, random translation for events)" };
        var maxTrain = new Option<int>("--max-train") { Description = "Use at most this many training samples (0 = all), for quick runs", DefaultValueFactory = _ => 0 };
        var maxTest = new Option<int>("--max-test") { Description = "Evaluate at most this many test samples (0 = all)", DefaultValueFactory = _ => 0 };
        var importPt = new Option<string?>("--import-pt") { Description = "Skip training: load the ANN from a PyTorch state dict (torch.save(model.state_dict())) with the method's parameter names" };
        var exportPt = new Option<string?>("--export-pt") { Description = "Also write the trained ANN as a PyTorch state dict" };
        var threads = new Option<int>("--threads") { Description = "CPU threads for TorchSharp (0 = its default)", DefaultValueFactory = _ => 0 };
        var json = new Option<bool>("--json") { Description = "Print the summary as JSON" };
        var noResume = new Option<bool>("--no-resume") { Description = "Start the ANN training afresh even if <out>.ann/ holds an interrupted run" };

        var cmd = new Command("ann2snn", "Train a QCFS ANN (optionally with RCS) and convert it to an IF-neuron SNN.");
        foreach (Option o in new Option[] { dataset, root, arch, activation, levels, alpha, t, epochs, batch, lr, wd, optimizer, seed, output,
                     downsample, inputMode, thresholdPercentile, window, cache, noAugment, maxTrain, maxTest, importPt, exportPt, threads, json, noResume })
            cmd.Options.Add(o);
        cmd.SetAction((parse, cancel) =>
        {
            var request = new Ann2SnnRequest
            {
                Dataset = parse.GetValue(dataset)!, Root = parse.GetValue(root)!, Arch = parse.GetValue(arch)!, Activation = parse.GetValue(activation)!,
                Levels = parse.GetValue(levels), RcsAlpha = parse.GetValue(alpha), T = parse.GetValue(t), Epochs = parse.GetValue(epochs),
                Batch = parse.GetValue(batch), LearningRate = parse.GetValue(lr), WeightDecay = parse.GetValue(wd), Optimizer = OptimizerKinds.Parse(parse.GetValue(optimizer)!),
                Seed = parse.GetValue(seed), Out = parse.GetValue(output)!, Downsample = parse.GetValue(downsample), InputMode = ConversionInputModes.Parse(parse.GetValue(inputMode)!), ThresholdPercentile = parse.GetValue(thresholdPercentile), Window = parse.GetValue(window),
                CacheDir = parse.GetValue(cache), Augment = !parse.GetValue(noAugment), MaxTrain = parse.GetValue(maxTrain), MaxTest = parse.GetValue(maxTest),
                ImportPt = parse.GetValue(importPt), ExportPt = parse.GetValue(exportPt), Threads = parse.GetValue(threads), Json = parse.GetValue(json), Resume = !parse.GetValue(noResume),
            };
            return Task.FromResult(Ann2SnnRunner.Run(request, cancel));
        });
        return cmd;
    }
}
