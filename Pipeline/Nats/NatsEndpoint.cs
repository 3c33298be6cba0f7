using NATS.Client.Core;

namespace EventSnn.Pipeline.Nats;

/// <summary>
/// How to reach and authenticate to a NATS server: the URL (<c>nats://[user:pass@]host:port</c>, or
/// <c>tls://</c>), a token, a credentials file, TLS files. Credentials inside the URL are moved into the client's
/// authentication options; <see cref="Display"/> and every error message show the URL without them.
/// </summary>
public sealed record NatsEndpoint
{
    /// <summary>Environment variable read for the URL when none is given.</summary>
    public const string UrlVariable = "EVENTSNN_NATS_URL";
    /// <summary>Environment variable read for a token when none is given.</summary>
    public const string TokenVariable = "EVENTSNN_NATS_TOKEN";
    /// <summary>Environment variable read for a credentials file when none is given.</summary>
    public const string CredsVariable = "EVENTSNN_NATS_CREDS";

    /// <summary>The server URL without user information.</summary>
    public required string Url { get; init; }
    /// <summary>User name (from the URL), or null.</summary>
    public string? User { get; init; }
    /// <summary>Password (from the URL), or null. Never printed.</summary>
    public string? Password { get; init; }
    /// <summary>Authentication token, or null. Never printed.</summary>
    public string? Token { get; init; }
    /// <summary>Path of a NATS credentials file (JWT + NKey seed), or null.</summary>
    public string? CredsFile { get; init; }
    /// <summary>CA certificate file (PEM) to verify the server, or null.</summary>
    public string? TlsCaFile { get; init; }
    /// <summary>Client certificate file (PEM), or null.</summary>
    public string? TlsCertFile { get; init; }
    /// <summary>Client key file (PEM), or null.</summary>
    public string? TlsKeyFile { get; init; }
    /// <summary>Require TLS even when the URL says <c>nats://</c>.</summary>
    public bool TlsRequired { get; init; }

    /// <summary>The URL as it may be printed: no user, password or token.</summary>
    public string Display => Url;

    /// <summary>
    /// Parses <paramref name="url"/> (or <see cref="UrlVariable"/>, or <c>nats://127.0.0.1:4222</c>); a token or
    /// credentials file not given falls back to <see cref="TokenVariable"/> / <see cref="CredsVariable"/>.
    /// A token may also be given as the URL's user part alone (<c>nats://TOKEN@host:port</c>).
    /// </summary>
    /// <exception cref="ArgumentException">The URL is not a NATS URL (the message does not repeat credentials).</exception>
    public static NatsEndpoint Parse(string? url, string? token = null, string? credsFile = null, string? tlsCa = null,
        string? tlsCert = null, string? tlsKey = null, bool tlsRequired = false)
    {
        url ??= Environment.GetEnvironmentVariable(UrlVariable);
        if (string.IsNullOrWhiteSpace(url)) url = "nats://127.0.0.1:4222";
        url = url.Trim();
        if (!url.Contains("://", StringComparison.Ordinal)) url = "nats://" + url;
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("nats" or "tls") || string.IsNullOrEmpty(uri.Host))
            throw new ArgumentException($"--nats '{Redact(url)}' is not a NATS URL (nats://[user:pass@]host:port or tls://host:port)");
        string? user = null, password = null;
        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            string info = uri.UserInfo;
            int colon = info.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0) token ??= Uri.UnescapeDataString(info);
            else
            {
                user = Uri.UnescapeDataString(info[..colon]);
                password = Uri.UnescapeDataString(info[(colon + 1)..]);
            }
        }
        int port = uri.IsDefaultPort || uri.Port < 0 ? 4222 : uri.Port;
        token ??= NullIfEmpty(Environment.GetEnvironmentVariable(TokenVariable));
        credsFile ??= NullIfEmpty(Environment.GetEnvironmentVariable(CredsVariable));
        if (credsFile != null && !File.Exists(credsFile)) throw new FileNotFoundException($"NATS credentials file {credsFile} not found", credsFile);
        foreach (var f in new[] { tlsCa, tlsCert, tlsKey })
            if (f != null && !File.Exists(f)) throw new FileNotFoundException($"TLS file {f} not found", f);
        if ((tlsCert is null) != (tlsKey is null)) throw new ArgumentException("give both --nats-tls-cert and --nats-tls-key, or neither");
        string host = uri.HostNameType == UriHostNameType.IPv6 ? $"[{uri.Host.Trim('[', ']')}]" : uri.Host;
        return new NatsEndpoint
        {
            Url = $"{uri.Scheme}://{host}:{port}",
            User = user,
            Password = password,
            Token = token,
            CredsFile = credsFile,
            TlsCaFile = tlsCa,
            TlsCertFile = tlsCert,
            TlsKeyFile = tlsKey,
            TlsRequired = tlsRequired || uri.Scheme == "tls",
        };
    }

    static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;

    /// <summary><paramref name="url"/> with any user information replaced by <c>***</c>.</summary>
    public static string Redact(string url)
    {
        int scheme = url.IndexOf("://", StringComparison.Ordinal);
        int start = scheme < 0 ? 0 : scheme + 3;
        int at = url.IndexOf('@', start);
        return at < 0 ? url : url[..start] + "***" + url[at..];
    }

    /// <summary>Replaces every secret of this endpoint appearing in <paramref name="text"/> by <c>***</c>.</summary>
    public string Scrub(string text)
    {
        foreach (var secret in new[] { Password, Token })
            if (!string.IsNullOrEmpty(secret)) text = text.Replace(secret, "***", StringComparison.Ordinal);
        return text;
    }

    /// <summary>Client options for this endpoint; <paramref name="name"/> is the connection's name on the server.</summary>
    public NatsOpts ToOpts(string name) => NatsOpts.Default with
    {
        Url = Url,
        Name = name,
        AuthOpts = NatsAuthOpts.Default with
        {
            Username = User,
            Password = Password,
            Token = Token,
            CredsFile = CredsFile,
        },
        TlsOpts = NatsTlsOpts.Default with
        {
            CaFile = TlsCaFile,
            CertFile = TlsCertFile,
            KeyFile = TlsKeyFile,
            Mode = TlsRequired || TlsCaFile != null || TlsCertFile != null ? TlsMode.Require : TlsMode.Auto,
        },
        // Keep trying through a server restart; callers decide how long to wait.
        MaxReconnectRetry = -1,
        ReconnectWaitMin = TimeSpan.FromMilliseconds(100),
        ReconnectWaitMax = TimeSpan.FromSeconds(1),
        RetryOnInitialConnect = false,
        ConnectTimeout = TimeSpan.FromSeconds(5),
        RequestTimeout = TimeSpan.FromSeconds(5),
    };

    /// <summary>Opens a connection and waits until it is connected.</summary>
    /// <exception cref="IOException">The server cannot be reached or refused the credentials (message names the URL only).</exception>
    public async Task<NatsConnection> ConnectAsync(string name, CancellationToken cancellationToken)
    {
        var connection = new NatsConnection(ToOpts(name));
        try
        {
            await connection.ConnectAsync().AsTask().WaitAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch (Exception ex) when (ex is NatsException or TimeoutException or System.Net.Sockets.SocketException)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw new IOException($"cannot connect to NATS at {Display}: {Scrub(Innermost(ex).Message)}", ex);
        }
    }

    static Exception Innermost(Exception ex)
    {
        while (ex.InnerException != null) ex = ex.InnerException;
        return ex;
    }
}
