using System.Diagnostics;

namespace EventSnn.Pipeline.Servers;

/// <summary>
/// Paces a replay at the recorded speed times a factor: an event with timestamp t is not released before
/// wall time (t − t0) / speed after the first event. A speed of 0 (or infinity) means as fast as possible.
/// </summary>
public sealed class ReplayPacer
{
    readonly double _speed;
    long _t0 = long.MinValue;
    long _startTicks;

    /// <summary>Creates a pacer; <paramref name="speed"/> 1 = recorded speed, 2 = twice as fast, 0 = unpaced.</summary>
    public ReplayPacer(double speed)
    {
        if (speed < 0 || double.IsNaN(speed)) throw new ArgumentOutOfRangeException(nameof(speed), "speed must be >= 0");
        _speed = double.IsInfinity(speed) ? 0 : speed;
    }

    /// <summary>Whether events are released as fast as possible.</summary>
    public bool Unpaced => _speed == 0;

    /// <summary>Waits until the event with timestamp <paramref name="tUs"/> is due.</summary>
    public ValueTask WaitUntilAsync(long tUs, CancellationToken cancellationToken)
    {
        if (_speed == 0) return ValueTask.CompletedTask;
        if (_t0 == long.MinValue)
        {
            _t0 = tUs;
            _startTicks = Stopwatch.GetTimestamp();
            return ValueTask.CompletedTask;
        }
        double dueSeconds = (tUs - _t0) / 1e6 / _speed;
        double elapsed = Stopwatch.GetElapsedTime(_startTicks).TotalSeconds;
        double wait = dueSeconds - elapsed;
        // Sleeping under a millisecond is not reliable; small lags are caught up by the next wait.
        return wait >= 0.001 ? new ValueTask(Task.Delay(TimeSpan.FromSeconds(wait), cancellationToken)) : ValueTask.CompletedTask;
    }

    /// <summary>
    /// The number of events from <paramref name="start"/> that are due together: those within about a
    /// millisecond of wall time of the first (all remaining, up to <paramref name="max"/>, when unpaced).
    /// </summary>
    public int ChunkLength(ReadOnlySpan<long> t, int start, int max)
    {
        int end = max >= t.Length - start ? t.Length : start + max;
        if (_speed == 0) return end - start;
        long limit = t[start] + (long)Math.Max(1, 1000 * _speed);
        int i = start + 1;
        while (i < end && t[i] < limit) i++;
        return i - start;
    }
}
