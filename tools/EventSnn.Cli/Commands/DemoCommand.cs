using System.CommandLine;
using EventSnn.Cli.Cutoff;

namespace EventSnn.Cli.Commands;

/// <summary>`eventsnn demo`: the main job on the embedded default.</summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--out") { Description = "folder for the data, both models and the report", DefaultValueFactory = _ => "demo-out" };
        var quick = new Option<bool>("--quick") { Description = "a small, fast run (tests): fewer recordings, fewer epochs" };
        var arch = new Option<string?>("--arch") { Description = "override the architecture" };
        var epochs = new Option<int?>("--epochs") { Description = "override the training epochs" };
        var t = new Option<int?>("--T") { Description = "override the timesteps (default 8; the method uses 16 for DVS128 Gesture, which takes about twice as long)" };
        var alpha = new Option<double?>("--rcs-alpha") { Description = "override α of the RCS model" };
        var downsample = new Option<int?>("--downsample") { Description = "override the spatial downsampling" };
        var trials = new Option<int?>("--trials") { Description = "override the number of synthetic recordings" };
        var trainDropout = new Option<double?>("--train-dropout") { Description = "override the dropout after spiking layers while training" };
        var cmd = new Command("demo", "Synthesize gestures, train without and with RCS, calibrate the Top-K cutoff, evaluate every policy, write the report.");
        foreach (var o in new Option[] { output, quick, arch, epochs, t, alpha, downsample, trials, trainDropout }) cmd.Options.Add(o);
        cmd.SetAction((parse, ct) =>
        {
            var s = parse.GetValue(quick) ? DemoSettings.Quick : DemoSettings.Default;
            if (parse.GetValue(arch) is string a) s = s with { Arch = a };
            if (parse.GetValue(epochs) is int e) s = s with { Epochs = e };
            if (parse.GetValue(t) is int tt) s = s with { T = tt };
            if (parse.GetValue(alpha) is double al) s = s with { RcsAlpha = al };
            if (parse.GetValue(downsample) is int d) s = s with { Downsample = d };
            if (parse.GetValue(trainDropout) is double td) s = s with { TrainDropout = td };
            if (parse.GetValue(trials) is int n) s = s with { Synthetic = s.Synthetic with { Trials = n } };
            return Task.FromResult(DemoRunner.Run(parse.GetValue(output)!, s, ct));
        });
        return cmd;
    }
}
