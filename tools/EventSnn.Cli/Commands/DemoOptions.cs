using System.CommandLine;
using EventSnn.Cli.Cutoff;

namespace EventSnn.Cli.Commands;

/// <summary>The options `demo` and `study` share: which settings to start from and what to override in them.</summary>
internal sealed class DemoOptions
{
    private readonly Option<bool> quick = new("--quick") { Description = "the demo's small, fast setting (tests): fewer recordings, fewer epochs" };
    private readonly Option<string?> arch = new("--arch") { Description = "override the architecture" };
    private readonly Option<int?> epochs = new("--epochs") { Description = "override the training epochs" };
    private readonly Option<int?> t = new("--T") { Description = "override the timesteps (default 16, the method's for DVS128 Gesture)" };
    private readonly Option<int?> trials = new("--trials") { Description = "override the number of synthetic recordings" };
    private readonly Option<int?> jobs = new("--jobs") { Description = "models trained at once, each on its own core(s) (default: 2 on a machine with two or more cores; 1 = one after the other on all cores; the figures depend on it)" };

    /// <summary>Adds the shared options to <paramref name="cmd"/>.</summary>
    public void AddTo(Command cmd)
    {
        foreach (var o in new Option[] { quick, arch, epochs, t, trials, jobs }) cmd.Options.Add(o);
    }

    /// <summary>The settings the parsed options ask for; a value out of range is a <see cref="CliInputException"/>.</summary>
    public DemoSettings Settings(ParseResult parse)
    {
        var s = parse.GetValue(quick) ? DemoSettings.Quick : DemoSettings.Default;
        if (parse.GetValue(arch) is string a) s = s with { Arch = a };
        if (parse.GetValue(epochs) is int e)
            s = e is >= 1 and <= 100_000 ? s with { Epochs = e } : throw new CliInputException($"--epochs must be in 1..100000, got {e}");
        if (parse.GetValue(t) is int tv)
            s = tv is >= 1 and <= EventSnn.Model.ModelInfo.MaxT ? s with { T = tv } : throw new CliInputException($"--T must be in 1..{EventSnn.Model.ModelInfo.MaxT}, got {tv}");
        if (parse.GetValue(trials) is int n)
            s = n is >= 1 and <= 10_000 ? s with { Synthetic = s.Synthetic with { Trials = n } } : throw new CliInputException($"--trials must be in 1..10000, got {n}");
        if (parse.GetValue(jobs) is int j)
            s = j is >= 1 and <= 64 ? s with { Jobs = j } : throw new CliInputException($"--jobs must be in 1..64, got {j}");
        return s;
    }
}
