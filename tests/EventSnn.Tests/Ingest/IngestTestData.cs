using System.Text.Json;
using EventSnn.Ingest;

namespace EventSnn.Tests.Ingest;

/// <summary>Helpers shared by the ingest tests: fixture JSON, event lists, deterministic random recordings.</summary>
internal static class IngestTestData
{
    public static JsonElement Json(string fixture) => JsonDocument.Parse(File.ReadAllText(Fixtures.File(fixture))).RootElement;

    /// <summary>A JSON array of [t, x, y, p] rows as tuples.</summary>
    public static List<(long T, int X, int Y, int P)> Rows(JsonElement array)
        => array.EnumerateArray().Select(r => (r[0].GetInt64(), r[1].GetInt32(), r[2].GetInt32(), r[3].GetInt32())).ToList();

    public static List<(long T, int X, int Y, int P)> Rows(EventBatch b)
        => Enumerable.Range(0, b.Count).Select(i => { var e = b[i]; return (e.T, (int)e.X, (int)e.Y, (int)e.P); }).ToList();

    /// <summary>Sorted random events inside width × height with timestamps from <paramref name="t0"/> in steps of 0..maxStep µs.</summary>
    public static EventBatch Random(int count, int width, int height, int seed, long t0 = 0, int maxStep = 50)
    {
        var rng = new Random(seed);
        var b = new EventBatch(count, width, height);
        long t = t0;
        for (int i = 0; i < count; i++)
        {
            t += rng.Next(maxStep + 1);
            b.Add(t, (ushort)rng.Next(width), (ushort)rng.Next(height), (byte)rng.Next(2));
        }
        return b;
    }

    public static void AssertSameEvents(EventBatch expected, EventBatch actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        Assert.True(expected.T.SequenceEqual(actual.T), "timestamps differ");
        Assert.True(expected.X.SequenceEqual(actual.X), "x differs");
        Assert.True(expected.Y.SequenceEqual(actual.Y), "y differs");
        Assert.True(expected.P.SequenceEqual(actual.P), "p differs");
    }

    public static EventRecording ReadBytes(byte[] bytes, string name, EventReadOptions? options = null)
    {
        var input = EventInput.FromStream(new MemoryStream(bytes, writable: false), name);
        using var reader = EventFile.Open(input, options);
        return EventFile.ReadAll(reader);
    }
}
