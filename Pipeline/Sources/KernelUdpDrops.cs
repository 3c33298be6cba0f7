using System.Globalization;
using System.Net.Sockets;

namespace EventSnn.Pipeline.Sources;

/// <summary>
/// Datagrams the Linux kernel dropped for one UDP socket because its receive buffer was full: the <c>drops</c> column
/// of that socket's line in <c>/proc/net/udp</c> or <c>/proc/net/udp6</c>, found by the socket's inode (and port).
/// Elsewhere nothing is known (null).
/// </summary>
public static class KernelUdpDrops
{
    /// <summary>The inode of <paramref name="socket"/> (<c>/proc/self/fd/N → socket:[INODE]</c>), or null off Linux.</summary>
    public static long? SocketInode(Socket socket)
    {
        if (!OperatingSystem.IsLinux()) return null;
        try
        {
            long fd = socket.SafeHandle.DangerousGetHandle().ToInt64();
            string? target = new FileInfo($"/proc/self/fd/{fd}").LinkTarget;
            if (target is null || !target.StartsWith("socket:[", StringComparison.Ordinal) || !target.EndsWith(']')) return null;
            return long.Parse(target.AsSpan(8, target.Length - 9), CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException) { return null; }
    }

    /// <summary>The kernel's drop count for the socket with <paramref name="inode"/> bound to <paramref name="port"/>, or null when not found.</summary>
    public static long? Read(long inode, int port)
    {
        foreach (var table in new[] { "/proc/net/udp", "/proc/net/udp6" })
        {
            try
            {
                foreach (var line in File.ReadLines(table))
                    if (Parse(line, inode, port) is { } drops) return drops;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
        return null;
    }

    /// <summary>The drops of one <c>/proc/net/udp</c> line when it is the socket's (inode and local port match); else null.</summary>
    public static long? Parse(string line, long inode, int port)
    {
        // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ref pointer drops
        var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (f.Length < 13 || !f[0].EndsWith(':')) return null;
        if (!long.TryParse(f[9], NumberStyles.Integer, CultureInfo.InvariantCulture, out long ino) || ino != inode) return null;
        int colon = f[1].LastIndexOf(':');
        if (colon < 0 || !int.TryParse(f[1].AsSpan(colon + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out int p) || p != port) return null;
        return long.TryParse(f[12], NumberStyles.Integer, CultureInfo.InvariantCulture, out long drops) ? drops : null;
    }
}
