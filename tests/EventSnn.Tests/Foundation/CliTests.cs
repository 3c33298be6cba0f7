using System.CommandLine;
using EventSnn.Cli;

namespace EventSnn.Tests.Foundation;

/// <summary>The command tree of DESIGN.md §6.</summary>
public class CliTests
{
    static (int Code, string Out, string Err) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var config = new InvocationConfiguration { Output = output, Error = error };
        int code = Program.BuildRoot().Parse(args).Invoke(config);
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public void HelpListsEveryCommandGroup()
    {
        var (code, output, _) = Run("--help");
        Assert.Equal(0, code);
        foreach (string name in new[] { "events", "data", "train", "ann2snn", "calibrate", "eval", "report", "stream", "demo", "model" })
            Assert.Contains(name, output);
    }

    [Fact]
    public void VersionPrintsTheAssemblyVersion()
    {
        var (code, output, err) = EventSnnProcess.Run("--version");
        Assert.True(code == 0, err);
        Assert.Equal(typeof(Program).Assembly.GetName().Version!.ToString(3), output.Trim());
    }

    [Fact]
    public void TheProgramRunsAsAProcessAndListsItsCommands()
    {
        var (code, output, err) = EventSnnProcess.Run("--help");
        Assert.True(code == 0, err);
        Assert.Contains("demo", output);
    }
}
