namespace EventSnn.Cli.Datasets;

/// <summary>
/// The one frame cache of every command (docs/errors.md, "Caches"): <c>--cache DIR</c> when given, else
/// <c>$EVENTSNN_CACHE</c>, else <c>$XDG_CACHE_HOME/eventsnn/frames</c>, else <c>~/.cache/eventsnn/frames</c>.
/// </summary>
public static class CacheLocation
{
    /// <summary>Name of the environment variable that moves the frame cache.</summary>
    public const string EnvironmentVariable = "EVENTSNN_CACHE";

    /// <summary>Help text of every --cache option.</summary>
    public const string OptionDescription = "Frame-cache folder (default: $EVENTSNN_CACHE, else $XDG_CACHE_HOME/eventsnn/frames, else ~/.cache/eventsnn/frames)";

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
        return Path.Combine(root, "eventsnn", "frames");
    }
}
