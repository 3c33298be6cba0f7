using EventSnn.Ingest;
using EventSnn.Pipeline.Network;

namespace EventSnn.Tests.Pipeline;

/// <summary>
/// A deterministic stand-in for a spiking network: four classes, one per image quadrant; the per-step output
/// of class k is the fraction of the bin's events in quadrant k, plus a carried state (so a missing Reset
/// shows). Optionally sleeps per step to play a slow network.
/// </summary>
internal sealed class QuadrantClassifierFactory(int height, int width, int timesteps = 8, TimeSpan? stepDelay = null) : IStreamClassifierFactory
{
    public ClassifierInfo Info { get; } = new(["top-left", "top-right", "bottom-left", "bottom-right"], timesteps, height, width);
    public readonly int Height = height, Width = width;
    public readonly TimeSpan? StepDelay = stepDelay;
    public int Created;
    public int StepsTaken;
    public int ThreadId = -1;
    public bool StepsOnOneThread = true;

    public IStreamClassifier Create()
    {
        Interlocked.Increment(ref Created);
        return new Classifier(this);
    }

    sealed class Classifier(QuadrantClassifierFactory f) : IStreamClassifier
    {
        float _carry;

        public void Step(ReadOnlySpan<float> frame, Span<float> output)
        {
            int tid = Environment.CurrentManagedThreadId;
            if (f.ThreadId == -1) f.ThreadId = tid;
            else if (f.ThreadId != tid) f.StepsOnOneThread = false;
            Interlocked.Increment(ref f.StepsTaken);
            if (f.StepDelay is { } d) Thread.Sleep(d);
            int h = f.Height, w = f.Width, plane = h * w;
            Span<float> q = stackalloc float[4];
            float total = 0;
            for (int c = 0; c < 2; c++)
                for (int y = 0; y < h; y++)
                    for (int x = 0; x < w; x++)
                    {
                        float v = frame[c * plane + y * w + x];
                        q[(y >= h / 2 ? 2 : 0) + (x >= w / 2 ? 1 : 0)] += v;
                        total += v;
                    }
            for (int k = 0; k < 4; k++) output[k] = total > 0 ? q[k] / total : 0;
            // State: a little memory of previous steps, as a membrane would have.
            output[0] += _carry * 1e-3f;
            _carry += 1;
        }

        public void Reset() => _carry = 0;

        public void Dispose() { }
    }

    /// <summary>Exits when the top class leads the runner-up by more than <paramref name="gap"/> × t.</summary>
    public static ExitRule GapRule(float gap) => (acc, t) =>
    {
        float a = float.MinValue, b = float.MinValue;
        foreach (float v in acc)
        {
            if (v > a) { b = a; a = v; }
            else if (v > b) b = v;
        }
        return a - b > gap * t;
    };
}

/// <summary>Synthetic event recordings for pipeline tests.</summary>
internal static class SyntheticStreams
{
    /// <summary>
    /// <paramref name="segments"/> back-to-back stretches of <paramref name="segmentUs"/> µs, each with its events
    /// in one quadrant (class = segment index mod 4, or <paramref name="classes"/>[i]), at <paramref name="eventsPerSegment"/> events per segment.
    /// </summary>
    public static EventBatch Quadrants(int width, int height, int segments, long segmentUs, int eventsPerSegment, long t0 = 1_600_000_000_000_000, int seed = 1, int[]? classes = null)
    {
        var rng = new Random(seed);
        var batch = new EventBatch(segments * eventsPerSegment, width, height);
        for (int s = 0; s < segments; s++)
        {
            int k = classes?[s % classes.Length] ?? s % 4;
            int x0 = (k & 1) * width / 2, y0 = (k >> 1) * height / 2;
            for (int e = 0; e < eventsPerSegment; e++)
            {
                long t = t0 + s * segmentUs + (long)e * segmentUs / eventsPerSegment;
                batch.Add(t, (ushort)(x0 + rng.Next(width / 2)), (ushort)(y0 + rng.Next(height / 2)), (byte)rng.Next(2));
            }
        }
        return batch;
    }
}
