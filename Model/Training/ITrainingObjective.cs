using TorchSharp;
using static TorchSharp.torch;

namespace EventSnn.Model;

/// <summary>
/// What a <see cref="Trainer"/> trains and how its loss is formed: the network, the forward pass with the task loss and
/// regulariser, the scores accuracy is measured on, and how the network's weights are stored for resuming.
/// <see cref="SpikingObjective"/> is direct SNN training (TET or mean loss + α·RCS); <see cref="Conversion.AnnObjective"/>
/// is ANN training for conversion (cross-entropy + α·ANN RCS).
/// </summary>
public interface ITrainingObjective : IDisposable
{
    /// <summary>The network being trained.</summary>
    nn.Module Network { get; }

    /// <summary>Smallest batch the network can train on (BatchNorm over a single static sample cannot); a smaller last batch is skipped.</summary>
    int MinimumBatch { get; }

    /// <summary>Called once before the first epoch of a fresh (not resumed) run.</summary>
    void Initialise(IBatchSource train, Device device, TrainOptions options);

    /// <summary>Prepares training epoch <paramref name="epoch"/> (regulariser recording, dropout masks).</summary>
    void BeginEpoch(int epoch);

    /// <summary>Undoes <see cref="BeginEpoch"/>.</summary>
    void EndEpoch();

    /// <summary>Forward pass in training mode and the loss to minimise.</summary>
    ObjectiveLoss Loss(Tensor x, Tensor y);

    /// <summary>Class scores <c>[N, K]</c> whose arg-max is the prediction (the caller sets eval mode and no-grad).</summary>
    Tensor Scores(Tensor x);

    /// <summary>Writes the network's weights and <paramref name="metadata"/> to <paramref name="path"/>.</summary>
    void Save(string path, IReadOnlyDictionary<string, string> metadata);

    /// <summary>Loads the weights written by <see cref="Save"/> into the network; returns the stored metadata.</summary>
    /// <exception cref="InvalidDataException">The file is damaged or holds another network (the message names the file).</exception>
    IReadOnlyDictionary<string, string> Load(string path);
}

/// <summary>The loss of one batch and what the run logs about it.</summary>
/// <param name="Total">What is minimised.</param>
/// <param name="Task">The task loss alone.</param>
/// <param name="Regulariser">The regulariser (unweighted), or null when it is off.</param>
/// <param name="Scores">Detached class scores <c>[N, K]</c> for the running training accuracy.</param>
/// <param name="MaskedSamples">Samples the regulariser masked out.</param>
/// <param name="SilentExclusions">Silent responses the regulariser excluded.</param>
public sealed record ObjectiveLoss(Tensor Total, Tensor Task, Tensor? Regulariser, Tensor Scores, int MaskedSamples = 0, int SilentExclusions = 0);
