using System.Globalization;
using EventSnn.Model;

namespace EventSnn.Cli.Model;

/// <summary>
/// Shows training progress on stderr: a live one-line bar with loss and accuracy on a terminal, and one line per
/// finished phase otherwise (logs, CI). Reports arrive on the training thread, so it writes synchronously.
/// </summary>
internal sealed class EpochPrinter(bool interactive) : IProgress<TrainProgress>
{
    private bool lineOpen;

    public void Report(TrainProgress p)
    {
        bool done = p.Batch == p.Batches;
        string acc = (100 * p.Accuracy).ToString("0.0", CultureInfo.InvariantCulture);
        string text = p.Phase == "train"
            ? $"epoch {p.Epoch}/{p.Epochs} train {Bar(p.Batch, p.Batches)} {p.Batch}/{p.Batches} loss {p.Loss.ToString("0.0000", CultureInfo.InvariantCulture)} acc {acc}%"
            : $"epoch {p.Epoch} {p.Phase} {Bar(p.Batch, p.Batches)} {p.Batch}/{p.Batches} acc {acc}%";
        if (interactive)
        {
            Console.Error.Write("\r" + text.PadRight(100));
            lineOpen = true;
            if (done) { Console.Error.WriteLine(); lineOpen = false; }
        }
        else if (done)
        {
            Console.Error.WriteLine(text);
        }
    }

    public void Finish()
    {
        if (lineOpen) Console.Error.WriteLine();
        lineOpen = false;
    }

    private static string Bar(int done, int total)
    {
        const int width = 20;
        int filled = total == 0 ? width : done * width / total;
        return "[" + new string('#', filled) + new string('.', width - filled) + "]";
    }
}
