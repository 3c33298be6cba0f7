using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using EventSnn.Cli.Ingest;
using EventSnn.Ingest;

namespace EventSnn.Cli.Commands;

/// <summary>`eventsnn events`: inspect and convert event files; `frames` lives in <see cref="EventsFramesCommand"/>.</summary>
internal static class EventsCommands
{
    /// <summary>Exit code for unreadable input or events the output format cannot hold.</summary>
    public const int BadInput = CliErrors.BadInput;

    public static Command Create()
    {
        var cmd = new Command("events", "Event files: inspect, convert between formats, bin into frames.");
        cmd.Subcommands.Add(CreateInspect());
        cmd.Subcommands.Add(CreateConvert());
        cmd.Subcommands.Add(EventsFramesCommand.Create());
        cmd.Subcommands.Add(Live.EventsView.Create());
        return cmd;
    }

    static Option<string> ConventionOption() => new("--convention")
    {
        Description = "AEDAT 2.0 DVS128 coordinate convention: libcaer (default), spikingjelly, events-tfds, tonic-dvs128, raw",
        DefaultValueFactory = _ => Aedat2Convention.LibcaerName,
    };

    static Command CreateInspect()
    {
        var path = new Argument<string>("PATH") { Description = "Event file, or ARCHIVE#ENTRY inside a .zip/.tar/.tar.gz" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text" };
        var convention = ConventionOption();
        var strict = new Option<bool>("--strict") { Description = "Treat a file cut inside a record or packet as an error" };
        var keepInvalid = new Option<bool>("--keep-invalid") { Description = "AEDAT 3.1: keep events whose valid bit is clear" };
        var stream = new Option<string?>("--stream") { Description = "AEDAT 4: event stream name or id (default: lowest-id event stream)" };
        var sensor = SensorOption();
        var cmd = new Command("inspect", "Format, chip/source, sensor size (and where it came from), event count, time span, ON/OFF counts, trigger events, first and last events.")
        {
            path, json, convention, strict, keepInvalid, stream, sensor,
        };
        cmd.SetAction(parse =>
        {
            var options = new EventReadOptions
            {
                Convention = parse.GetValue(convention)!, Strict = parse.GetValue(strict),
                KeepInvalid = parse.GetValue(keepInvalid), StreamName = parse.GetValue(stream),
            };
            return Guard(parse.GetValue(path)!, () =>
            {
                options = WithSensor(options, parse.GetValue(sensor));
                using var reader = EventFile.Open(parse.GetValue(path)!, options);
                var s = EventSummary.Gather(reader);
                if (parse.GetResult(convention) is { Implicit: false }) WarnIfConventionIgnored(parse.GetValue(path)!, s.Format, options);
                if (parse.GetValue(json)) PrintJson(parse.GetValue(path)!, s);
                else PrintText(parse.GetValue(path)!, s);
                return 0;
            });
        });
        return cmd;
    }

    static Option<string?> SensorOption() => new("--sensor")
    {
        Description = "WIDTHxHEIGHT to use when the file states no sensor size (DAT without size lines, EVT 2.0 without geometry)",
    };

    static EventReadOptions WithSensor(EventReadOptions options, string? sensor)
    {
        if (sensor is null) return options;
        string[] parts = sensor.Split('x', 'X');
        if (parts.Length != 2 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int w)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int h) || w <= 0 || h <= 0 || w > 65535 || h > 65535)
            throw new ArgumentException($"--sensor must be WIDTHxHEIGHT with sides 1..65535, got '{sensor}'");
        return options with { SensorWidth = w, SensorHeight = h };
    }

    static Command CreateConvert()
    {
        var input = new Argument<string>("IN") { Description = "Any readable event file (or ARCHIVE#ENTRY)" };
        var output = new Argument<string>("OUT") { Description = "Output; format by extension: .csv, .h5/.hdf5, .aedat, .aedat4, .bin, .raw, .dat" };
        var rawEncoding = new Option<string>("--raw-encoding") { Description = "For .raw output: evt3 (default) or evt2", DefaultValueFactory = _ => "evt3" };
        var sensor = SensorOption();
        var convention = ConventionOption();
        var aedatVersion = new Option<string>("--aedat-version") { Description = "For .aedat output: 2.0 (jAER DVS128) or 3.1 (default)", DefaultValueFactory = _ => "3.1" };
        var compression = new Option<string>("--compression") { Description = "For .aedat4 output: lz4 (default), lz4-high, zstd, zstd-high, none", DefaultValueFactory = _ => "lz4" };
        var strict = new Option<bool>("--strict") { Description = "Treat a file cut inside a record or packet as an error" };
        var keepInvalid = new Option<bool>("--keep-invalid") { Description = "AEDAT 3.1: keep events whose valid bit is clear" };
        var stream = new Option<string?>("--stream") { Description = "AEDAT 4: event stream name or id" };
        var source = new Option<string?>("--source") { Description = "Camera/chip name written to the output header (default: the input's)" };
        var hdf5Layout = new Option<string>("--hdf5-layout") { Description = "For .h5/.hdf5 output: events (default; /events columns) or metavision (/CD/events, uncompressed)", DefaultValueFactory = _ => "events" };
        var json = new Option<bool>("--json") { Description = "Print the summary as JSON" };
        var cmd = new Command("convert", "Convert events from any readable format to CSV, HDF5, AEDAT 2.0/3.1/4.0, .bin, Prophesee .raw (EVT 3.0/2.0) or .dat (by OUT's extension).")
        {
            input, output, convention, aedatVersion, compression, strict, keepInvalid, stream, source, rawEncoding, sensor, hdf5Layout, json,
        };
        cmd.SetAction(parse =>
        {
            string inPath = parse.GetValue(input)!, outPath = parse.GetValue(output)!;
            var read = new EventReadOptions
            {
                Convention = parse.GetValue(convention)!, Strict = parse.GetValue(strict),
                KeepInvalid = parse.GetValue(keepInvalid), StreamName = parse.GetValue(stream),
            };
            return Guard(inPath, () =>
            {
                read = WithSensor(read, parse.GetValue(sensor));
                CliPaths.CheckOutputFile(outPath);
                var write = new EventWriteOptions
                {
                    AedatVersion = parse.GetValue(aedatVersion)!,
                    Convention = parse.GetValue(convention)!,
                    Compression = ParseCompression(parse.GetValue(compression)!),
                    Source = parse.GetValue(source),
                    RawEncoding = parse.GetValue(rawEncoding)!,
                    Hdf5Layout = parse.GetValue(hdf5Layout)!,
                };
                var result = EventFile.Convert(inPath, outPath, read, write);
                foreach (string warning in result.Warnings) Console.Error.WriteLine("warning: " + warning);
                if (parse.GetResult(convention) is { Implicit: false }) WarnIfConventionIgnored(inPath, result.Format, read);
                string? sizeWarning = CheckSizeReadsBack(outPath, result.Width, result.Height);
                if (sizeWarning is not null) Console.Error.WriteLine("warning: " + sizeWarning);
                if (parse.GetValue(json))
                {
                    Console.WriteLine(JsonSerializer.Serialize(new
                    {
                        input = inPath, output = outPath, format = result.Format, events = result.Events, width = result.Width, height = result.Height,
                        streamed = result.NotStreamed is null, not_streamed_because = result.NotStreamed,
                        warnings = result.Warnings.Concat(sizeWarning is null ? [] : [sizeWarning]).ToArray(),
                    }, EventSnn.Cli.Datasets.CliJson.Options));
                }
                else
                {
                    Console.WriteLine($"{result.Events.ToString(CultureInfo.InvariantCulture)} events, {result.Format} {result.Width}x{result.Height} -> {outPath}");
                    if (result.NotStreamed is not null) Console.Error.WriteLine($"note: read whole, not streamed: {result.NotStreamed}");
                }
                return 0;
            });
        });
        return cmd;
    }

    /// <summary>--convention only changes AEDAT 2.0 DVS128 coordinates: say so when it was given for anything else.</summary>
    static void WarnIfConventionIgnored(string path, string format, EventReadOptions read)
    {
        if (format != "aedat2")
        {
            Console.Error.WriteLine($"warning: --convention applies to AEDAT 2.0 DVS128 files only; ignored for this {format} input");
            return;
        }
        using var reader = EventFile.Open(path, read);
        if (reader.Source is { } chip && !chip.Contains("DVS128", StringComparison.OrdinalIgnoreCase))
            Console.Error.WriteLine($"warning: --convention applies to DVS128 recordings only; ignored for this {chip} recording");
    }

    /// <summary>A warning when the written file reads back with another sensor size (AEDAT 3.1 names a camera, not a size).</summary>
    static string? CheckSizeReadsBack(string outPath, int width, int height)
    {
        if (width <= 0 || height <= 0) return null;
        using var back = EventFile.Open(outPath);
        return back.Width == width && back.Height == height ? null
            : $"{Path.GetFileName(outPath)} cannot state a {width}x{height} sensor: it reads back as {(back.Width > 0 ? $"{back.Width}x{back.Height}" : "a sensor of unknown size")} " +
              $"({back.Format} names a camera, not a size); use .aedat4, .h5 or .csv to keep the size";
    }

    static Aedat4Compression ParseCompression(string name) => name.ToLowerInvariant() switch
    {
        "none" => Aedat4Compression.None,
        "lz4" => Aedat4Compression.Lz4,
        "lz4-high" or "lz4_high" => Aedat4Compression.Lz4High,
        "zstd" => Aedat4Compression.Zstd,
        "zstd-high" or "zstd_high" => Aedat4Compression.ZstdHigh,
        _ => throw new ArgumentException($"unknown compression '{name}': none, lz4, lz4-high, zstd, zstd-high"),
    };

    // Bad input is the user's problem to fix, not a crash: one clear line on stderr and a distinct exit code.
    static int Guard(string path, Func<int> action)
    {
        try { return action(); }
        catch (Exception ex) when (CliErrors.IsBadInput(ex)) { return CliErrors.ReportBadInput(ex); }
    }

    static void PrintText(string path, EventSummary s)
    {
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine($"file:      {path}");
        Console.WriteLine($"format:    {s.Format}");
        Console.WriteLine($"source:    {s.Source ?? "(not stated)"}");
        Console.WriteLine($"sensor:    {s.Width} x {s.Height} px{(s.Metadata.TryGetValue("sensor_size_from", out string? from) ? $" (from {from})" : "")}");
        Console.WriteLine($"events:    {s.Events.ToString("N0", inv)} (ON {s.On.ToString("N0", inv)}, OFF {s.Off.ToString("N0", inv)})");
        if (s.TFirst is long t0 && s.TLast is long t1)
            Console.WriteLine($"time:      {t0} .. {t1} us ({((t1 - t0) / 1e6).ToString("0.######", inv)} s){(s.Monotonic ? "" : ", NOT monotonic")}");
        foreach (var kv in s.Metadata.Where(kv => kv.Key != "warning").OrderBy(kv => kv.Key, StringComparer.Ordinal))
            Console.WriteLine($"  {kv.Key}: {kv.Value}");
        if (s.Triggers.Count > 0 || s.Metadata.ContainsKey("triggers"))
        {
            Console.WriteLine($"triggers:  {s.Triggers.Count.ToString("N0", inv)} external trigger event(s), kept apart from the events");
            foreach (var g in s.Triggers.Take(EventSummary.Shown)) Console.WriteLine($"  t={g.TimeUs} us, id={g.Id}, value={g.Value}");
            if (s.Triggers.Count > EventSummary.Shown) Console.WriteLine("  ...");
        }
        Console.WriteLine("first:     t_us, x, y, p");
        foreach (var e in s.First) Console.WriteLine($"  {e.T}, {e.X}, {e.Y}, {e.P}");
        Console.WriteLine("last:");
        foreach (var e in s.Last) Console.WriteLine($"  {e.T}, {e.X}, {e.Y}, {e.P}");
        foreach (string w in s.Warnings) Console.Error.WriteLine("warning: " + w);
    }

    static void PrintJson(string path, EventSummary s)
    {
        using var stdout = Console.OpenStandardOutput();
        using (var w = new Utf8JsonWriter(stdout, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("path", path);
            w.WriteString("format", s.Format);
            if (s.Source is null) w.WriteNull("source"); else w.WriteString("source", s.Source);
            w.WriteNumber("width", s.Width);
            w.WriteNumber("height", s.Height);
            w.WriteNumber("events", s.Events);
            if (s.TFirst is long t0) w.WriteNumber("t_first_us", t0); else w.WriteNull("t_first_us");
            if (s.TLast is long t1) w.WriteNumber("t_last_us", t1); else w.WriteNull("t_last_us");
            if (s.TMin is long tmin) w.WriteNumber("t_min_us", tmin);
            if (s.TMax is long tmax) w.WriteNumber("t_max_us", tmax);
            w.WriteBoolean("monotonic", s.Monotonic);
            w.WriteNumber("on", s.On);
            w.WriteNumber("off", s.Off);
            WriteEvents(w, "first", s.First);
            WriteEvents(w, "last", s.Last);
            w.WriteStartObject("metadata");
            foreach (var kv in s.Metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal)) w.WriteString(kv.Key, kv.Value);
            w.WriteEndObject();
            w.WriteNumber("trigger_count", s.Triggers.Count);
            w.WriteStartArray("triggers");
            foreach (var g in s.Triggers.Take(1000))
            {
                w.WriteStartObject();
                w.WriteNumber("t_us", g.TimeUs); w.WriteNumber("id", g.Id); w.WriteNumber("value", g.Value);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("warnings");
            foreach (string warning in s.Warnings) w.WriteStringValue(warning);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        stdout.WriteByte((byte)'\n');
    }

    static void WriteEvents(Utf8JsonWriter w, string name, IEnumerable<(long T, int X, int Y, int P)> events)
    {
        w.WriteStartArray(name);
        foreach (var e in events)
        {
            w.WriteStartArray();
            w.WriteNumberValue(e.T); w.WriteNumberValue(e.X); w.WriteNumberValue(e.Y); w.WriteNumberValue(e.P);
            w.WriteEndArray();
        }
        w.WriteEndArray();
    }
}
