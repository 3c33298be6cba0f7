namespace EventSnn.Pipeline.Sources;

/// <summary>
/// Several sources run at once into one pipeline (e.g. one <see cref="Aedat4TcpSource"/> per camera): each keeps its
/// own stream names, so each is its own stream. Ends when every source has ended; if one fails, the others are
/// stopped and the failure is rethrown.
/// </summary>
public sealed class CombinedSource : IEventSource
{
    readonly IReadOnlyList<IEventSource> _sources;

    /// <summary>Combines <paramref name="sources"/> (at least one).</summary>
    public CombinedSource(IReadOnlyList<IEventSource> sources)
    {
        if (sources.Count == 0) throw new ArgumentException("no sources to combine", nameof(sources));
        _sources = sources;
    }

    /// <summary>The sources combined.</summary>
    public IReadOnlyList<IEventSource> Sources => _sources;

    /// <inheritdoc />
    public string Description => string.Join(" ", _sources.Select(s => s.Description));

    /// <inheritdoc />
    public bool IsLive => _sources.Any(s => s.IsLive);

    /// <inheritdoc />
    public async Task RunAsync(IEventSink sink, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var runs = _sources.Select(s => Task.Run(async () =>
        {
            try { await s.RunAsync(sink, stop.Token).ConfigureAwait(false); }
            catch (OperationCanceledException) when (stop.IsCancellationRequested) { }
            catch
            {
                await stop.CancelAsync().ConfigureAwait(false);
                throw;
            }
        }, CancellationToken.None)).ToArray();
        await Task.WhenAll(runs).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
    }
}
