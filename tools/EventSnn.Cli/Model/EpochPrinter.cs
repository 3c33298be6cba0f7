using System.Diagnostics;
using System.Globalization;
using EventSnn.Model;

namespace EventSnn.Cli.Model;

/// <summary>
/// Shows training progress on stderr as one line per epoch: loss, train/validation/test accuracy, epoch time, learning
/// rate and the time left. On a terminal a live bar shows the phase under way and is replaced by the epoch's line; when
/// stderr is not a terminal (logs, CI) only the epoch lines are written. Reports arrive on the training thread.
/// </summary>
internal sealed class EpochPrinter(bool interactive, Func<int, double> learningRate) : IProgress<TrainProgress>
{
    static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
    readonly Stopwatch _epochClock = new();
    readonly List<double> _seconds = [];
    int _epoch, _epochs;
    double _loss = double.NaN, _train = double.NaN, _val = double.NaN, _test = double.NaN;
    bool _lineOpen;

    /// <summary>Phases the current epoch will run after training ("validate", "test"), as the runner knows them.</summary>
    public HashSet<string> ExpectedPhases { get; } = [];

    public void Report(TrainProgress p)
    {
        if (p.Phase == "train" && p.Epoch != _epoch)
        {
            if (_epoch != 0) EndEpoch();  // a phase that was expected did not come: print what there is
            _epoch = p.Epoch; _epochs = p.Epochs;
            _loss = _train = _val = _test = double.NaN;
            _epochClock.Restart();
        }
        bool done = p.Batch == p.Batches;
        if (interactive)
        {
            string acc = (100 * p.Accuracy).ToString("0.0", Inv);
            string live = $"epoch {p.Epoch}/{Math.Max(_epochs, p.Epochs)} {p.Phase} {Bar(p.Batch, p.Batches)} {p.Batch}/{p.Batches} acc {acc}%";
            Console.Error.Write("\r" + live.PadRight(110));
            _lineOpen = true;
        }
        if (!done) return;
        switch (p.Phase)
        {
            case "train": _loss = p.Loss; _train = p.Accuracy; break;
            case "validate": _val = p.Accuracy; break;
            case "test": _test = p.Accuracy; break;
        }
        bool last = p.Phase switch
        {
            "train" => ExpectedPhases.Count == 0,
            "validate" => !ExpectedPhases.Contains("test"),
            _ => true,
        };
        if (last) EndEpoch();
    }

    void EndEpoch()
    {
        if (_epoch == 0) return;
        double secs = _epochClock.Elapsed.TotalSeconds;
        _seconds.Add(secs);
        int left = Math.Max(0, _epochs - _epoch);
        double eta = left * _seconds.Average();
        string Pct(double a) => double.IsNaN(a) ? "-" : (100 * a).ToString("0.0", Inv) + "%";
        string line = $"epoch {_epoch}/{_epochs}  loss {_loss.ToString("0.0000", Inv)}  train {Pct(_train)}  val {Pct(_val)}  test {Pct(_test)}  " +
                      $"{secs.ToString("0.0", Inv)} s  lr {learningRate(_epoch).ToString("0.#####", Inv)}  eta {Eta(eta)}";
        if (_lineOpen) Console.Error.Write("\r" + new string(' ', 110) + "\r");
        Console.Error.WriteLine(line);
        _lineOpen = false;
        _epoch = 0;
    }

    static string Eta(double seconds) => seconds < 90 ? $"{seconds:0} s".Replace(',', '.')
        : seconds < 5400 ? $"{seconds / 60:0} min" : $"{seconds / 3600:0.0} h".Replace(',', '.');

    public void Finish()
    {
        EndEpoch();
        if (_lineOpen) Console.Error.WriteLine();
        _lineOpen = false;
    }

    private static string Bar(int done, int total)
    {
        const int width = 20;
        int filled = total == 0 ? width : done * width / total;
        return "[" + new string('#', filled) + new string('.', width - filled) + "]";
    }
}
