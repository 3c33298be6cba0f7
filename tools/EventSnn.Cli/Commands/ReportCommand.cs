using System.CommandLine;

namespace EventSnn.Cli.Commands;

/// <summary>`eventsnn report`.</summary>
internal static class ReportCommand
{
    public static Command Create() => NotYetAvailable.Create("report", "Write the latency/accuracy report (HTML, PNG, CSV, JSON).");
}
