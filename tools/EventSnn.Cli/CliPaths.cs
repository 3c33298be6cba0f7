namespace EventSnn.Cli;

/// <summary>Checks on paths the user names, made before any long work so that a bad one fails at once with one clear line.</summary>
public static class CliPaths
{
    /// <summary>
    /// Throws <see cref="CliInputException"/> when <paramref name="path"/> cannot be an output file: it is a folder, its
    /// folder does not exist or is not a folder, or the folder cannot be written (a probe file is created and removed).
    /// </summary>
    public static void CheckOutputFile(string path, string what = "output")
    {
        if (string.IsNullOrWhiteSpace(path)) throw new CliInputException($"{what} path is empty");
        if (Directory.Exists(path)) throw new CliInputException($"{what} {path} is a folder; give a file name");
        string dir = Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
        if (File.Exists(dir)) throw new CliInputException($"{what} {path}: {dir} is a file, not a folder");
        if (!Directory.Exists(dir)) throw new CliInputException($"{what} {path}: folder {dir} does not exist");
        string probe = Path.Combine(dir, $".eventsnn-probe-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try { using (File.Create(probe, 1, FileOptions.DeleteOnClose)) { } }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw new CliInputException($"{what} {path}: folder {dir} cannot be written ({e.Message})");
        }
    }

    /// <summary>Throws <see cref="CliInputException"/> when <paramref name="path"/> cannot be an output folder (it is a file, or cannot be created/written).</summary>
    public static void CheckOutputFolder(string path, string what = "output folder")
    {
        if (string.IsNullOrWhiteSpace(path)) throw new CliInputException($"{what} path is empty");
        if (File.Exists(path)) throw new CliInputException($"{what} {path} is a file; give a folder");
        string? existing = Path.GetFullPath(path);
        while (existing is not null && !Directory.Exists(existing)) existing = Path.GetDirectoryName(existing);
        if (existing is null) throw new CliInputException($"{what} {path}: no existing folder above it");
        string probe = Path.Combine(existing, $".eventsnn-probe-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try { using (File.Create(probe, 1, FileOptions.DeleteOnClose)) { } }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw new CliInputException($"{what} {path}: folder {existing} cannot be written ({e.Message})");
        }
    }
}
