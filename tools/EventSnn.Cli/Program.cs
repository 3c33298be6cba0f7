using System.CommandLine;
using EventSnn.Cli.Commands;

namespace EventSnn.Cli;

/// <summary>Entry point of the <c>eventsnn</c> command (DESIGN.md §6).</summary>
public static class Program
{
    public static int Main(string[] args)
    {
        // Before anything loads libtorch: idle OpenMP threads must not spin on a busy machine (TorchThreads).
        EventSnn.Model.TorchThreads.UsePassiveWaitUnlessSet();
        return BuildRoot().Parse(args).Invoke();
    }

    /// <summary>The whole command tree; tests parse against it directly.</summary>
    public static RootCommand BuildRoot()
    {
        var root = new RootCommand(
            "EventSnn: event-camera data through spiking neural networks that decide as soon as their cutoff fires.");
        root.Subcommands.Add(EventsCommands.Create());
        root.Subcommands.Add(DataCommands.Create());
        root.Subcommands.Add(TrainCommand.Create());
        root.Subcommands.Add(Ann2SnnCommand.Create());
        root.Subcommands.Add(CalibrateCommand.Create());
        root.Subcommands.Add(EvalCommand.Create());
        root.Subcommands.Add(ReportCommand.Create());
        root.Subcommands.Add(StreamCommands.Create());
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(StudyCommand.Create());
        root.Subcommands.Add(ModelCommands.Create());
        return root;
    }
}
