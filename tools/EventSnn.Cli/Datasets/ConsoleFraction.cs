namespace EventSnn.Cli.Datasets;

/// <summary>Prints a fraction-done progress line to stderr (whole percents only, so logs stay short).</summary>
internal sealed class ConsoleFraction(string label) : IProgress<double>
{
    readonly Lock _gate = new();
    int _last = -1;

    public void Report(double value)
    {
        int pct = (int)Math.Floor(Math.Clamp(value, 0, 1) * 100);
        lock (_gate)
        {
            if (pct <= _last) return;
            _last = pct;
            Console.Error.Write($"\r{label}: {pct,3}%");
        }
    }

    public void Done()
    {
        lock (_gate) if (_last >= 0) Console.Error.WriteLine();
    }
}
