namespace EventSnn.Ingest;

/// <summary>Reads small text files (lists, JSON) whole, but only after checking their size against a stated limit.</summary>
public static class BoundedText
{
    /// <summary>
    /// The UTF-8 text of <paramref name="path"/>; an <see cref="InvalidDataException"/> naming the file when it holds more than
    /// <paramref name="maxBytes"/> bytes (read up to the limit, so a pipe or a growing file cannot exceed it either).
    /// </summary>
    public static string ReadAllText(string path, int maxBytes, string what)
    {
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096);
        if (fs.CanSeek && fs.Length > maxBytes)
            throw new InvalidDataException($"{path}: {what} of at most {maxBytes} bytes expected, found {fs.Length}");
        return ReadAllText(fs, maxBytes, path, what);
    }

    /// <summary>The UTF-8 text of <paramref name="stream"/> up to <paramref name="maxBytes"/>; more is an <see cref="InvalidDataException"/> naming <paramref name="where"/>.</summary>
    public static string ReadAllText(Stream stream, int maxBytes, string where, string what)
    {
        var buf = new MemoryStream();
        var chunk = new byte[1 << 16];
        for (int n; (n = stream.Read(chunk)) > 0;)
        {
            if (buf.Length + n > maxBytes) throw new InvalidDataException($"{where}: {what} of at most {maxBytes} bytes expected, found more");
            buf.Write(chunk, 0, n);
        }
        return System.Text.Encoding.UTF8.GetString(buf.GetBuffer(), 0, (int)buf.Length);
    }
}
