using System.CommandLine;

namespace EventSnn.Cli.Commands;

/// <summary>`eventsnn data`.</summary>
internal static class DataCommands
{
    public static Command Create() => NotYetAvailable.Create("data", "Datasets: synthesize the gesture dataset, count samples of a dataset.");
}
