namespace EventSnn.Model.Cutoff;

/// <summary>
/// Replays a policy over recorded per-step outputs exactly as a streaming run would see them: the running
/// float sum <c>Y(t)</c> is offered at t = 1, 2, …; the first step where the policy agrees, or T, is the exit
/// (METHOD.md §2.3: the last step is forced).
/// </summary>
public static class CutoffSimulator
{
    /// <summary>Applies <paramref name="policy"/> to every sample of <paramref name="set"/>.</summary>
    public static CutoffOutcome Apply(OutputSet set, ICutoffPolicy policy)
    {
        int n = set.N, T = set.T, K = set.K;
        var exits = new int[n];
        var preds = new int[n];
        var correct = new bool[n];
        var y = new float[K];
        for (int i = 0; i < n; i++)
        {
            Array.Clear(y);
            for (int t = 1; t <= T; t++)
            {
                var o = set.Step(i, t - 1);
                for (int k = 0; k < K; k++) y[k] += o[k];
                if (t == T || policy.ShouldExit(y, t))
                {
                    exits[i] = t;
                    preds[i] = OutputStatistics.Argmax(y);
                    correct[i] = preds[i] == set.Labels[i];
                    break;
                }
            }
        }
        return new CutoffOutcome(policy.Policy, policy.Parameter, policy.Setting, policy.Thresholds, T, exits, preds, correct);
    }
}
