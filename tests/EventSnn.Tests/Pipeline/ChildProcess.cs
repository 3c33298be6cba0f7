using System.Collections.Concurrent;
using System.Diagnostics;

namespace EventSnn.Tests.Pipeline;

/// <summary>A running <c>eventsnn</c> child process whose output lines are collected as they come.</summary>
internal sealed class ChildProcess : IDisposable
{
    readonly Process _p;
    public readonly ConcurrentQueue<string> Out = new();
    public readonly ConcurrentQueue<string> Err = new();

    public ChildProcess(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        psi.ArgumentList.Add(EventSnnProcess.DllPath);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["NO_COLOR"] = "1";
        _p = new Process { StartInfo = psi };
        _p.OutputDataReceived += (_, e) => { if (e.Data != null) Out.Enqueue(e.Data); };
        _p.ErrorDataReceived += (_, e) => { if (e.Data != null) Err.Enqueue(e.Data); };
        _p.Start();
        _p.BeginOutputReadLine();
        _p.BeginErrorReadLine();
    }

    public int Id => _p.Id;

    /// <summary>Waits for a line of stdout (or stderr) matching <paramref name="match"/>.</summary>
    public async Task<string> WaitForLine(Func<string, bool> match, TimeSpan timeout, bool stderr = false)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var line = (stderr ? Err : Out).FirstOrDefault(match);
            if (line != null) return line;
            if (_p.HasExited) break;
            await Task.Delay(20);
        }
        throw new TimeoutException($"no matching line; stdout:\n{string.Join('\n', Out)}\nstderr:\n{string.Join('\n', Err)}");
    }

    /// <summary>Waits for exit; kills the process and fails after <paramref name="timeout"/>.</summary>
    public async Task<int> WaitForExit(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try { await _p.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException)
        {
            _p.Kill(entireProcessTree: true);
            throw new TimeoutException($"eventsnn did not exit within {timeout}; stdout:\n{string.Join('\n', Out)}\nstderr:\n{string.Join('\n', Err)}");
        }
        _p.WaitForExit(); // drains the output readers
        return _p.ExitCode;
    }

    /// <summary>Sends SIGINT, as Ctrl+C does.</summary>
    public void Interrupt()
    {
        using var kill = Process.Start("kill", ["-INT", _p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    public string Transcript => $"stdout:\n{string.Join('\n', Out)}\nstderr:\n{string.Join('\n', Err)}";

    public void Dispose()
    {
        if (!_p.HasExited) _p.Kill(entireProcessTree: true);
        _p.Dispose();
    }
}
