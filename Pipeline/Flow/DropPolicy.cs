namespace EventSnn.Pipeline.Flow;

/// <summary>What a bounded stage does when its queue is full.</summary>
public enum DropPolicy
{
    /// <summary>The producer waits for room: nothing is lost (recorded replay; over TCP the sender is slowed down).</summary>
    Wait,
    /// <summary>The oldest queued item is dropped to make room: the newest data wins (live input, lowest latency).</summary>
    DropOldest,
    /// <summary>The incoming item is dropped: what is queued is kept.</summary>
    DropNewest,
}

/// <summary>Parsing and naming of <see cref="DropPolicy"/> as the command line spells it.</summary>
public static class DropPolicies
{
    /// <summary>"wait", "drop-oldest" or "drop-newest" (case-insensitive).</summary>
    public static DropPolicy Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        "wait" => DropPolicy.Wait,
        "drop-oldest" => DropPolicy.DropOldest,
        "drop-newest" => DropPolicy.DropNewest,
        _ => throw new ArgumentException($"unknown drop policy '{text}' (expected wait, drop-oldest or drop-newest)"),
    };

    /// <summary>The command-line name of a policy.</summary>
    public static string Name(this DropPolicy policy) => policy switch
    {
        DropPolicy.Wait => "wait",
        DropPolicy.DropOldest => "drop-oldest",
        _ => "drop-newest",
    };
}
