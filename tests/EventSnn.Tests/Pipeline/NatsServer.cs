using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace EventSnn.Tests.Pipeline;

/// <summary>
/// A real <c>nats-server</c> with JetStream on a free loopback port and a temporary store folder, started by the
/// tests and stopped (and its folder deleted) on dispose. A missing binary is a failure that says how to install it.
/// </summary>
public sealed class NatsServer : IDisposable
{
    Process? _process;
    public readonly string StoreDir = Fixtures.TempDir("eventsnn-nats");
    public int Port { get; }
    public string Url => $"nats://127.0.0.1:{Port}";
    int _starts;
    public string Log => string.Concat(Enumerable.Range(1, _starts).Select(i => Path.Combine(StoreDir, $"server-{i}.log")).Where(File.Exists).Select(File.ReadAllText));
    string LogPath => Path.Combine(StoreDir, $"server-{_starts}.log");

    readonly string[] _extra;

    /// <summary>Starts a server; <paramref name="extraArgs"/> go on its command line (e.g. <c>--user</c>, <c>--pass</c>).</summary>
    public NatsServer(params string[] extraArgs)
    {
        _extra = extraArgs;
        Binary = Find(Environment.GetEnvironmentVariable("PATH"));
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        Port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        Start();
    }

    public string Binary { get; }

    /// <summary>Finds nats-server on <paramref name="path"/> (or in /usr/bin, /usr/sbin); throws saying how to install it.</summary>
    public static string Find(string? path, bool standardFolders = true)
    {
        var dirs = (path ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries).Concat(standardFolders ? ["/usr/bin", "/usr/sbin", "/usr/local/bin"] : []);
        foreach (var dir in dirs)
        {
            string candidate = Path.Combine(dir, "nats-server");
            if (File.Exists(candidate)) return candidate;
        }
        throw new InvalidOperationException("nats-server not found: the NATS tests need the real server; install it with `sudo apt-get install nats-server` (tests/run.sh does so)");
    }

    public void Start()
    {
        _starts++;
        var psi = new ProcessStartInfo(Binary)
        {
            UseShellExecute = false,
            RedirectStandardOutput = false,
            RedirectStandardError = false,
        };
        foreach (var a in new[] { "-js", "-a", "127.0.0.1", "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-sd", Path.Combine(StoreDir, "store"), "-l", LogPath })
            psi.ArgumentList.Add(a);
        foreach (var a in _extra) psi.ArgumentList.Add(a);
        _process = Process.Start(psi)!;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited) throw new InvalidOperationException($"nats-server exited with code {_process.ExitCode}: {Log}");
            if (File.Exists(LogPath) && File.ReadAllText(LogPath).Contains("Server is ready", StringComparison.Ordinal)) return;
            Thread.Sleep(20);
        }
        throw new TimeoutException($"nats-server did not get ready within 15 s: {Log}");
    }

    /// <summary>Stops the server as an operator would (SIGTERM), waiting for it to exit.</summary>
    public void Stop()
    {
        if (_process is null || _process.HasExited) return;
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) kill.WaitForExit();
        if (!_process.WaitForExit(10_000)) _process.Kill();
        _process.WaitForExit();
        File.AppendAllText(LogPath, "\n--- stopped by the test ---\n");
    }

    public void Dispose()
    {
        try { if (_process is { HasExited: false }) { _process.Kill(); _process.WaitForExit(); } } catch (InvalidOperationException) { }
        _process?.Dispose();
        try { Directory.Delete(StoreDir, recursive: true); } catch (IOException) { }
    }
}
