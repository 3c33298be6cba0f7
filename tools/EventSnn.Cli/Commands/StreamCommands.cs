using System.CommandLine;
using EventSnn.Cli.Pipeline;

namespace EventSnn.Cli.Commands;

/// <summary>`eventsnn stream replay|classify|publish|decisions`: serve recordings over UDP/TCP; classify live event streams; meet classifier workers on NATS JetStream.</summary>
internal static class StreamCommands
{
    public static Command Create()
    {
        var stream = new Command("stream", "Serve recordings over UDP/TCP and classify live event streams.");
        stream.Subcommands.Add(StreamReplay.Create());
        stream.Subcommands.Add(StreamClassify.Create());
        stream.Subcommands.Add(StreamPublish.Create());
        stream.Subcommands.Add(StreamDecisions.Create());
        return stream;
    }
}
