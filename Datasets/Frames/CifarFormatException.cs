namespace EventSnn.Datasets;

/// <summary>A CIFAR binary archive that does not hold what the official layout promises (an I/O error: the data is bad, not the call).</summary>
public sealed class CifarFormatException : IOException
{
    public CifarFormatException(string file, string? entry, long offset, string expected)
        : base($"{file}{(entry is null ? "" : "#" + entry)} at byte {offset}: expected {expected}")
    {
        File = file;
        Entry = entry;
        Offset = offset;
        Expected = expected;
    }

    /// <summary>The archive (or directory) path.</summary>
    public string File { get; }

    /// <summary>The member inside the archive, if any.</summary>
    public string? Entry { get; }

    /// <summary>Byte offset inside the entry where the problem starts.</summary>
    public long Offset { get; }

    /// <summary>What should have been there.</summary>
    public string Expected { get; }
}
