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
        var shared = new DemoOptions();
        var cmd = new Command("study", "Train several seeds per RCS α, calibrate and evaluate each; means, 95 % intervals and paired differences of accuracy, exit step and speed-up.");
        foreach (var o in new Option[] { output, seeds, alphas }) cmd.Options.Add(o);
        shared.AddTo(cmd);
        cmd.SetAction((parse, ct) =>
        {
            int k = parse.GetValue(seeds);
            double[] a = parse.GetValue(alphas) is { Length: > 0 } given ? given : [0.0, 0.002];
            if (k < 1 || k > 100) { Console.Error.WriteLine($"error: --seeds must be between 1 and 100, got {k}"); return Task.FromResult(2); }
            if (a.Any(x => !(x >= 0 && x < 10))) { Console.Error.WriteLine("error: --alpha values must be in [0, 10)"); return Task.FromResult(2); }
            if (a.Distinct().Count() != a.Length) { Console.Error.WriteLine("error: --alpha values must differ"); return Task.FromResult(2); }
            DemoSettings s;
            try { s = shared.Settings(parse); }
            catch (CliInputException ex) { Console.Error.WriteLine($"error: {ex.Message}"); return Task.FromResult(2); }
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
