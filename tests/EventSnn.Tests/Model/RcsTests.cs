using EventSnn.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace EventSnn.Tests.Model;

/// <summary>RCS (METHOD.md §3.2) on hand-built tensors.</summary>
[Collection(TorchCollection.Name)]
public class RcsTests
{
    // R[t][n][d] for T=4 (k = ⌊1.2⌋ = 1: the reference is the last step), N=3, D=2.
    //  n0: [1,0] [1,1] [0,1] [1,1]  → Rd=[1,1]; cos ≈ .70711, 1, .70711, 1 → c ≈ .85355 → q ≈ 1.17157
    //  n1: [0,0] [0,0] [0,0] [0,2]  → Rd=[0,2]; cos = 0, 0, 0, ≈1           → c ≈ .25    → q ≈ 4
    //  n2: all zero (silent layer)  → Rd=0: left out of the max
    private static readonly float[,,] R4 =
    {
        { { 1, 0 }, { 0, 0 }, { 0, 0 } },
        { { 1, 1 }, { 0, 0 }, { 0, 0 } },
        { { 0, 1 }, { 0, 0 }, { 0, 0 } },
        { { 1, 1 }, { 0, 2 }, { 0, 0 } },
    };

    private static Tensor ToTensor(float[,,] a, bool grad = false)
    {
        int t = a.GetLength(0), n = a.GetLength(1), d = a.GetLength(2);
        var flat = new float[t * n * d];
        Buffer.BlockCopy(a, 0, flat, 0, flat.Length * sizeof(float));
        return torch.tensor(flat, new long[] { t, n, d }, requires_grad: grad);
    }

    // Outputs O[T,N,K=2] whose argmax is given per (t, n).
    private static Tensor Outputs(int[,] argmax)
    {
        int t = argmax.GetLength(0), n = argmax.GetLength(1);
        var o = new float[t * n * 2];
        for (int i = 0; i < t; i++) for (int j = 0; j < n; j++) o[(i * n + j) * 2 + argmax[i, j]] = 1f;
        return torch.tensor(o, new long[] { t, n, 2 });
    }

    [Fact]
    public void InverseCosineMatchesHandValues()
    {
        using var scope = NewDisposeScope();
        var (q, silent) = new RcsRegulariser().InverseCosine(ToTensor(R4));
        var qs = q.data<float>().ToArray();
        double c0 = (2 / (Math.Sqrt(1 + 1e-5) * Math.Sqrt(2 + 1e-5)) + 2 * 2 / (2 + 1e-5)) / 4;
        Assert.Equal(1 / (c0 + 1e-5), qs[0], 4);
        Assert.Equal(1.17157, qs[0], 3);
        Assert.Equal(1 / (4 / (4 + 1e-5) / 4 + 1e-5), qs[1], 3);
        Assert.Equal(new[] { false, false, true }, silent.data<bool>().ToArray());
    }

    [Fact]
    public void MaskUsesTheLastStepsOfPerStepOutputsAndTheMaxIsOverTheBatch()
    {
        using var scope = NewDisposeScope();
        var rcs = new RcsRegulariser();
        var labels = torch.tensor(new long[] { 1, 1, 1 });
        // all correct at the last step (kp = 1 for T = 4); n1 wrong at t0, which the mask must ignore
        var r = rcs.Compute([ToTensor(R4)], Outputs(new[,] { { 1, 0, 1 }, { 1, 1, 1 }, { 1, 1, 1 }, { 1, 1, 1 } }), labels);
        Assert.Equal(4.0, r.Loss.item<float>(), 3);          // max(q0 ≈ 1.17, q1 ≈ 4); silent n2 excluded
        Assert.Equal(3, r.MaskedSamples);
        Assert.Equal(1, r.SilentExclusions);
        // n1 wrong at the last step → masked out → the max is q0
        r = rcs.Compute([ToTensor(R4)], Outputs(new[,] { { 1, 1, 1 }, { 1, 1, 1 }, { 1, 1, 1 }, { 1, 0, 1 } }), labels);
        Assert.Equal(1.17157, r.Loss.item<float>(), 3);
        Assert.Equal(2, r.MaskedSamples);
        // nobody correct → 0
        r = rcs.Compute([ToTensor(R4)], Outputs(new[,] { { 0, 0, 0 }, { 0, 0, 0 }, { 0, 0, 0 }, { 0, 0, 0 } }), labels);
        Assert.Equal(0.0, r.Loss.item<float>(), 6);
    }

    [Fact]
    public void LayersAreAveraged()
    {
        using var scope = NewDisposeScope();
        var labels = torch.tensor(new long[] { 1, 1, 1 });
        var outputs = Outputs(new[,] { { 1, 1, 1 }, { 1, 1, 1 }, { 1, 1, 1 }, { 1, 1, 1 } });
        var constant = torch.ones(4, 3, 5);                          // cos = 1 at every t → q ≈ 1 for every sample
        var r = new RcsRegulariser().Compute([ToTensor(R4), constant], outputs, labels);
        Assert.Equal((4.0 + 1.0) / 2, r.Loss.item<float>(), 3);
    }

