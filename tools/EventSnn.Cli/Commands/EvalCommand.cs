using System.CommandLine;

namespace EventSnn.Cli.Commands;

/// <summary>`eventsnn eval`.</summary>
internal static class EvalCommand
{
    public static Command Create() => NotYetAvailable.Create("eval", "Evaluate a checkpoint: accuracy per timestep, OCT, every cutoff policy.");
}
