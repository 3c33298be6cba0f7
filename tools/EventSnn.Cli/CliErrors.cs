using System.Net.Sockets;
using System.Reflection;
using EventSnn.Datasets;
using EventSnn.Ingest;

namespace EventSnn.Cli;

/// <summary>
/// The one error path of the <c>eventsnn</c> command (docs/errors.md): bad input and usage errors end with one
/// <c>error:</c> line on stderr and exit code <see cref="BadInput"/>; anything unexpected ends with one line that
/// names the exception and suggests <c>--verbose</c> (which prints the trace), and exit code <see cref="Failure"/>.
/// </summary>
public static class CliErrors
{
    /// <summary>Exit code of a usage error or of input (files, options, environment) the command cannot use.</summary>
    public const int BadInput = 2;

    /// <summary>Exit code of an unexpected failure (a defect): rerun with <c>--verbose</c> for the trace.</summary>
    public const int Failure = 1;

    /// <summary>Exit code after SIGINT/SIGTERM cancelled the command (128 + SIGINT).</summary>
    public const int Cancelled = 130;

    /// <summary>Set by <see cref="Program.Main"/> when <c>--verbose</c> (or EVENTSNN_VERBOSE=1) is given: failures print their trace.</summary>
    public static bool Verbose { get; set; }

    /// <summary>True for failures caused by what the user gave (files, options, disk, network), not by a defect.</summary>
    public static bool IsBadInput(Exception e) => e is EventFormatException or InvalidDataException or FormatException
        or ArgumentException or FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException
        or DatasetNotFoundException or PathTooLongException or SocketException or CliInputException or IOException;

    /// <summary>Prints the one <c>error:</c> line of a bad-input failure (and the trace with --verbose); returns <see cref="BadInput"/>.</summary>
    public static int ReportBadInput(Exception e) => ReportBadInput(e, Console.Error);

    /// <summary>As <see cref="ReportBadInput(Exception)"/>, writing to <paramref name="err"/>.</summary>
    public static int ReportBadInput(Exception e, TextWriter err)
    {
        err.WriteLine("error: " + OneLine(e.Message));
        if (Verbose) err.WriteLine(e.ToString());
        return BadInput;
    }

    /// <summary>Reports any exception that reached the top: bad input as rc 2, everything else as rc 1 with the --verbose hint.</summary>
    public static int Report(Exception e) => Report(e, Console.Error, Verbose);

    /// <summary>As <see cref="Report(Exception)"/>, writing to <paramref name="err"/>; <paramref name="verbose"/> adds the trace.</summary>
    public static int Report(Exception e, TextWriter err, bool verbose)
    {
        e = Unwrap(e);
        if (e is OperationCanceledException)
        {
            err.WriteLine("error: cancelled");
            return Cancelled;
        }
        if (IsBadInput(e)) { err.WriteLine("error: " + OneLine(e.Message)); if (verbose) err.WriteLine(e.ToString()); return BadInput; }
        err.WriteLine($"error: unexpected failure ({e.GetType().Name}: {OneLine(e.Message)}); " +
            (verbose ? "trace follows" : "rerun with --verbose for the trace"));
        if (verbose) err.WriteLine(e.ToString());
        return Failure;
    }

    /// <summary>Prints one <c>error:</c> line for a usage error found by the parser; returns <see cref="BadInput"/>.</summary>
    public static int ReportUsage(string message, string? command)
    {
        string hint = command is null ? "eventsnn help" : $"eventsnn help {command}";
        Console.Error.WriteLine($"error: {OneLine(message)} (see `{hint}`)");
        return BadInput;
    }

    static Exception Unwrap(Exception e)
    {
        while (true)
        {
            if (e is AggregateException { InnerExceptions.Count: 1 } a) e = a.InnerExceptions[0];
            else if (e is TargetInvocationException { InnerException: { } inner }) e = inner;
            else return e;
        }
    }

    /// <summary>The message on one line (line breaks become "; "), at most 2000 characters.</summary>
    public static string OneLine(string message)
    {
        string s = string.Join("; ", message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        return s.Length <= 2000 ? s : s[..2000] + "…";
    }
}

/// <summary>An option or argument value the command cannot use, found before any long work starts (exit code 2).</summary>
public sealed class CliInputException(string message) : Exception(message);

/// <summary>Command validators that read option values safely.</summary>
public static class CliValidation
{
    /// <summary>
    /// Adds <paramref name="validate"/> to <paramref name="cmd"/>; when an option value it reads did not parse, the parser has
    /// already recorded that error, so the exception GetValue throws for it is dropped instead of escaping the parser.
    /// </summary>
    public static void Add(System.CommandLine.Command cmd, Action<System.CommandLine.Parsing.CommandResult> validate) =>
        cmd.Validators.Add(r =>
        {
            try { validate(r); }
            catch (InvalidOperationException) when (r.Children.Any(c => c.Errors.Any())) { }
        });
}
