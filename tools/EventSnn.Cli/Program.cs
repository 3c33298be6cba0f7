using System.CommandLine;
using System.Runtime.InteropServices;
using System.CommandLine.Help;
using EventSnn.Cli.Commands;

namespace EventSnn.Cli;

/// <summary>Entry point of the <c>eventsnn</c> command (DESIGN.md §6; error contract in docs/errors.md).</summary>
public static class Program
{
    /// <summary>Global option: print the trace of a failure (also EVENTSNN_VERBOSE=1).</summary>
    internal static readonly Option<bool> VerboseOption = new("--verbose")
    {
        Description = "On failure, print the exception trace after the error line",
        Recursive = true,
    };

    static PosixSignalRegistration[] Signals = [];

    public static int Main(string[] args)
    {
        // Before anything loads libtorch: idle OpenMP threads must not spin on a busy machine (TorchThreads).
        EventSnn.Model.TorchThreads.UsePassiveWaitUnlessSet();
        CliErrors.Verbose = Environment.GetEnvironmentVariable("EVENTSNN_VERBOSE") is "1" or "true"
            || args.Contains("--verbose");
        // SIGINT/SIGTERM: remove the temporary outputs being written before the process goes (the signal then ends it as usual).
        Signals = [PosixSignalRegistration.Create(PosixSignal.SIGINT, _ => EventSnn.Ingest.TempFiles.DeleteAll()),
                   PosixSignalRegistration.Create(PosixSignal.SIGTERM, _ => EventSnn.Ingest.TempFiles.DeleteAll())];
        try
        {
            RootCommand root = BuildRoot();
            ParseResult parse = root.Parse(RewriteLegacyNames(args));
            if (parse.Action is not HelpAction && parse.Errors.Count > 0)
            {
                string? command = parse.CommandResult.Command is RootCommand ? null : CommandPath(parse.CommandResult.Command);
                return CliErrors.ReportUsage(string.Join(" ", parse.Errors.Select(e => e.Message).Distinct()), command);
            }
            return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (Exception e)
        {
            return CliErrors.Report(e);
        }
    }

    /// <summary>Old option names still accepted (not shown in help): command → (old name → current name).</summary>
    static readonly Dictionary<string, Dictionary<string, string>> LegacyNames = new()
    {
        ["train"] = new() { ["--root"] = "--data" },
        ["ann2snn"] = new() { ["--root"] = "--data" },
        ["calibrate"] = new() { ["--batch-size"] = "--batch", ["-m"] = "--model", ["-o"] = "--out" },
        ["eval"] = new() { ["--batch-size"] = "--batch", ["-m"] = "--model" },
        ["report"] = new() { ["-o"] = "--out" },
        ["demo"] = new() { ["-o"] = "--out" },
    };

    /// <summary>Replaces old option names (e.g. train --root) by the current ones, so scripts written for them keep working.</summary>
    public static string[] RewriteLegacyNames(string[] args)
    {
        if (args.Length == 0 || !LegacyNames.TryGetValue(args[0], out var map)) return args;
        var result = (string[])args.Clone();
        for (int i = 1; i < result.Length; i++)
        {
            if (result[i] == "--") break;
            string name = result[i], value = "";
            int eq = name.IndexOf('=');
            if (eq > 0) { value = name[eq..]; name = name[..eq]; }
            if (map.TryGetValue(name, out string? now)) result[i] = now + value;
        }
        return result;
    }

    /// <summary>"events convert" for the convert command: the words after <c>eventsnn</c>.</summary>
    static string CommandPath(Command c)
    {
        var words = new List<string>();
        for (Command? x = c; x is not null and not RootCommand; x = x.Parents.OfType<Command>().FirstOrDefault())
            words.Insert(0, x.Name);
        return string.Join(' ', words);
    }

    /// <summary>The whole command tree; tests parse against it directly.</summary>
    public static RootCommand BuildRoot()
    {
        var root = new RootCommand(
            "EventSnn: event-camera data through spiking neural networks that decide as soon as their cutoff fires.");
        root.Options.Add(VerboseOption);
        root.Subcommands.Add(EventsCommands.Create());
        root.Subcommands.Add(DataCommands.Create());
        root.Subcommands.Add(TrainCommand.Create());
        root.Subcommands.Add(Ann2SnnCommand.Create());
        root.Subcommands.Add(CalibrateCommand.Create());
        root.Subcommands.Add(EvalCommand.Create());
        root.Subcommands.Add(ReportCommand.Create());
        root.Subcommands.Add(StreamCommands.Create());
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(StudyCommand.Create());
        root.Subcommands.Add(ModelCommands.Create());
        root.Subcommands.Add(HelpCommand(root));
        return root;
    }

    /// <summary>`eventsnn help [COMMAND...]`: the help of the root or of the named (sub)command.</summary>
    static Command HelpCommand(RootCommand root)
    {
        var words = new Argument<string[]>("COMMAND") { Description = "Command to describe, e.g. `train` or `events convert`", Arity = ArgumentArity.ZeroOrMore };
        var cmd = new Command("help", "Show the help of eventsnn or of one command.") { words };
        cmd.SetAction(parse =>
        {
            string[] w = parse.GetValue(words) ?? [];
            Command target = root;
            foreach (string name in w)
                target = target.Subcommands.FirstOrDefault(s => s.Name == name || s.Aliases.Contains(name))
                    ?? throw new CliInputException($"no command '{string.Join(' ', w)}'; commands: {string.Join(", ", target.Subcommands.Select(s => s.Name))}");
            return root.Parse([.. w, "--help"]).Invoke();
        });
        return cmd;
    }
}
