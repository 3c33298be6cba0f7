using TorchSharp;

namespace EventSnn.Model;

/// <summary>
/// TorchSharp's default generator is one per process: seeding it and drawing from it (weight initialisation) is made
/// atomic here, so networks built on several threads at once (two models trained side by side) each get the weights
/// their seed gives, whatever the other threads do.
/// </summary>
public static class TorchRandom
{
    private static readonly Lock Gate = new();

    /// <summary>Runs <paramref name="create"/> right after <c>torch.manual_seed(seed)</c>, with no other seeded creation in between.</summary>
    public static T Seeded<T>(long seed, Func<T> create)
    {
        lock (Gate)
        {
            torch.manual_seed(seed);
            return create();
        }
    }
}
