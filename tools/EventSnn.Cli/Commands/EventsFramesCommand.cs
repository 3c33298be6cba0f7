using System.CommandLine;

namespace EventSnn.Cli.Commands;

/// <summary>`eventsnn events frames`: events binned into frames by a named rule (provided with the binning code).</summary>
internal static class EventsFramesCommand
{
    public static Command Create() => NotYetAvailable.Create("frames", "Bin events into frames [T, 2, H, W] by a named rule and write them to HDF5.");
}
