using EventSnn.Model.Cutoff;

namespace EventSnn.Tests.Cutoff;

/// <summary>Small output sets whose calibration and metrics are worked out by hand in the tests.</summary>
internal static class HandBuilt
{
    /// <summary>
    /// N=3, T=2, K=3. Accumulated Y, gaps and correctness:
    /// s0 (label 0): Y1=[2,0,0] gap 2 ✓, Y2=[3,0,0] gap 3 ✓.
    /// s1 (label 1): Y1=[1,0,0] gap 1 ✗, Y2=[1,3,0] gap 2 ✓.
    /// s2 (label 2): Y1=[0,0,4] gap 4 ✓, Y2=[0,4,0] gap 4 ✗.
    /// </summary>
    public static OutputSet ThreeSamples() => new(3, 2, 3,
    [
        2, 0, 0, /* t2 */ 1, 0, 0,
        1, 0, 0, /* t2 */ 0, 3, 0,
        0, 0, 4, /* t2 */ 0, 4, -4,
    ], [0, 1, 2]);
}
