using System.Text.Json;

namespace EventSnn.Cli.Datasets;

/// <summary>JSON output settings of the data commands.</summary>
internal static class CliJson
{
    public static JsonSerializerOptions Options { get; } = new() { WriteIndented = true };
}
