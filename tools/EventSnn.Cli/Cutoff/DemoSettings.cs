using EventSnn.Datasets.Synthetic;
using EventSnn.Model;

namespace EventSnn.Cli.Cutoff;

/// <summary>
/// What `eventsnn demo` synthesizes and trains. The default is sized to finish in under 15 minutes on two CPU
/// cores; <see cref="Quick"/> in under two (for tests).
/// </summary>
internal sealed record DemoSettings
{
    /// <summary>Synthetic gesture recordings to generate.</summary>
    public required SyntheticOptions Synthetic { get; init; }

    /// <summary>Architecture name (built-in or registered).</summary>
    public string Arch { get; init; } = Architectures.GestureSmall;

    /// <summary>Timesteps T: the method's 16 for DVS128 Gesture (docs/benchmarks.md has the demo at T = 8 and 16).</summary>
    public int T { get; init; } = 16;

    /// <summary>Spatial downsampling of the 128×128 sensor.</summary>
    public int Downsample { get; init; } = 4;

    /// <summary>Sample window in µs from the first event of a gesture.</summary>
    public long WindowStartUs { get; init; }

    /// <summary>End of the sample window in µs.</summary>
    public long WindowEndUs { get; init; } = 1_300_000;

    /// <summary>Training epochs per model.</summary>
    public int Epochs { get; init; } = 50;

    /// <summary>Mini-batch size.</summary>
    public int BatchSize { get; init; } = 16;

    /// <summary>Initial SGD learning rate.</summary>
    public double LearningRate { get; init; } = 0.1;

    /// <summary>Task loss.</summary>
    public TaskLoss Loss { get; init; } = TaskLoss.Tet;

    /// <summary>RCS weight of the second model (the first has α = 0).</summary>
    public double RcsAlpha { get; init; } = 0.002;

    /// <summary>Dropout after every spiking layer while training (0 = none).</summary>
    public double TrainDropout { get; init; }

    /// <summary>Seed of training and calibration dropout.</summary>
    public int Seed { get; init; } = 1200;

    /// <summary>δ of the risk-controlled Top-K thresholds calibrated beside the method's (share of samples correct at T lost).</summary>
    public double RiskDelta { get; init; } = 0.05;

    /// <summary>Confidence of the risk-controlled thresholds.</summary>
    public double RiskConfidence { get; init; } = 0.95;

    /// <summary>
    /// Models trained at once, each on its own thread with an equal share of the cores' libtorch threads. The demo's
    /// networks are too small to keep two cores busy from one model, so on two cores two models side by side, one thread
    /// each, finish sooner than one after the other on two threads (docs/benchmarks.md). 1 runs them one after the other
    /// with libtorch's own thread count. The figures depend on the thread count (floating-point sums in another order).
    /// </summary>
    public int Jobs { get; init; } = Math.Clamp(Environment.ProcessorCount, 1, 2);

    /// <summary>Dropout seeds of the Top-K calibration the operating point is re-chosen with, to give its spread (the first is <see cref="Seed"/>).</summary>
    public int CalibrationSeeds { get; init; } = 5;

    /// <summary>Random-translation augmentation during training.</summary>
    public bool Augment { get; init; } = true;

    /// <summary>
    /// The embedded default: the large synthetic set (122 recordings, 1,109 train / 244 test gestures), T = 16 and 50
    /// epochs, both models side by side. Measured on an idle 2-core machine: 578 s in all (docs/benchmarks.md);
    /// 12 epochs on the 40-recording set finished in 37 s but stopped at 70–76 %, too undertrained for the cutoff
    /// to act early.
    /// </summary>
    public static DemoSettings Default { get; } = new() { Synthetic = SyntheticOptions.Large with { WriteArchive = false } };

    /// <summary>Small and fast, for tests.</summary>
    public static DemoSettings Quick { get; } = new()
    {
        Synthetic = SyntheticOptions.Quick with { WriteArchive = false },
        Arch = "tiny",
        T = 8,
        WindowEndUs = 1_000_000,
        Epochs = 4,
        CalibrationSeeds = 2,
    };
}
