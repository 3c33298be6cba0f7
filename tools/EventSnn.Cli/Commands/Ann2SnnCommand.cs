using System.CommandLine;

namespace EventSnn.Cli.Commands;

/// <summary>`eventsnn ann2snn`.</summary>
internal static class Ann2SnnCommand
{
    public static Command Create() => NotYetAvailable.Create("ann2snn", "Train a QCFS ANN (optionally with RCS) and convert it to an IF-neuron SNN.");
}
