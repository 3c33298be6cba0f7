using EventSnn.Datasets;
using static TorchSharp.torch;

namespace EventSnn.Model;

/// <summary>Settings of a training run (METHOD.md §9 defaults), for spiking networks and for ANNs trained for conversion alike.</summary>
public sealed record TrainOptions
{
    /// <summary>Training epochs (cosine schedule length).</summary>
    public int Epochs { get; init; } = 100;

    /// <summary>Mini-batch size N.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Initial SGD learning rate (cosine-annealed to 0 over <see cref="Epochs"/>).</summary>
    public double LearningRate { get; init; } = 0.1;

    /// <summary>SGD momentum.</summary>
    public double Momentum { get; init; } = 0.9;

    /// <summary>L2 weight decay on all parameters.</summary>
    public double WeightDecay { get; init; } = 5e-4;

    /// <summary>SGD (the method's: momentum, weight decay) or Adam (handy for very short runs).</summary>
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.Sgd;

    /// <summary>Task loss of a spiking network (<see cref="Losses.For"/>); ANNs use cross-entropy.</summary>
    public TaskLoss Loss { get; init; } = TaskLoss.Tet;

    /// <summary>Weight α of the RCS term; 0 trains the baseline without RCS.</summary>
    public double RcsAlpha { get; init; }

    /// <summary>
    /// Dropout after every spiking layer while training (inverted, a fresh mask per timestep), the same placement as the
    /// Top-K calibration's dropout (METHOD.md §2.2); 0 = none. On the demo's gesture network it lowered accuracy
    /// (README, demo section), so the demo does not use it.
    /// </summary>
    public double Dropout { get; init; }

    /// <summary>Seed of weight init, shuffling, validation split and augmentation.</summary>
    public int Seed { get; init; } = 1200;

    /// <summary>Fraction of the training split held out (stratified by class) for checkpoint selection; 0 with <see cref="Selection"/> <see cref="CheckpointSelection.Test"/>.</summary>
    public double ValidationFraction { get; init; } = 0.1;

    /// <summary>
    /// How the best checkpoint is chosen: on the held-out split (default), on the test split (the method's
    /// choice: best test accuracy; the checkpoint is labelled so because its test accuracy is then optimistic) or the
    /// last epoch (what ANN training for conversion keeps).
    /// </summary>
    public CheckpointSelection Selection { get; init; } = CheckpointSelection.Validation;

    /// <summary>Training-time augmentation (random translation, METHOD.md §8); null = none.</summary>
    public RandomTranslation? Augmentation { get; init; }

    /// <summary>Folder for checkpoints (<c>last.ckpt</c>, <c>best.ckpt</c>) and the log (<c>train-log.jsonl</c>).</summary>
    public string OutDir { get; init; } = "runs/train";

    /// <summary>Resume from <c>OutDir/last.ckpt</c> when present.</summary>
    public bool Resume { get; init; } = true;

    /// <summary>Device; null = CUDA when available, else CPU.</summary>
    public Device? Device { get; init; }

    /// <summary>Stop after this many epochs in this call even if <see cref="Epochs"/> is larger (resume continues); null = no limit.</summary>
    public int? MaxEpochsThisRun { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> on invalid settings.</summary>
    public void Validate()
    {
        if (Epochs < 1) throw new ArgumentException("epochs must be >= 1");
        if (BatchSize < 1) throw new ArgumentException("batch size must be >= 1");
        if (!(LearningRate > 0)) throw new ArgumentException("learning rate must be > 0");
        if (RcsAlpha < 0) throw new ArgumentException("RCS alpha must be >= 0");
        if (Dropout < 0 || Dropout >= 1) throw new ArgumentException("dropout must be in [0, 1)");
        if (ValidationFraction < 0 || ValidationFraction >= 1) throw new ArgumentException("validation fraction must be in [0, 1)");
        if (!Enum.IsDefined(Selection)) throw new ArgumentException($"selection must be 'validation', 'test' or 'last', got '{Selection}'");
        if (!Enum.IsDefined(Optimizer)) throw new ArgumentException($"unknown optimizer '{Optimizer}' (sgd, adam)");
        if (Selection == CheckpointSelection.Validation && ValidationFraction == 0) throw new ArgumentException("selection 'validation' needs a validation fraction > 0");
        _ = Losses.For(Loss);
    }
}

/// <summary>How <see cref="Trainer"/> picks the best checkpoint (spelled "validation" or "test").</summary>
public enum CheckpointSelection
{
    /// <summary>Best accuracy on the part of the training split held out (<see cref="TrainOptions.ValidationFraction"/>).</summary>
    Validation,

    /// <summary>Best test accuracy (the method's choice; the test accuracy of that checkpoint is optimistic).</summary>
    Test,

    /// <summary>The last epoch's weights (ANN training for conversion).</summary>
    Last,
}

/// <summary>
/// Progress of training: where it is (phase "train", "validate" or "test", batch of batches) and the running
/// loss/accuracy of the current phase; at the end of every epoch one report with phase "epoch" carries the
/// <see cref="Completed"/> record and the estimated time left.
/// </summary>
public readonly record struct TrainProgress(int Epoch, int Epochs, string Phase, int Batch, int Batches, double Loss, double Accuracy)
{
    /// <summary>Learning rate of the epoch.</summary>
    public double LearningRate { get; init; }

    /// <summary>Time spent in the phase so far (the whole epoch for phase "epoch").</summary>
    public TimeSpan Elapsed { get; init; }

    /// <summary>Estimated time to the last epoch, from this run's mean epoch time; set with <see cref="Completed"/>.</summary>
    public TimeSpan? Eta { get; init; }

    /// <summary>The finished epoch's figures, on the phase-"epoch" report only.</summary>
    public EpochRecord? Completed { get; init; }
}

/// <summary>One epoch's figures, as written to <c>train-log.jsonl</c>. Accuracies are fractions in [0, 1]; null when not measured.</summary>
public sealed record EpochRecord(
    int Epoch, double LearningRate, double Loss, double TaskLoss, double RcsLoss, double TrainAccuracy,
    double? ValidationAccuracy, double? TestAccuracy, double Seconds, int RcsMaskedSamples, int RcsSilentExclusions);

/// <summary>Outcome of a <see cref="Trainer"/> run.</summary>
public sealed record TrainResult(
    IReadOnlyList<EpochRecord> Epochs, int BestEpoch, double BestAccuracy, string Selection,
    string BestCheckpoint, string LastCheckpoint, string LogPath, int ResumedFromEpoch);
