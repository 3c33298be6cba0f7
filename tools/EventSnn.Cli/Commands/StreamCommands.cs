using System.CommandLine;

namespace EventSnn.Cli.Commands;

/// <summary>`eventsnn stream`.</summary>
internal static class StreamCommands
{
    public static Command Create() => NotYetAvailable.Create("stream", "Serve recordings over UDP/TCP and classify live event streams.");
}
