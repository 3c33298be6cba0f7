using System.CommandLine;
using EventSnn.Cli.Cutoff;

namespace EventSnn.Cli.Commands;

/// <summary>`eventsnn demo`: the main job on the embedded default.</summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--out") { Description = "folder for the data, both models and the report", DefaultValueFactory = _ => "demo-out" };
        var shared = new DemoOptions();
        var alpha = new Option<double?>("--rcs-alpha") { Description = "override α of the RCS model" };
        var downsample = new Option<int?>("--downsample") { Description = "override the spatial downsampling" };
        var trainDropout = new Option<double?>("--train-dropout") { Description = "override the dropout after spiking layers while training" };
        var cmd = new Command("demo", "Synthesize gestures, train without and with RCS, calibrate the Top-K cutoff, evaluate every policy, write the report.");
        cmd.Options.Add(output);
        shared.AddTo(cmd);
        foreach (var o in new Option[] { alpha, downsample, trainDropout }) cmd.Options.Add(o);
        cmd.SetAction((parse, ct) =>
        {
            var s = shared.Settings(parse);
            if (parse.GetValue(alpha) is double al) s = s with { RcsAlpha = al };
            if (parse.GetValue(downsample) is int d) s = s with { Downsample = d };
            if (parse.GetValue(trainDropout) is double td) s = s with { TrainDropout = td };
            return Task.FromResult(DemoRunner.Run(parse.GetValue(output)!, s, ct));
        });
        return cmd;
    }
}
