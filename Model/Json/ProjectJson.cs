using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace EventSnn.Model;

/// <summary>
/// The JSON form of every file and report the project writes (checkpoint <c>info.json</c>/<c>metadata.json</c>, the
/// training log, cutoff calibrations, <c>eval --json</c>, conversion reports, demo and study summaries): snake_case
/// keys, enums as their lower-case names (see <see cref="EnumNames"/>), named floating-point literals
/// (<c>"NaN"</c>, <c>"Infinity"</c>), nulls left out. <see cref="Deserialize{T}(string)"/> also reads files written with
/// camelCase keys (checkpoints, training logs and conversion reports of earlier versions).
/// </summary>
public static class ProjectJson
{
    /// <summary>Indented options for files and one-object outputs.</summary>
    public static JsonSerializerOptions Options { get; } = Create(indented: true);

    /// <summary>The same as <see cref="Options"/> on one line (JSON Lines: the training log, stream records).</summary>
    public static JsonSerializerOptions Lines { get; } = Create(indented: false);

    private static JsonSerializerOptions Create(bool indented)
    {
        var o = new JsonSerializerOptions
        {
            WriteIndented = indented,
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false) },
            TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
        };
        o.MakeReadOnly();
        return o;
    }

    /// <summary>Serialises <paramref name="value"/> with <see cref="Options"/>.</summary>
    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);

    /// <summary>Reads JSON written with <see cref="Options"/> or with camelCase keys.</summary>
    /// <exception cref="JsonException">not JSON, or not of type <typeparamref name="T"/>.</exception>
    public static T? Deserialize<T>(string json) => Deserialize<T>(Encoding.UTF8.GetBytes(json));

    /// <summary>Reads a whole stream of UTF-8 JSON written with <see cref="Options"/> or with camelCase keys.</summary>
    public static T? Deserialize<T>(Stream utf8)
    {
        using var buffer = new MemoryStream();
        utf8.CopyTo(buffer);
        return Deserialize<T>(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
    }

    /// <summary>Reads UTF-8 JSON written with <see cref="Options"/> or with camelCase keys.</summary>
    public static T? Deserialize<T>(ReadOnlySpan<byte> utf8)
    {
        JsonNode? node;
        try { node = JsonNode.Parse(utf8); }
        catch (ArgumentException e) { throw new JsonException(e.Message, e); }   // a key given twice
        // Snake_case text is read as it stands, so errors keep their line and byte positions.
        if (!ToSnakeCase(node, Options.GetTypeInfo(typeof(T)))) return JsonSerializer.Deserialize<T>(utf8, Options);
        return node.Deserialize<T>(Options);
    }

    /// <summary>
    /// Renames the members of objects that are not spelled as <paramref name="type"/>'s properties but whose snake_case
    /// form is (<c>bestAccuracy</c> → <c>best_accuracy</c>), through nested objects and lists; dictionary keys stay as
    /// they are. True when anything was renamed.
    /// </summary>
    private static bool ToSnakeCase(JsonNode? node, JsonTypeInfo type)
    {
        bool renamed = false;
        switch (type.Kind, node)
        {
            case (JsonTypeInfoKind.Object, JsonObject obj):
                var properties = type.Properties.ToDictionary(p => p.Name, StringComparer.Ordinal);
                foreach (string key in obj.Select(p => p.Key).ToArray())
                {
                    string name = key;
                    if (!properties.ContainsKey(name))
                    {
                        name = JsonNamingPolicy.SnakeCaseLower.ConvertName(key);
                        if (!properties.ContainsKey(name) || obj.ContainsKey(name)) continue;
                        var value = obj[key];
                        obj.Remove(key);
                        obj[name] = value;
                        renamed = true;
                    }
                    renamed |= ToSnakeCase(obj[name], type.Options.GetTypeInfo(properties[name].PropertyType));
                }
                break;
            case (JsonTypeInfoKind.Enumerable, JsonArray list) when type.ElementType is { } element:
                foreach (var item in list) renamed |= ToSnakeCase(item, type.Options.GetTypeInfo(element));
                break;
            case (JsonTypeInfoKind.Dictionary, JsonObject map) when type.ElementType is { } element:
                foreach (var (_, item) in map) renamed |= ToSnakeCase(item, type.Options.GetTypeInfo(element));
                break;
        }
        return renamed;
    }
}

/// <summary>
/// The spelling of the project's option enums, shared by the command line and the JSON files: the member's
/// <see cref="JsonStringEnumMemberNameAttribute"/> when it has one, else its snake_case name (<c>Validation</c> → <c>validation</c>).
/// </summary>
public static class EnumNames
{
    private static class Spellings<T> where T : struct, Enum
    {
        public static readonly (T Value, string Name)[] All = typeof(T).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Select(f => ((T)f.GetValue(null)!, f.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name ?? JsonNamingPolicy.SnakeCaseLower.ConvertName(f.Name)))
            .ToArray();
    }

    /// <summary>The spelling of <paramref name="value"/> (as given on the command line and written to JSON).</summary>
    public static string Name<T>(this T value) where T : struct, Enum
    {
        foreach (var (v, name) in Spellings<T>.All)
            if (EqualityComparer<T>.Default.Equals(v, value)) return name;
        return value.ToString();
    }

    /// <summary>The member spelled <paramref name="name"/> (exactly), or null.</summary>
    public static T? Parse<T>(string? name) where T : struct, Enum
    {
        foreach (var (v, n) in Spellings<T>.All)
            if (n == name) return v;
        return null;
    }
}
