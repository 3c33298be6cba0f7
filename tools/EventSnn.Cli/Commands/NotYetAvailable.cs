using System.CommandLine;

namespace EventSnn.Cli.Commands;

/// <summary>Marks a command whose implementation has not landed: it says so and fails, never pretends.</summary>
internal static class NotYetAvailable
{
    public const int ExitCode = 3;

    /// <summary>Creates a command that prints "not yet available" and exits with <see cref="ExitCode"/>.</summary>
    public static Command Create(string name, string description)
    {
        var cmd = new Command(name, description + " [not yet available]");
        cmd.TreatUnmatchedTokensAsErrors = false;
        cmd.SetAction(parse =>
        {
            Console.Error.WriteLine($"eventsnn {parse.CommandResult.Command.Name}: not yet available in this version.");
            return ExitCode;
        });
        return cmd;
    }
}
