using System.CommandLine;
using System.Text.Json;
using EventSnn.Cli.Datasets;
using EventSnn.Ingest;
using EventSnn.Ingest.Binning;

namespace EventSnn.Cli.Commands;

/// <summary>`eventsnn events frames IN OUT.h5 --rule RULE`: events binned into frames [T, 2, H, W] for inspection.</summary>
internal static class EventsFramesCommand
{
    /// <summary>Most values (T·2·H·W float32) `events frames` writes: 2^28, 1 GiB.</summary>
    public const long MaxFrameValues = 1L << 28;

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
                CliPaths.CheckOutputFile(parse.GetValue(output)!);
                using EventRecording rec = EventFile.ReadAll(parse.GetValue(input)!, new EventReadOptions { Convention = parse.GetValue(convention)! });
                EventBatch ev = rec.Events;
                int a = 0, b = ev.Count;
                var t = ev.T;
                if (parse.GetValue(start) is long s0) while (a < b && t[a] < s0) a++;
                if (parse.GetValue(end) is long s1) { int k = a; while (k < b && t[k] < s1) k++; b = k; }
                int w = parse.GetValue(width) ?? rec.Width, h = parse.GetValue(height) ?? rec.Height;
                int ds = parse.GetValue(downsample);
                if (w <= 0 || h <= 0) throw new ArgumentException($"sensor size {w}x{h} unknown; give --width and --height");
                if (w > 65536 || h > 65536) throw new ArgumentException($"sensor size {w}x{h}: at most 65536 pixels a side");
                if (ds < 1 || ds > Math.Max(w, h)) throw new ArgumentException($"--downsample must be in 1..{Math.Max(w, h)}, got {ds}");
                var tt = ev.T[a..b]; var xx = ev.X[a..b]; var yy = ev.Y[a..b]; var pp = ev.P[a..b];
                EventSlice[] slices = EventBinner.Slices(tt, r);
                if (slices.Length == 0) throw new ArgumentException($"rule {r.Spec} yields no frame for these {b - a} events");
                long values = (long)slices.Length * 2 * ((h + ds - 1) / ds) * ((w + ds - 1) / ds);
                if (values > MaxFrameValues)
                    throw new ArgumentException($"rule {r.Spec} on {w}x{h} (downsample {ds}) gives {slices.Length} frames of {values / slices.Length} values: " +
                        $"more than the {MaxFrameValues} values (1 GiB of float32) one frames file may hold; use fewer or coarser frames");
                Frames frames = EventBinner.Bin(tt, xx, yy, pp, r, w, h, ds);
                string outPath = parse.GetValue(output)!;
                FramesFile.Write(outPath, frames, slices, r.Spec, parse.GetValue(input)!, ds);
                var perFrame = slices.Select(x => x.Count).ToArray();
                if (parse.GetValue(json))
                {
                    Console.WriteLine(JsonSerializer.Serialize(new
                    {
                        input = parse.GetValue(input), output = outPath, rule = r.Spec, events = b - a,
                        shape = new[] { frames.T, 2, frames.Height, frames.Width }, events_per_frame = perFrame,
                        slices = slices.Select(x => new[] { x.Start, x.End }).ToArray(),
                    }, CliJson.Options));
                }
                else
                {
                    Console.WriteLine($"{outPath}: frames [{frames.T}, 2, {frames.Height}, {frames.Width}] by {r.Spec} from {b - a:N0} events");
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
