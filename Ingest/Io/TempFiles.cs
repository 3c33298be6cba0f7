namespace EventSnn.Ingest;

/// <summary>
/// Temporary files the process is writing: removed on SIGINT/SIGTERM by the handler the program installs
/// (<see cref="DeleteAll"/>), and by the writers themselves on every other exit path.
/// </summary>
public static class TempFiles
{
    static readonly HashSet<string> Paths = new();

    /// <summary>Records a temporary file to remove if the process is interrupted.</summary>
    public static void Track(string path) { lock (Paths) Paths.Add(path); }

    /// <summary>Forgets a temporary file (renamed into place or deleted).</summary>
    public static void Untrack(string path) { lock (Paths) Paths.Remove(path); }

    /// <summary>Deletes every tracked file (best effort); called from the signal handler.</summary>
    public static void DeleteAll()
    {
        string[] all;
        lock (Paths) { all = [.. Paths]; Paths.Clear(); }
        foreach (string p in all)
        {
            try { File.Delete(p); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
