using EventSnn.Ingest;

namespace EventSnn.Datasets.Synthetic;

/// <summary>
/// A DVS pixel array emulator. Each pixel remembers the log intensity at its last event (its reference); when the
/// current log intensity differs from the reference by at least the pixel's ON (or OFF) contrast threshold, it
/// fires an ON (or OFF) event and moves the reference by one threshold, repeatedly. Thresholds carry a per-pixel
/// mismatch; a crossing within the refractory period of the pixel's previous event is lost (the reference still
/// moves); event times are interpolated linearly between two rendered frames and jittered; background activity and
/// hot pixels add noise events. Timestamps are µs.
/// </summary>
public sealed class DvsEmulator
{
    readonly DvsEmulatorOptions _o;
    readonly SplitMixRandom _rng;
    readonly float[] _ref, _prev, _thOn, _thOff;
    readonly long[] _last, _prevT;
    readonly int[] _hot;

    /// <summary>Creates the pixel array, drawing thresholds and hot pixels from <paramref name="rng"/>.</summary>
    public DvsEmulator(DvsEmulatorOptions options, SplitMixRandom rng)
    {
        _o = options;
        _rng = rng;
        int n = options.Width * options.Height;
        _ref = new float[n]; _prev = new float[n]; _thOn = new float[n]; _thOff = new float[n];
        _last = new long[n];
        _prevT = new long[n];
        Array.Fill(_last, long.MinValue / 2);
        for (int i = 0; i < n; i++)
        {
            _thOn[i] = (float)Math.Max(0.05, options.ThresholdOn + options.ThresholdSigma * rng.Gaussian());
            _thOff[i] = (float)Math.Max(0.05, options.ThresholdOff + options.ThresholdSigma * rng.Gaussian());
        }
        _hot = new int[options.HotPixels];
        for (int i = 0; i < _hot.Length; i++) _hot[i] = rng.Next(n);
    }

    /// <summary>Sensor width in pixels.</summary>
    public int Width => _o.Width;

    /// <summary>Sensor height in pixels.</summary>
    public int Height => _o.Height;

    /// <summary>Sets every pixel's reference and current log intensity to <paramref name="logImage"/> (row-major H×W) at time <paramref name="t"/> µs, firing nothing.</summary>
    public void Reset(ReadOnlySpan<float> logImage, long t)
    {
        logImage.CopyTo(_ref);
        logImage.CopyTo(_prev);
        Array.Fill(_prevT, t);
    }

    /// <summary>
    /// Pixel <paramref name="index"/> (y·W + x) goes linearly from the log intensity of its previous update to
    /// <paramref name="logIntensity"/> at <paramref name="t1"/> µs; the events this fires are appended to <paramref name="output"/>.
    /// </summary>
    public void UpdatePixel(int index, float logIntensity, long t1, EventBatch output)
    {
        float prev = _prev[index];
        long t0 = _prevT[index];
        _prev[index] = logIntensity;
        _prevT[index] = t1;
        float r = _ref[index];
        float d = logIntensity - r;
        float on = _thOn[index], off = _thOff[index];
        if (d < on && d > -off) return;
        float span = logIntensity - prev;
        ushort x = (ushort)(index % _o.Width), y = (ushort)(index / _o.Width);
        int guard = 0;
        while (d >= on && guard++ < 64)
        {
            r += on; d -= on;
            Emit(index, x, y, 1, Crossing(r, prev, span, t0, t1), output);
        }
        while (d <= -off && guard++ < 64)
        {
            r -= off; d += off;
            Emit(index, x, y, 0, Crossing(r, prev, span, t0, t1), output);
        }
        _ref[index] = r;
    }

    /// <summary>Adds background-activity and hot-pixel noise events in <c>[t0, t1)</c>.</summary>
    public void AddNoise(long t0, long t1, double backgroundRateHz, EventBatch output)
    {
        double dt = (t1 - t0) * 1e-6;
        int n = _o.Width * _o.Height;
        int count = _rng.Poisson(backgroundRateHz * n * dt);
        for (int k = 0; k < count; k++)
        {
            int i = _rng.Next(n);
            long t = t0 + (long)(_rng.NextDouble() * (t1 - t0));
            output.Add(t, (ushort)(i % _o.Width), (ushort)(i / _o.Width), (byte)(_rng.Chance(0.5) ? 1 : 0));
        }
        foreach (int i in _hot)
        {
            int c = _rng.Poisson(_o.HotPixelRateHz * dt);
            for (int k = 0; k < c; k++)
                output.Add(t0 + (long)(_rng.NextDouble() * (t1 - t0)), (ushort)(i % _o.Width), (ushort)(i / _o.Width), (byte)(k & 1));
        }
    }

    long Crossing(float level, float prev, float span, long t0, long t1)
    {
        double frac = span == 0 ? 1 : Math.Clamp((level - prev) / span, 0, 1);
        long t = t0 + (long)(frac * (t1 - t0));
        if (_o.JitterUs > 0) t += (long)(_o.JitterUs * _rng.Gaussian());
        return Math.Max(0, t);
    }

    void Emit(int index, ushort x, ushort y, byte p, long t, EventBatch output)
    {
        if (t - _last[index] < _o.RefractoryUs) return;
        _last[index] = t;
        output.Add(t, x, y, p);
    }
}
