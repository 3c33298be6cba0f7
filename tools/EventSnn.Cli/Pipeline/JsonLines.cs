using System.Text.Json;
using System.Text.Json.Serialization;

namespace EventSnn.Cli.Pipeline;

/// <summary>Writes one JSON object per line (snake_case keys), whole lines only, from any thread.</summary>
internal sealed class JsonLines(TextWriter writer)
{
    static readonly JsonSerializerOptions Options = EventSnn.Model.ProjectJson.Lines;

    readonly object _gate = new();

    /// <summary>Writes <paramref name="value"/> as one line, after a <c>"type"</c> member naming what it is.</summary>
    public void Write(string type, object value)
    {
        var node = JsonSerializer.SerializeToNode(value, value.GetType(), Options)!.AsObject();
        var line = new System.Text.Json.Nodes.JsonObject { ["type"] = type };
        foreach (var (k, v) in node.ToList())
        {
            node.Remove(k);
            line[k] = v;
        }
        string text = line.ToJsonString(Options);
        lock (_gate)
        {
            writer.WriteLine(text);
            writer.Flush();
        }
    }

    /// <summary>Writes a plain text line.</summary>
    public void WriteText(string text)
    {
        lock (_gate)
        {
            writer.WriteLine(text);
            writer.Flush();
        }
    }
}
