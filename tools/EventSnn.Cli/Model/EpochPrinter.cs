using System.Globalization;
using EventSnn.Model;

namespace EventSnn.Cli.Model;

/// <summary>
/// Shows training progress on stderr as one line per epoch: loss, train/validation/test accuracy, epoch time, learning
/// rate and the time left, all from the trainer's end-of-epoch report. On a terminal a live bar shows the phase under
/// way and is replaced by the epoch's line; when stderr is not a terminal (logs, CI) only the epoch lines are written.
/// Reports arrive on the training thread.
/// </summary>
internal sealed class EpochPrinter(bool interactive, string indent = "") : IProgress<TrainProgress>
{
    static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
    bool _lineOpen;

    public void Report(TrainProgress p)
    {
        if (p.Completed is not { } r)
        {
            if (!interactive) return;
            string acc = (100 * p.Accuracy).ToString("0.0", Inv);
            string live = $"{indent}epoch {p.Epoch}/{p.Epochs} {p.Phase} {Bar(p.Batch, p.Batches)} {p.Batch}/{p.Batches} acc {acc}%";
            Console.Error.Write("\r" + live.PadRight(110));
            _lineOpen = true;
            return;
        }
        string Pct(double? a) => a is double v && !double.IsNaN(v) ? (100 * v).ToString("0.0", Inv) + "%" : "-";
        string line = $"{indent}epoch {r.Epoch}/{p.Epochs}  loss {r.Loss.ToString("0.0000", Inv)}  train {Pct(r.TrainAccuracy)}  val {Pct(r.ValidationAccuracy)}  test {Pct(r.TestAccuracy)}  " +
                      $"{r.Seconds.ToString("0.0", Inv)} s  lr {r.LearningRate.ToString("0.#####", Inv)}  eta {Eta(p.Eta?.TotalSeconds ?? 0)}";
        if (_lineOpen) Console.Error.Write("\r" + new string(' ', 110) + "\r");
        Console.Error.WriteLine(line);
        _lineOpen = false;
    }

    static string Eta(double seconds) => seconds < 90 ? $"{seconds:0} s".Replace(',', '.')
        : seconds < 5400 ? $"{seconds / 60:0} min" : $"{seconds / 3600:0.0} h".Replace(',', '.');

    public void Finish()
    {
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
