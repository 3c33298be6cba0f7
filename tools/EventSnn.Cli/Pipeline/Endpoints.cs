using System.Net;
using System.Net.Sockets;

namespace EventSnn.Cli.Pipeline;

/// <summary>Parses the addresses the stream commands take: <c>HOST:PORT</c>, <c>PORT</c> (on a default host), <c>[v6]:PORT</c>.</summary>
internal static class Endpoints
{
    /// <summary>Parses <paramref name="text"/>; a bare port binds to <paramref name="defaultHost"/>.</summary>
    public static (string Host, int Port) Parse(string text, string defaultHost)
    {
        text = text.Trim();
        string host = defaultHost, port = text;
        int colon = text.LastIndexOf(':');
        if (colon >= 0)
        {
            host = text[..colon].Trim('[', ']');
            port = text[(colon + 1)..];
            if (host.Length == 0) host = defaultHost;
        }
        if (!int.TryParse(port, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int p) || p > 65535)
            throw new ArgumentException($"'{text}' is not HOST:PORT or PORT (port 0..65535)");
        return (host, p);
    }

    /// <summary>Resolves a host name or address to one IP endpoint (IPv4 preferred).</summary>
    public static IPEndPoint Resolve(string host, int port)
    {
        if (IPAddress.TryParse(host, out var ip)) return new IPEndPoint(ip, port);
        var addresses = Dns.GetHostAddresses(host);
        var chosen = addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.FirstOrDefault()
                     ?? throw new ArgumentException($"host '{host}' has no address");
        return new IPEndPoint(chosen, port);
    }
}
