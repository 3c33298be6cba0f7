namespace EventSnn.Tests;

/// <summary>Locates the test fixtures (<c>tests/fixtures</c> in the repository) and the repo root.</summary>
public static class Fixtures
{
    /// <summary>The repository root: the first folder above the test binaries that holds EventSnn.sln.</summary>
    public static string RepoRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir != null && !System.IO.File.Exists(Path.Combine(dir.FullName, "EventSnn.sln"))) dir = dir.Parent;
            return dir?.FullName ?? throw new DirectoryNotFoundException("EventSnn.sln not found above " + AppContext.BaseDirectory);
        }
    }

    /// <summary>The fixtures folder: $EVENTSNN_FIXTURES, else <c>tests/fixtures</c> in the repository.</summary>
    public static string Dir
    {
        get
        {
            string? env = Environment.GetEnvironmentVariable("EVENTSNN_FIXTURES");
            if (!string.IsNullOrEmpty(env)) return env;
            string path = Path.Combine(RepoRoot, "tests", "fixtures");
            if (!Directory.Exists(path)) throw new DirectoryNotFoundException($"test fixtures not found at {path}; set EVENTSNN_FIXTURES");
            return path;
        }
    }

    /// <summary>Full path of a fixture file.</summary>
    public static string File(string name) => Path.Combine(Dir, name);

    /// <summary>A fresh temporary folder, deleted by the caller (or left in /tmp).</summary>
    public static string TempDir(string prefix = "eventsnn-test")
    {
        string path = Path.Combine(Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        return path;
    }
}
