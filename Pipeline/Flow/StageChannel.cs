using System.Threading.Channels;

namespace EventSnn.Pipeline.Flow;

/// <summary>
/// A bounded queue between two pipeline stages. With <see cref="DropPolicy.Wait"/> a writer waits for room;
/// with a drop policy <see cref="Offer"/> never waits, and every item the queue discards is handed to the
/// drop callback exactly once (so it can be counted and its buffers returned).
/// </summary>
/// <typeparam name="T">The item type.</typeparam>
public sealed class StageChannel<T>
{
    readonly Channel<T> _channel;
    int _depth;
    int _maxDepth;

    /// <summary>Creates a queue holding at most <paramref name="capacity"/> items.</summary>
    /// <param name="capacity">Items the queue holds before the policy applies.</param>
    /// <param name="policy">What happens when it is full.</param>
    /// <param name="dropped">Called for each item the queue discards (never for <see cref="DropPolicy.Wait"/>).</param>
    public StageChannel(int capacity, DropPolicy policy, Action<T>? dropped = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
        Policy = policy;
        var options = new BoundedChannelOptions(capacity)
        {
            FullMode = policy switch
            {
                DropPolicy.Wait => BoundedChannelFullMode.Wait,
                DropPolicy.DropOldest => BoundedChannelFullMode.DropOldest,
                _ => BoundedChannelFullMode.DropWrite,
            },
            SingleReader = true,
            SingleWriter = false,
            AllowSynchronousContinuations = false,
        };
        _channel = Channel.CreateBounded<T>(options, item =>
        {
            Interlocked.Decrement(ref _depth);
            dropped?.Invoke(item);
        });
    }

    /// <summary>Most items the queue holds.</summary>
    public int Capacity { get; }

    /// <summary>The policy applied when full.</summary>
    public DropPolicy Policy { get; }

    /// <summary>The largest number of items seen queued at once (a check that memory stayed bounded).</summary>
    public int MaxDepth => Volatile.Read(ref _maxDepth);

    /// <summary>Reading side.</summary>
    public ChannelReader<T> Reader => _channel.Reader;

    /// <summary>
    /// Hands an item on without ever waiting. Under a drop policy the item (or an older one) may be
    /// dropped and reported to the drop callback; returns false only if the queue is full under
    /// <see cref="DropPolicy.Wait"/> or already completed, in which case the caller still owns the item.
    /// </summary>
    public bool Offer(T item)
    {
        Interlocked.Increment(ref _depth);
        if (!_channel.Writer.TryWrite(item))
        {
            Interlocked.Decrement(ref _depth);
            return false;
        }
        // Read after the write: a drop made room inside TryWrite (its callback already decremented).
        NoteDepth(Volatile.Read(ref _depth));
        return true;
    }

    /// <summary>Hands an item on, waiting for room under <see cref="DropPolicy.Wait"/>.</summary>
    public async ValueTask WriteAsync(T item, CancellationToken cancellationToken)
    {
        if (Policy != DropPolicy.Wait)
        {
            if (!Offer(item)) throw new ChannelClosedException();
            return;
        }
        await _channel.Writer.WriteAsync(item, cancellationToken).ConfigureAwait(false);
        NoteDepth(Interlocked.Increment(ref _depth));
    }

    /// <summary>Takes an item if one is queued.</summary>
    public bool TryTake(out T item)
    {
        if (_channel.Reader.TryRead(out item!))
        {
            Interlocked.Decrement(ref _depth);
            return true;
        }
        return false;
    }

    /// <summary>No more items will be written.</summary>
    public void Complete() => _channel.Writer.TryComplete();

    void NoteDepth(int depth)
    {
        int seen;
        while (depth > (seen = Volatile.Read(ref _maxDepth)) && Interlocked.CompareExchange(ref _maxDepth, depth, seen) != seen) { }
    }
}
