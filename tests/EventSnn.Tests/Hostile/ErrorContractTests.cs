using EventSnn.Cli;

namespace EventSnn.Tests.Hostile;

/// <summary>The one error path of the CLI (docs/errors.md): usage errors and bad input end with one <c>error:</c> line and rc 2.</summary>
public class ErrorContractTests
{
    /// <summary>rc 2, exactly one stderr line starting "error: ", no trace, no "eventsnn CMD:" prefix, no help text, peak RSS below 1 GiB.</summary>
    internal static void AssertOneErrorLine(EventSnnProcess.Measured m, params string[] contains) => AssertErrorLine(m, true, contains);

    /// <summary>As <see cref="AssertOneErrorLine"/>, but progress lines may come before the one error line when <paramref name="only"/> is false.</summary>
    internal static void AssertErrorLine(EventSnnProcess.Measured m, bool only, params string[] contains)
    {
        Assert.True(m.Code == 2, m.ToString());
        if (only) Assert.True(m.ErrLines.Length == 1, $"expected one stderr line: {m}");
        Assert.True(m.ErrLines.Count(l => l.StartsWith("error: ")) == 1, $"expected one error line: {m}");
        Assert.StartsWith("error: ", m.ErrLines[^1]);
        Assert.DoesNotContain("   at ", m.Err);
        Assert.DoesNotContain("eventsnn ", m.Err.Replace("eventsnn help", ""));
        Assert.DoesNotContain("Usage:", m.Out + m.Err);
        Assert.True(m.PeakRssKiB < 1024 * 1024, m.ToString());
        foreach (string c in contains) Assert.Contains(c, m.Err);
    }

    [Theory]
    [InlineData("train")]
    [InlineData("train", "--dataset", "dvsgesture")]
    [InlineData("bogus")]
    [InlineData("events", "convert", "only-one-argument")]
    [InlineData("eval", "--data", "x")]
    [InlineData("stream", "replay", "x", "--speed", "fast")]
    [InlineData("data", "info")]
    public void UsageErrorsAreOneLineAndRc2(params string[] args)
    {
        var m = EventSnnProcess.RunMeasured(args);
        AssertOneErrorLine(m, "eventsnn help");
        Assert.Equal("", m.Out);
    }

    [Fact]
    public void HelpCommandShowsTheHelpOfAnyCommand()
    {
        var m = EventSnnProcess.RunMeasured("help", "events", "convert");
        Assert.True(m.Code == 0, m.ToString());
        Assert.Contains("eventsnn events convert <IN> <OUT>", m.Out);
        m = EventSnnProcess.RunMeasured("help");
        Assert.True(m.Code == 0, m.ToString());
        Assert.Contains("calibrate", m.Out);
        AssertOneErrorLine(EventSnnProcess.RunMeasured("help", "nope"), "no command 'nope'");
    }

    [Fact]
    public void EveryCommandReportsMissingInputAsOneErrorLine()
    {
        string dir = Fixtures.TempDir();
        try
        {
            string missing = Path.Combine(dir, "missing");
            string[][] cases =
            [
                ["events", "inspect", missing],
                ["events", "convert", missing, Path.Combine(dir, "o.csv")],
                ["events", "frames", missing, Path.Combine(dir, "o.h5"), "--rule", "sj-number:4"],
                ["data", "info", missing],
                ["eval", "--model", missing + ".ckpt", "--data", dir],
                ["calibrate", "--model", missing + ".ckpt", "--data", dir],
                ["report", missing + ".json", "--out", Path.Combine(dir, "r")],
                ["stream", "replay", missing, "--tcp-listen", "0"],
                ["train", "--dataset", "dvsgesture", "--data", missing, "--out", Path.Combine(dir, "t")],
            ];
            foreach (string[] args in cases)
                AssertOneErrorLine(EventSnnProcess.RunMeasured(args), "missing");
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void UnexpectedFailuresAreOneLineWithAVerboseHintAndRc1()
    {
        var err = new StringWriter();
        int code = CliErrors.Report(new InvalidOperationException("boom\nsecond line"), err, verbose: false);
        Assert.Equal(CliErrors.Failure, code);
        string[] lines = err.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.Contains("InvalidOperationException: boom; second line", lines[0]);
        Assert.Contains("--verbose", lines[0]);

        err = new StringWriter();
        Exception thrown;
        try { throw new InvalidOperationException("boom"); } catch (InvalidOperationException e) { thrown = e; }
        Assert.Equal(CliErrors.Failure, CliErrors.Report(new AggregateException(thrown), err, verbose: true));
        Assert.Contains("   at ", err.ToString());  // the trace follows the line

        err = new StringWriter();
        Assert.Equal(CliErrors.BadInput, CliErrors.Report(new AggregateException(new FileNotFoundException("gone")), err, verbose: false));
        Assert.Equal("error: gone", err.ToString().Trim());
    }

    [Fact]
    public void VerbosePrintsTheTraceAfterTheErrorLine()
    {
        var m = EventSnnProcess.RunMeasured("events", "inspect", "/nonexistent/file.aedat", "--verbose");
        Assert.Equal(2, m.Code);
        Assert.StartsWith("error: ", m.ErrLines[0]);
        Assert.Contains("   at ", m.Err);
    }

    [Fact]
    public void OldOptionNamesStillParseAsTheCurrentOnes()
    {
        Assert.Equal(["train", "--data", "d", "--data=e"], Program.RewriteLegacyNames(["train", "--root", "d", "--root=e"]));
        Assert.Equal(["eval", "--batch", "4", "--model", "m"], Program.RewriteLegacyNames(["eval", "--batch-size", "4", "-m", "m"]));
        Assert.Equal(["events", "inspect", "--root"], Program.RewriteLegacyNames(["events", "inspect", "--root"]));
        var root = Program.BuildRoot();
        var parse = root.Parse(Program.RewriteLegacyNames(["calibrate", "-m", "a.ckpt", "--data", "d", "--batch-size", "4", "-o", "c.json"]));
        Assert.Empty(parse.Errors);
        // the same names for the same things in every command that has them
        string[][] common = [["train", "--data", "d", "--dataset", "x", "--out", "o", "--batch", "2", "--threads", "1", "--json", "--cache", "c"],
                             ["ann2snn", "--data", "d", "--dataset", "x", "--out", "o", "--batch", "2", "--threads", "1", "--json", "--cache", "c"],
                             ["calibrate", "--data", "d", "--model", "m", "--out", "o", "--batch", "2", "--threads", "1", "--json", "--cache", "c"],
                             ["eval", "--data", "d", "--model", "m", "--batch", "2", "--threads", "1", "--json", "--cache", "c"],
                             ["events", "convert", "a.csv", "b.csv", "--json"]];
        foreach (string[] args in common) Assert.Empty(root.Parse(args).Errors);
    }
}
