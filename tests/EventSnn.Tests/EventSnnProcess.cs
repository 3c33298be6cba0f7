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

    /// <summary>Outcome of a measured run: exit code, output, error output, the child's peak resident memory (KiB) and wall time.</summary>
    public sealed record Measured(int Code, string Out, string Err, long PeakRssKiB, TimeSpan Elapsed)
    {
        /// <summary>The non-empty lines of the error output.</summary>
        public string[] ErrLines => Err.Split('\n', StringSplitOptions.RemoveEmptyEntries);

        /// <summary>For assertion messages.</summary>
        public override string ToString() => $"exit {Code}, peak {PeakRssKiB / 1024} MiB, {Elapsed.TotalSeconds:0.0} s, stderr: {Err}";
    }

    /// <summary>
    /// Runs the program under <c>/usr/bin/time -f %M</c> (the child's peak RSS in KiB) with a managed-heap ceiling
    /// (DOTNET_GCHeapHardLimit, 1.5 GiB) so that a memory bomb fails the test instead of the machine; stdin is an empty pipe
    /// unless <paramref name="stdin"/> is given; kills the child and fails after <paramref name="timeout"/>.
    /// </summary>
    public static Measured RunMeasured(TimeSpan timeout, IDictionary<string, string>? env, byte[]? stdin, params string[] args)
    {
        string timeFile = Path.Combine(Path.GetTempPath(), $"eventsnn-rss-{Guid.NewGuid():N}");
        bool haveTime = File.Exists("/usr/bin/time");
        var psi = new ProcessStartInfo(haveTime ? "/usr/bin/time" : "dotnet")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true,
            UseShellExecute = false, WorkingDirectory = AppContext.BaseDirectory,
        };
        if (haveTime) { foreach (string a in new[] { "-f", "%M", "-o", timeFile, "dotnet" }) psi.ArgumentList.Add(a); }
        psi.ArgumentList.Add(DllPath);
        foreach (string a in args) psi.ArgumentList.Add(a);
        psi.Environment["NO_COLOR"] = "1";
        psi.Environment["DOTNET_GCHeapHardLimit"] = "0x60000000";
        if (env != null) foreach (var kv in env) psi.Environment[kv.Key] = kv.Value;
        var watch = Stopwatch.StartNew();
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        try
        {
            if (stdin != null) p.StandardInput.BaseStream.Write(stdin);
            p.StandardInput.Close();
        }
        catch (IOException) { }  // the child may exit before reading all of it
        if (!p.WaitForExit(timeout))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"eventsnn {string.Join(' ', args)} did not finish within {timeout}");
        }
        p.WaitForExit();
        watch.Stop();
        long peak = -1;
        if (haveTime)
        {
            foreach (string line in File.ReadAllLines(timeFile))
                if (long.TryParse(line.Trim(), out long kb)) peak = kb;
            File.Delete(timeFile);
        }
        return new Measured(p.ExitCode, stdout.Result, stderr.Result, peak, watch.Elapsed);
    }

    /// <summary>Measured run with a one-minute limit.</summary>
    public static Measured RunMeasured(params string[] args) => RunMeasured(TimeSpan.FromMinutes(1), null, null, args);
}
