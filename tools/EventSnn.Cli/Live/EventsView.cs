using System.CommandLine;
using EventSnn.Cli.Commands;
using EventSnn.Ingest;
using EventSnn.Pipeline.Binning;
using EventSnn.Pipeline.Live;

namespace EventSnn.Cli.Live;

/// <summary>
/// <c>eventsnn events view PATH --http [HOST:]PORT [--bin-us N] [--speed X]</c>: plays a recording on the live
/// page of <c>stream classify --http</c>, without a model (bin images and counters only). Serves until Ctrl+C,
/// or for <c>--http-linger</c> seconds after the recording ends.
/// </summary>
internal static class EventsView
{
    public static Command Create()
    {
        var path = new Argument<string>("PATH") { Description = "Recording (any readable format; ARCHIVE#ENTRY for an archive entry)." };
        var http = new Option<string>("--http") { Description = "Serve the live page on [HOST:]PORT (host 127.0.0.1 unless given).", Required = true };
        var binUs = new Option<long>("--bin-us") { Description = "Bin length in µs of event time.", DefaultValueFactory = _ => 20_000 };
        var speed = new Option<double>("--speed") { Description = "Playback speed: 1 = recorded, 2 = twice as fast, 0 = as fast as possible.", DefaultValueFactory = _ => 1 };
        var downsample = new Option<int>("--downsample") { Description = "Pool the sensor's pixels by this factor.", DefaultValueFactory = _ => 1 };
        var sensor = new Option<string?>("--sensor") { Description = "Sensor size WxH when the file does not record it." };
        var linger = new Option<double?>("--http-linger") { Description = "Keep serving this many seconds after the recording ends (default: until Ctrl+C)." };
        var cmd = new Command("view", "Play a recording on the live page in a browser (no model): a quick look at a file.");
        cmd.Arguments.Add(path);
        foreach (var o in new Option[] { http, binUs, speed, downsample, sensor, linger }) cmd.Options.Add(o);
        cmd.SetAction(async (parse, ct) =>
        {
            string file = parse.GetValue(path)!;
            try
            {
                if (parse.GetValue(binUs) <= 0) throw new ArgumentException("--bin-us must be > 0");
                if (parse.GetValue(speed) is < 0 or double.NaN) throw new ArgumentException("--speed must be >= 0");
                if (parse.GetValue(linger) is < 0) throw new ArgumentException("--http-linger must be >= 0");
                int ds = parse.GetValue(downsample);
                if (ds < 1) throw new ArgumentException("--downsample must be >= 1");
                using var reader = EventFile.Open(file);
                var (w, h) = (reader.Width, reader.Height);
                if (parse.GetValue(sensor) is { } s) (w, h) = ParseSize(s);
                if (w <= 0 || h <= 0) throw new ArgumentException($"{file} does not record its sensor size: give --sensor WxH");
                var binning = new OnlineBinningOptions { WindowUs = parse.GetValue(binUs), Width = (w + ds - 1) / ds, Height = (h + ds - 1) / ds, Downsample = ds };
                var player = new RecordingPlayer(binning, parse.GetValue(speed));
                var options = new LiveFeedOptions();
                var hello = new LiveHello("events view", $"{Path.GetFileName(file)} ({w}x{h}, bins of {binning.WindowUs} µs, speed {parse.GetValue(speed)})",
                    null, null, [], 0, null, options.MaxUpdatesPerSecond);
                LiveCounters Read() => new(player.Counters.Snapshot(), 0, 0, 0, 0);
                await using var live = await LiveRun.StartAsync(parse.GetValue(http)!, options, hello, Read, ct);
                Console.Error.WriteLine($"live page on {live.Server.Address}");
                Console.Out.WriteLine(live.Server.Address);
                Console.Out.Flush();
                try { await player.PlayAsync(Path.GetFileName(file), reader.ReadBatches(4096), live.Feed, ct); }
                catch (OperationCanceledException) when (ct.IsCancellationRequested) { return 0; }
                var c = player.Counters.Snapshot();
                Console.Error.WriteLine($"played {c.EventsReceived} events in {c.BinsClassified} bins; Ctrl+C to stop serving");
                await live.EndAsync("recording ended", parse.GetValue(linger) ?? double.PositiveInfinity, ct);
                return 0;
            }
            catch (Exception ex) when (ex is EventFormatException or InvalidDataException or ArgumentException or FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"error: {ex.Message}");
                return EventsCommands.BadInput;
            }
            catch (IOException ex)
            {
                Console.Error.WriteLine($"error: {ex.Message}");
                return 1;
            }
        });
        return cmd;
    }

    static (int W, int H) ParseSize(string text)
    {
        var parts = text.ToLowerInvariant().Split('x');
        if (parts.Length == 2 && int.TryParse(parts[0], out int w) && int.TryParse(parts[1], out int h) && w > 0 && h > 0) return (w, h);
        throw new ArgumentException($"--sensor '{text}' is not WxH");
    }
}