    [Fact]
    public void MaskWindowIsTheLastThirtyPercentForT10()
    {
        using var scope = NewDisposeScope();
        var rcs = new RcsRegulariser();
        var labels = torch.tensor(new long[] { 1, 1 });
        var am = new int[10, 2];
        for (int t = 0; t < 10; t++) { am[t, 0] = 1; am[t, 1] = 1; }
        am[6, 0] = 0;   // outside the last ⌊3.0⌋ = 3 steps (7, 8, 9): still counted
        am[8, 1] = 0;   // inside: excluded
        var mask = rcs.Mask(Outputs(am), labels).data<float>().ToArray();
        Assert.Equal(new[] { 1f, 0f }, mask);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 1)]
    [InlineData(4, 1)]
    [InlineData(10, 3)]
    [InlineData(16, 4)]
    public void ShortSequencesUseAtLeastTheLastStep(int t, int k) => Assert.Equal(k, RcsRegulariser.TrailingSteps(t, 0.3));

    [Fact]
    public void ReferenceForShortSequencesIsTheLastStepNotAllSteps()
    {
        // T = 2: ⌊0.6⌋ = 0. The reference must be R[1] = [0,1], not the mean of both steps.
        using var scope = NewDisposeScope();
        var r = torch.tensor(new float[] { 1, 0, 0, 1 }, new long[] { 2, 1, 2 });
        var q = new RcsRegulariser().InverseCosine(r).Q.item<float>();
        double c = (0 + 1 / (1 + 1e-5)) / 2;
        Assert.Equal(1 / (c + 1e-5), q, 3);   // ≈ 2; with the all-steps reference it would be ≈ 1.41
    }

    // q for sample n with the reference either recomputed from r or frozen to refOverride.
    private static double Q(double[,] r, double[]? refOverride)
    {
        int t = r.GetLength(0), d = r.GetLength(1);
        var rd = refOverride ?? Enumerable.Range(0, d).Select(j => r[t - 1, j]).ToArray(); // k = 1 for T = 4
        double rdn = Math.Sqrt(rd.Sum(v => v * v) + 1e-5), c = 0;
        for (int i = 0; i < t; i++)
        {
            double dot = 0, n = 0;
            for (int j = 0; j < d; j++) { dot += r[i, j] * rd[j]; n += r[i, j] * r[i, j]; }
            c += dot / (Math.Sqrt(n + 1e-5) * rdn);
        }
        return 1 / (c / t + 1e-5);
    }

    [Fact]
    public void GradientFlowsIntoResponsesButNotThroughTheReference()
    {
        using var scope = NewDisposeScope();
        double[,] r0 = { { 1, 0.2 }, { 0.5, 1 }, { 0.3, 0.1 }, { 0.9, 0.4 } };
        var leaf = torch.tensor(new[] { 1, 0.2, 0.5, 1, 0.3, 0.1, 0.9, 0.4 }, new long[] { 4, 1, 2 }, dtype: ScalarType.Float64, requires_grad: true);
        var outputs = torch.tensor(new double[] { 0, 1, 0, 1, 0, 1, 0, 1 }, new long[] { 4, 1, 2 }, dtype: ScalarType.Float64);
        var res = new RcsRegulariser().Compute([leaf], outputs, torch.tensor(new long[] { 1 }));
        res.Loss.backward();
        var grad = leaf.grad!.data<double>().ToArray();
        var frozen = new[] { r0[3, 0], r0[3, 1] };
        const double h = 1e-6;
        bool differsFromFull = false;
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 2; j++)
            {
                var plus = (double[,])r0.Clone(); plus[i, j] += h;
                var minus = (double[,])r0.Clone(); minus[i, j] -= h;
                double fdFrozen = (Q(plus, frozen) - Q(minus, frozen)) / (2 * h);
                double fdFull = (Q(plus, null) - Q(minus, null)) / (2 * h);
                Assert.Equal(fdFrozen, grad[i * 2 + j], 5);
                Assert.NotEqual(0.0, grad[i * 2 + j]);
                if (Math.Abs(fdFull - fdFrozen) > 1e-3) differsFromFull = true;
            }
        Assert.True(differsFromFull, "the reference step's gradient must differ from one that flows through the reference");
    }

    [Fact]
    public void RcsGradientReachesTheInputThroughSpikesAndMembrane()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(5);
        using var lif = new LifNeuron { RecordResponse = true };
        var leaf = (torch.rand(6, 2, 8) * 1.5).requires_grad_(true);
        lif.ForwardMultiStep(leaf).Dispose();
        using var response = lif.TakeResponse()!;
        var outputs = torch.zeros(6, 2, 3); outputs[.., .., 0] = 1;
        var res = new RcsRegulariser().Compute([response], outputs, torch.tensor(new long[] { 0, 0 }));
        res.Loss.backward();
        Assert.True(leaf.grad!.abs().sum().item<float>() > 0);
    }
}
