using System.Diagnostics;

namespace EventSnn.Tests.Report;

/// <summary>Renders local HTML pages with Debian's headless <c>chromium</c> (no network, throw-away profile).</summary>
internal static class HeadlessChromium
{
    public static string Executable
    {
        get
        {
            foreach (string p in new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome" })
                if (File.Exists(p)) return p;
            throw new FileNotFoundException("headless chromium not found (.ci/run installs Debian's 'chromium')");
        }
    }

    /// <summary>Runs chromium on a local file with extra arguments; returns stdout.</summary>
    public static string Run(string htmlPath, params string[] extra)
    {
        string profile = Fixtures.TempDir("chromium-profile");
        try
        {
            var psi = new ProcessStartInfo(Executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (string a in new[]
            {
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--hide-scrollbars", "--force-device-scale-factor=1",
                "--user-data-dir=" + profile,
            }) psi.ArgumentList.Add(a);
            foreach (string a in extra) psi.ArgumentList.Add(a);
            psi.ArgumentList.Add(new Uri(Path.GetFullPath(htmlPath)).AbsoluteUri);
            using var p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(TimeSpan.FromSeconds(90)))
            {
                p.Kill(entireProcessTree: true);
                throw new TimeoutException("chromium did not finish within 90 s");
            }
            p.WaitForExit();
            if (p.ExitCode != 0) throw new InvalidOperationException($"chromium exited with {p.ExitCode}: {stderr.Result}");
            return stdout.Result;
        }
        finally { try { Directory.Delete(profile, true); } catch (IOException) { } }
    }

    /// <summary>The DOM after load (and after scripts that run on load).</summary>
    public static string DumpDom(string htmlPath, int width) => Run(htmlPath, "--virtual-time-budget=10000", $"--window-size={width},1000", "--dump-dom");

    /// <summary>Screenshot of the viewport of the given size into a PNG file.</summary>
    public static void Screenshot(string htmlPath, string pngPath, int width, int height) =>
        Run(htmlPath, "--virtual-time-budget=10000", $"--window-size={width},{height}", "--screenshot=" + Path.GetFullPath(pngPath));
}
