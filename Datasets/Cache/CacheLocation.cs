namespace EventSnn.Datasets;

/// <summary>
/// Where binned frames are cached (docs/errors.md, "Caches"); the only place that decides it. A caller's folder when
/// given, else <c>$EVENTSNN_CACHE</c>, else <c>$XDG_CACHE_HOME/eventsnn/frames</c>, else <c>~/.cache/eventsnn/frames</c>.
/// Commands that write everything into one output folder (the demo and the study) cache under
/// <see cref="InOutputFolder"/> instead.
/// </summary>
public static class CacheLocation
{
    /// <summary>Name of the environment variable that moves the frame cache.</summary>
    public const string EnvironmentVariable = "EVENTSNN_CACHE";

    /// <summary>Folder under the user cache root (<c>$XDG_CACHE_HOME</c> or <c>~/.cache</c>).</summary>
    const string App = "eventsnn", FramesFolder = "frames";

    /// <summary>Folder inside an output folder that holds that run's frame cache.</summary>
    public const string OutputSubfolder = "frame-cache";

    /// <summary>Help text of every --cache option.</summary>
    public const string OptionDescription =
        $"Frame-cache folder (default: ${EnvironmentVariable}, else $XDG_CACHE_HOME/{App}/{FramesFolder}, else ~/.cache/{App}/{FramesFolder})";

    /// <summary>The frame-cache folder for an optional --cache value.</summary>
    /// <param name="option">The --cache value, or null.</param>
    /// <param name="environment">Reads an environment variable (default: the process environment).</param>
    public static string Resolve(string? option, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        if (!string.IsNullOrWhiteSpace(option)) return option;
        string? env = environment(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(env)) return env;
        string? xdg = environment("XDG_CACHE_HOME");
        string root = !string.IsNullOrWhiteSpace(xdg) && Path.IsPathRooted(xdg)
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(root, App, FramesFolder);
    }

    /// <summary>The frame cache of a run that keeps all its files in <paramref name="outputFolder"/>: <c>OUT/frame-cache</c>.</summary>
    public static string InOutputFolder(string outputFolder) => Path.Combine(outputFolder, OutputSubfolder);
}
