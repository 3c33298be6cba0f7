namespace EventSnn.Datasets.Synthetic;

/// <summary>
/// Size and content of the synthetic gesture dataset. Trials are recordings of one "user" under one lighting, each
/// with the 11 gestures once in random order (now and then one repeated); users are split 80/20 into the training
/// and test trials, as the real dataset splits by user.
/// </summary>
public sealed record SyntheticOptions
{
    /// <summary>Number of trials (recordings); five lightings per user. Default 40 (8 users: 6 train, 2 test).</summary>
    public int Trials { get; init; } = 40;

    /// <summary>Seed: the same seed gives bit-identical files.</summary>
    public long Seed { get; init; } = 1;

    /// <summary>Mean length of a labelled gesture window in seconds (each window varies ±10 %).</summary>
    public double WindowSeconds { get; init; } = 1.5;

    /// <summary>Emulator frame interval in µs (event times are interpolated between frames).</summary>
    public long RenderStepUs { get; init; } = 4000;

    /// <summary>Multiplier of the background-activity noise rate.</summary>
    public double NoiseScale { get; init; } = 1.0;

    /// <summary>Probability that a trial repeats one class (kept as two samples, like the real data).</summary>
    public double RepeatProbability { get; init; } = 0.1;

    /// <summary>Fraction of users (rounded, at least one) whose trials form the test split.</summary>
    public double TestUserFraction { get; init; } = 0.2;

    /// <summary>Write the extracted <c>DvsGesture/</c> folder (default true).</summary>
    public bool WriteFolder { get; init; } = true;

    /// <summary>Write <c>DvsGesture.tar.gz</c> (default true).</summary>
    public bool WriteArchive { get; init; } = true;

    /// <summary>Degree of parallelism for rendering trials (default: processor count). Output does not depend on it.</summary>
    public int Parallelism { get; init; } = Environment.ProcessorCount;

    /// <summary>The default: small enough for the demo to train on in minutes on 2 cores.</summary>
    public static SyntheticOptions Default { get; } = new();

    /// <summary>A quick size for smoke runs: 15 trials (3 users: 2 train, 1 test), 1.0 s windows.</summary>
    public static SyntheticOptions Quick { get; } = new() { Trials = 15, WindowSeconds = 1.0 };

    /// <summary>The real dataset's size (122 trials) for benchmarking.</summary>
    public static SyntheticOptions Large { get; } = new() { Trials = 122 };

    /// <summary>Trials per user: five lightings from 10 trials on, otherwise one (so tiny sets still have two users).</summary>
    public int TrialsPerUser => Trials >= 10 ? 5 : 1;

    /// <summary>Number of users (the last may have fewer trials).</summary>
    public int Users => (Trials + TrialsPerUser - 1) / TrialsPerUser;

    /// <summary>Number of test users (the last ones).</summary>
    public int TestUsers => Math.Clamp((int)Math.Round(Users * TestUserFraction, MidpointRounding.AwayFromZero), 1, Math.Max(1, Users - 1));

    /// <summary>Checks the numbers; throws <see cref="ArgumentException"/> naming the bad one.</summary>
    public void Validate()
    {
        if (Trials < 2) throw new ArgumentException($"--trials must be at least 2 (one training and one test user), got {Trials}");
        if (Trials > 9999) throw new ArgumentException($"--trials must be at most 9999, got {Trials}");
        if (!(WindowSeconds >= 0.3 && WindowSeconds <= 30)) throw new ArgumentException($"window must lie in 0.3..30 s, got {WindowSeconds}");
        if (RenderStepUs is < 100 or > 20000) throw new ArgumentException($"render step must lie in 100..20000 µs, got {RenderStepUs}");
        if (!(NoiseScale >= 0)) throw new ArgumentException($"noise scale must be non-negative, got {NoiseScale}");
    }
}
