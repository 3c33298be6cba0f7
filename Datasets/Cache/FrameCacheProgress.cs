namespace EventSnn.Datasets;

/// <summary>Progress of a frame-cache build: <see cref="Done"/> of <see cref="Total"/> samples binned; <see cref="Stage"/> says what is happening.</summary>
public readonly record struct FrameCacheProgress(int Done, int Total, string Stage)
{
    /// <summary>Fraction done in [0, 1].</summary>
    public double Fraction => Total == 0 ? 1 : (double)Done / Total;
}
