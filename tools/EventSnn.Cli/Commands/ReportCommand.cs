using System.CommandLine;
using EventSnn.Cli.Report;
using EventSnn.Model.Evaluation;

namespace EventSnn.Cli.Commands;

/// <summary>`eventsnn report`: the latency/accuracy report of one or two evaluated models.</summary>
internal static class ReportCommand
{
    public static Command Create()
    {
        var inputs = new Argument<string[]>("inputs")
        {
            Description = "one or two evaluations: eval --json files (.json) or eval --dump files (.h5)",
            Arity = new ArgumentArity(1, 2),
        };
        var output = new Option<string>("--out") { Description = "folder for index.html, the PNG plots, CSV and report.json", Required = true };
        var names = new Option<string[]>("--name") { Description = "display name per input, in order (default: the name stored in the JSON, else the file name)" };
        var calibrations = new Option<string[]>("--calibration") { Description = "calibration file per .h5 input, in the order of the .h5 inputs (needed for Top-K and conformal on dumps)" };
        var cmd = new Command("report", "Write the latency/accuracy report (HTML with embedded plots, PNG, CSV, JSON) of one or two models.");
        cmd.Arguments.Add(inputs);
        cmd.Options.Add(output);
        cmd.Options.Add(names);
        cmd.Options.Add(calibrations);
        cmd.SetAction(parse =>
        {
            string[] files = parse.GetValue(inputs) ?? [];
            string[] n = parse.GetValue(names) ?? [];
            string[] c = parse.GetValue(calibrations) ?? [];
            try
            {
                // Calibrations belong to the .h5 dumps, in order (a .json evaluation already carries its policies).
                var dumps = files.Select((f, i) => (f, i)).Where(x => ReportInputs.IsDump(x.f)).Select(x => x.i).ToList();
                if (c.Length > dumps.Count)
                    throw new CliInputException($"{c.Length} --calibration file(s) for {dumps.Count} .h5 input(s): a calibration belongs to an eval --dump file, in order");
                var models = new List<EvaluationResult>();
                for (int i = 0; i < files.Length; i++)
                {
                    int k = dumps.IndexOf(i);
                    string? cal = k >= 0 && k < c.Length ? c[k] : null;
                    models.Add(ReportInputs.Load(files[i], cal, i < n.Length ? n[i] : null));
                    if (k >= 0 && cal is null)
                        Console.Error.WriteLine($"note: {files[i]} has no --calibration: Top-K and conformal are left out of its report");
                }
                var written = LatencyReport.Write(models, parse.GetValue(output)!);
                Console.WriteLine($"report: {written.Html}");
                Console.WriteLine($"plots: {written.Pngs.Count} PNG; numbers: {string.Join(", ", written.Csvs.Select(Path.GetFileName))}, {Path.GetFileName(written.Json)}");
                return 0;
            }
            catch (Exception e) when (e is InvalidDataException or FileNotFoundException or ArgumentException or IOException)
            {
                return CliErrors.ReportBadInput(e);
            }
        });
        return cmd;
    }
}
