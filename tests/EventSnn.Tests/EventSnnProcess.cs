using System.Diagnostics;

namespace EventSnn.Tests;

/// <summary>Runs the real <c>eventsnn</c> program (copied into the test output folder) as a child process.</summary>
public static class EventSnnProcess
{
    /// <summary>Path of eventsnn.dll next to the tests.</summary>
    public static string DllPath => Path.Combine(AppContext.BaseDirectory, "eventsnn.dll");

    /// <summary>Runs <c>dotnet eventsnn.dll args</c>; kills it and fails after <paramref name="timeout"/>.</summary>
    public static (int Code, string Out, string Err) Run(TimeSpan timeout, string? workingDirectory, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? AppContext.BaseDirectory,
        };
        psi.ArgumentList.Add(DllPath);
        foreach (string a in args) psi.ArgumentList.Add(a);
        psi.Environment["NO_COLOR"] = "1";
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"eventsnn {string.Join(' ', args)} did not finish within {timeout}");
        }
        p.WaitForExit();
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Runs with a two-minute limit in the test output folder.</summary>
    public static (int Code, string Out, string Err) Run(params string[] args) => Run(TimeSpan.FromMinutes(2), null, args);
}
