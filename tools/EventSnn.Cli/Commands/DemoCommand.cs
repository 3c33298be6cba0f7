using System.CommandLine;

namespace EventSnn.Cli.Commands;

/// <summary>`eventsnn demo`.</summary>
internal static class DemoCommand
{
    public static Command Create() => NotYetAvailable.Create("demo", "The main job on the embedded default: synthesize, train, calibrate, evaluate, report.");
}
