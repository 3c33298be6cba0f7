using System.CommandLine;
using System.Text.Json;
using EventSnn.Cli.Datasets;
using EventSnn.Ingest.Binning;

namespace EventSnn.Cli.Commands;

/// <summary>`eventsnn events frames IN OUT.h5 --rule RULE`: events binned into frames [T, 2, H, W] for inspection.</summary>
internal static class EventsFramesCommand
{
    public static Command Create()
    {
        var input = new Argument<string>("IN") { Description = "Any readable event file (or ARCHIVE#ENTRY)" };
        var output = new Argument<string>("OUT") { Description = "Output HDF5 file (.h5): dataset 'frames' float32 [T,2,H,W], 'slices' int64 [T,2]" };
        var rule = new Option<string>("--rule")
        {
            Description = "Binning rule: sj-number:T, sj-time:T, sj-duration:US[,legacy], tonic-event-bins:B[,overlap=F], " +
                          "tonic-time-bins:B[,overlap=F], tonic-event-count:C[,overlap=N][,incomplete], " +
                          "tonic-time-window:US[,overlap=US][,incomplete], equal-time:T[,start=US][,end=US]",
            Required = true,
        };
        var downsample = new Option<int>("--downsample") { Description = "Integer spatial downsampling factor", DefaultValueFactory = _ => 1 };
        var width = new Option<int?>("--width") { Description = "Sensor width to bin on (default: the file's; events beyond are cropped)" };
        var height = new Option<int?>("--height") { Description = "Sensor height to bin on (default: the file's)" };
        var start = new Option<long?>("--start") { Description = "Keep events with t >= START µs first" };
        var end = new Option<long?>("--end") { Description = "Keep events with t < END µs first" };
        var convention = new Option<string>("--convention") { Description = "Coordinate convention for AEDAT 2.0 input", DefaultValueFactory = _ => "libcaer" };
        var json = new Option<bool>("--json") { Description = "Print the summary as JSON" };
        var cmd = new Command("frames", "Bin events into frames [T, 2, H, W] (channel 0 OFF, 1 ON, event counts) by a named rule and write them to HDF5.");
        cmd.Arguments.Add(input);
        cmd.Arguments.Add(output);
        foreach (Option o in new Option[] { rule, downsample, width, height, start, end, convention, json }) cmd.Options.Add(o);
        cmd.SetAction(parse =>
        {
            try
            {
                BinningRule r = BinningRule.Parse(parse.GetValue(rule)!);
                string outPath = parse.GetValue(output)!;
                CliPaths.CheckOutputFile(outPath);
                var (frames, slices, events) = EventFramesRun.Run(new EventFramesRequest
                {
                    Input = parse.GetValue(input)!, Output = outPath, Rule = r, Downsample = parse.GetValue(downsample),
                    Width = parse.GetValue(width), Height = parse.GetValue(height), StartUs = parse.GetValue(start), EndUs = parse.GetValue(end),
                    Convention = parse.GetValue(convention)!,
                });
                var perFrame = slices.Select(x => x.Count).ToArray();
                if (parse.GetValue(json))
                {
                    Console.WriteLine(JsonSerializer.Serialize(new
                    {
                        input = parse.GetValue(input), output = outPath, rule = r.Spec, events,
                        shape = new[] { frames.T, 2, frames.Height, frames.Width }, events_per_frame = perFrame,
                        slices = slices.Select(x => new[] { x.Start, x.End }).ToArray(),
                    }, CliJson.Options));
                }
                else
                {
                    Console.WriteLine($"{outPath}: frames [{frames.T}, 2, {frames.Height}, {frames.Width}] by {r.Spec} from {events:N0} events");
                    Console.WriteLine($"  events per frame: {string.Join(" ", perFrame)}");
                }
                return 0;
            }
            catch (Exception e) when (e is IOException or InvalidDataException or FormatException or ArgumentException or UnauthorizedAccessException)
            {
                return CliErrors.ReportBadInput(e);
            }
        });
        return cmd;
    }
}
