using System.CommandLine;
using EventSnn.Cli.Cutoff;
using EventSnn.Datasets;

namespace EventSnn.Cli.Commands;

/// <summary>`eventsnn study`: several seeds per RCS α on the demo's data, with means, intervals and paired differences.</summary>
internal static class StudyCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--out", "-o") { Description = "folder for the data, every run and the study's tables and plot (a stopped study resumes here)", DefaultValueFactory = _ => "study-out" };
        var seeds = new Option<int>("--seeds") { Description = "training seeds per α (seeds 1200, 1201, …)", DefaultValueFactory = _ => 5 };
        var alphas = new Option<double[]>("--alpha") { Description = "an RCS α to study (repeat for several; default 0 and 0.002)", AllowMultipleArgumentsPerToken = true };
        var quick = new Option<bool>("--quick") { Description = "the demo's small, fast setting (tests)" };
        var arch = new Option<string?>("--arch") { Description = "override the architecture" };
        var epochs = new Option<int?>("--epochs") { Description = "override the training epochs" };
        var t = new Option<int?>("--T") { Description = "override the timesteps" };
        var trials = new Option<int?>("--trials") { Description = "override the number of synthetic recordings" };
        var cmd = new Command("study", "Train several seeds per RCS α, calibrate and evaluate each; means, 95 % intervals and paired differences of accuracy, exit step and speed-up.");
        foreach (var o in new Option[] { output, seeds, alphas, quick, arch, epochs, t, trials }) cmd.Options.Add(o);
        cmd.SetAction((parse, ct) =>
        {
            int k = parse.GetValue(seeds);
            double[] a = parse.GetValue(alphas) is { Length: > 0 } given ? given : [0.0, 0.002];
            if (k < 1 || k > 100) { Console.Error.WriteLine($"error: --seeds must be between 1 and 100, got {k}"); return Task.FromResult(2); }
            if (a.Any(x => !(x >= 0 && x < 10))) { Console.Error.WriteLine("error: --alpha values must be in [0, 10)"); return Task.FromResult(2); }
            if (a.Distinct().Count() != a.Length) { Console.Error.WriteLine("error: --alpha values must differ"); return Task.FromResult(2); }
            if (parse.GetValue(epochs) is int e && e < 1) { Console.Error.WriteLine($"error: --epochs must be at least 1, got {e}"); return Task.FromResult(2); }
            if (parse.GetValue(t) is int tv && tv < 1) { Console.Error.WriteLine($"error: --T must be at least 1, got {tv}"); return Task.FromResult(2); }
            var s = parse.GetValue(quick) ? DemoSettings.Quick : DemoSettings.Default;
            if (parse.GetValue(arch) is string ar) s = s with { Arch = ar };
            if (parse.GetValue(epochs) is int ep) s = s with { Epochs = ep };
            if (parse.GetValue(t) is int tt) s = s with { T = tt };
            if (parse.GetValue(trials) is int n) s = s with { Synthetic = s.Synthetic with { Trials = n } };
            try
            {
                return Task.FromResult(StudyRunner.Run(parse.GetValue(output)!, s, a, k, ct));
            }
            catch (OperationCanceledException)
            {
                Console.Error.WriteLine("error: study cancelled; run the same command again to continue");
                return Task.FromResult(130);
            }
            catch (Exception ex) when (ex is ArgumentException or IOException or InvalidDataException or InvalidOperationException or DatasetNotFoundException)
            {
                Console.Error.WriteLine($"error: {ex.Message}");
                return Task.FromResult(2);
            }
        });
        return cmd;
    }
}
