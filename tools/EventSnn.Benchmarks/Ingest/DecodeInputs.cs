using EventSnn.Ingest;

namespace EventSnn.Benchmarks.Ingest;

/// <summary>Deterministic DVS-like recordings encoded in memory once per benchmark process.</summary>
internal static class DecodeInputs
{
    /// <summary>Events per input (at least 10 million, so the run is not dominated by setup).</summary>
    public const int Events = 10_000_000;

    /// <summary>
    /// A sorted recording: clustered pixels (a moving blob plus noise) and short time steps, so that compressed formats
    /// see data about as compressible as a real sensor's, not white noise.
    /// </summary>
    public static EventBatch Recording(int width, int height, long t0, int seed = 1)
    {
        var rng = new Random(seed);
        var b = new EventBatch(Events, width, height);
        long t = t0;
        for (int i = 0; i < Events; i++)
        {
            t += rng.Next(4);
            double phase = i / 200_000.0;
            int cx = (int)(width / 2 + width / 3 * Math.Sin(phase)), cy = (int)(height / 2 + height / 3 * Math.Cos(phase));
            int x = rng.Next(8) == 0 ? rng.Next(width) : Math.Clamp(cx + rng.Next(-6, 7), 0, width - 1);
            int y = rng.Next(8) == 0 ? rng.Next(height) : Math.Clamp(cy + rng.Next(-6, 7), 0, height - 1);
            b.Add(t, (ushort)x, (ushort)y, (byte)(rng.Next(3) == 0 ? 1 : 0));
        }
        return b;
    }

    public static byte[] Encode(Action<Stream, EventBatch> write, EventBatch events)
    {
        var ms = new MemoryStream();
        write(ms, events);
        return ms.ToArray();
    }
}
