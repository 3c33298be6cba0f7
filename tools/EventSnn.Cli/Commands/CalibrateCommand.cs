using System.CommandLine;

namespace EventSnn.Cli.Commands;

/// <summary>`eventsnn calibrate`.</summary>
internal static class CalibrateCommand
{
    public static Command Create() => NotYetAvailable.Create("calibrate", "Calibrate cutoff thresholds of a checkpoint on its training split.");
}
