namespace EventSnn.Datasets.Synthetic;

/// <summary>
/// A small deterministic generator (SplitMix64) whose sequence is fixed by this code, not by the runtime, so the
/// synthetic dataset is bit-identical for a given seed on every .NET version and machine.
/// </summary>
public sealed class SplitMixRandom
{
    ulong _state;

    /// <summary>Seeds the generator; different <paramref name="stream"/> values give independent sequences for one seed.</summary>
    public SplitMixRandom(long seed, long stream = 0)
    {
        _state = (ulong)seed * 0x9E3779B97F4A7C15UL ^ Mix((ulong)stream + 0x632BE59BD9B4E019UL);
        NextULong();
    }

    static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Next 64 random bits.</summary>
    public ulong NextULong() => Mix(_state += 0x9E3779B97F4A7C15UL);

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextULong() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [<paramref name="lo"/>, <paramref name="hi"/>).</summary>
    public double Uniform(double lo, double hi) => lo + (hi - lo) * NextDouble();

    /// <summary>Uniform integer in [0, <paramref name="n"/>).</summary>
    public int Next(int n) => n <= 0 ? throw new ArgumentOutOfRangeException(nameof(n)) : (int)((NextULong() >> 33) % (ulong)n);

    /// <summary>Standard normal (Box–Muller).</summary>
    public double Gaussian()
    {
        double u1 = 1.0 - NextDouble(), u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>Poisson-distributed count with mean <paramref name="mean"/> (inversion for small means, normal approximation above 50).</summary>
    public int Poisson(double mean)
    {
        if (mean <= 0) return 0;
        if (mean > 50) return Math.Max(0, (int)Math.Round(mean + Math.Sqrt(mean) * Gaussian()));
        double l = Math.Exp(-mean), p = 1;
        int k = 0;
        do { k++; p *= NextDouble(); } while (p > l);
        return k - 1;
    }

    /// <summary>True with probability <paramref name="p"/>.</summary>
    public bool Chance(double p) => NextDouble() < p;
}
