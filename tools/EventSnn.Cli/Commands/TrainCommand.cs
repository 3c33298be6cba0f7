using System.CommandLine;

namespace EventSnn.Cli.Commands;

/// <summary>`eventsnn train`.</summary>
internal static class TrainCommand
{
    public static Command Create() => NotYetAvailable.Create("train", "Train a spiking network directly (BPTT, TET loss, RCS regulariser).");
}
