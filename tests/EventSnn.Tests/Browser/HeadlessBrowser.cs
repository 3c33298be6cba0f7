using PuppeteerSharp;

namespace EventSnn.Tests.Browser;

/// <summary>
/// Debian's <c>chromium</c>, headless, driven by PuppeteerSharp (nothing is downloaded: the system executable is
/// used, with a throw-away profile and no network services). A missing chromium fails the test that needs it.
/// </summary>
internal sealed class HeadlessBrowser : IAsyncDisposable
{
    readonly string _profile;

    HeadlessBrowser(IBrowser browser, string profile)
    {
        Browser = browser;
        _profile = profile;
    }

    /// <summary>The browser.</summary>
    public IBrowser Browser { get; }

    /// <summary>The system chromium; throws, naming what to install, when there is none.</summary>
    public static string Executable
    {
        get
        {
            foreach (string p in new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome" })
                if (File.Exists(p)) return p;
            throw new FileNotFoundException("chromium not found at /usr/bin/chromium: install Debian's 'chromium' package (tests/run.sh does)");
        }
    }

    /// <summary>Starts a headless chromium.</summary>
    public static async Task<HeadlessBrowser> LaunchAsync()
    {
        string exe = Executable;
        string profile = Fixtures.TempDir("chromium-profile");
        var browser = await Puppeteer.LaunchAsync(new LaunchOptions
        {
            ExecutablePath = exe,
            Headless = true,
            UserDataDir = profile,
            Timeout = 60_000,
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--hide-scrollbars", "--force-device-scale-factor=1",
            ],
        });
        return new HeadlessBrowser(browser, profile);
    }

    /// <summary>A new page with a viewport of the given size (CSS pixels, scale 1).</summary>
    public async Task<IPage> NewPageAsync(int width, int height)
    {
        var page = await Browser.NewPageAsync();
        await page.SetViewportAsync(new ViewPortOptions { Width = width, Height = height, DeviceScaleFactor = 1 });
        return page;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        try { await Browser.CloseAsync(); }
        finally
        {
            await Browser.DisposeAsync();
            try { Directory.Delete(_profile, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
