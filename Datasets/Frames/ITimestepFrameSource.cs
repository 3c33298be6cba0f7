namespace EventSnn.Datasets;

/// <summary>
/// A frame source whose samples are also available as <see cref="Timesteps"/> time slices (event data): the ANN
/// trains on the collapsed frame <see cref="IStaticFrameSource.CopySample"/> (the sum of the slices), and the
/// converted SNN is fed slice t at timestep t.
/// </summary>
public interface ITimestepFrameSource : IStaticFrameSource
{
    /// <summary>Slices per sample.</summary>
    int Timesteps { get; }

    /// <summary>Writes slice <paramref name="t"/> (0-based) of sample <paramref name="index"/>, C·H·W floats, unaugmented.</summary>
    void CopyTimestep(int index, int t, Span<float> destination);
}
