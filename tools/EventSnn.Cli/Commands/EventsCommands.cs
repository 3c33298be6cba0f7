using System.CommandLine;

namespace EventSnn.Cli.Commands;

/// <summary>`eventsnn events`.</summary>
internal static class EventsCommands
{
    public static Command Create() => NotYetAvailable.Create("events", "Event files: inspect, convert between formats, bin into frames.");
}
