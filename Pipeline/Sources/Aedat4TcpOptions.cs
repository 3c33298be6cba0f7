namespace EventSnn.Pipeline.Sources;

/// <summary>Settings of <see cref="Aedat4TcpSource"/>.</summary>
public sealed record Aedat4TcpOptions
{
    /// <summary>Reconnect when the server goes away or refuses (true), or end the stream at the first close (false).</summary>
    public bool Reconnect { get; init; } = true;

    /// <summary>First wait before reconnecting; doubled after each failed attempt up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Longest wait between reconnect attempts.</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long one connection attempt may take.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Largest IOHeader accepted, bytes (a larger size field means the peer does not speak AEDAT 4).</summary>
    public int MaxHeaderBytes { get; init; } = 1 << 20;

    /// <summary>Largest packet body accepted, bytes (a larger size field is treated as a broken stream).</summary>
    public int MaxPacketBytes { get; init; } = 64 << 20;

    /// <summary>Receive buffer, bytes.</summary>
    public int BufferBytes { get; init; } = 1 << 20;

    /// <summary>
    /// Sensor size in pixels to use instead of the one the IOHeader declares (<c>--sensor</c>); null: the header's.
    /// A difference is reported with a notice.
    /// </summary>
    public (int Width, int Height)? Sensor { get; init; }
}
