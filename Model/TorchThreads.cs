using System.Runtime.InteropServices;

namespace EventSnn.Model;

/// <summary>
/// How libtorch's OpenMP worker threads wait for work. libtorch (CPU) runs its parallel loops on libgomp, whose
/// threads by default spin for a while after each parallel region. On a machine whose cores are busy with other
/// processes, the spinning threads take the time slices the working threads need: on a 2-core machine at load
/// 8–10, one training epoch took 80–130 s with the default and 5–10 s with <c>OMP_WAIT_POLICY=PASSIVE</c> (the same
/// run otherwise). EventSnn's programs therefore ask for passive waiting unless the user chose a policy.
/// </summary>
public static class TorchThreads
{
    /// <summary>The environment variable libgomp reads once, when libtorch is loaded.</summary>
    public const string WaitPolicyVariable = "OMP_WAIT_POLICY";

    /// <summary>
    /// Sets <c>OMP_WAIT_POLICY=PASSIVE</c> in the process's native environment unless it is already set, and returns
    /// the policy in effect. It only has an effect when called before the first TorchSharp call of the process (libgomp
    /// reads the variable when it is loaded), so programs call it first thing.
    /// </summary>
    public static string UsePassiveWaitUnlessSet()
    {
        string? current = NativeGet(WaitPolicyVariable);
        if (!string.IsNullOrEmpty(current)) return current;
        if (OperatingSystem.IsWindows()) Environment.SetEnvironmentVariable(WaitPolicyVariable, "PASSIVE");
        else if (setenv(WaitPolicyVariable, "PASSIVE", 0) != 0)
            return "(default: setenv failed)";
        return NativeGet(WaitPolicyVariable) ?? "(default)";
    }

    /// <summary>The variable as native code (libgomp) sees it; on Unix .NET keeps its own copy of the environment.</summary>
    public static string? NativeGet(string name) =>
        OperatingSystem.IsWindows() ? Environment.GetEnvironmentVariable(name) : Marshal.PtrToStringUTF8(getenv(name));

    /// <summary>
    /// Runs independent jobs (each trains or evaluates its own network) on <paramref name="parallel"/> threads of their
    /// own, each thread with <c>max(1, cores / parallel)</c> libtorch threads however many jobs there are (a job's
    /// figures depend on its thread count, so a lone last job runs as it would beside another): on a small CPU, networks whose layers are too
    /// small to keep several cores busy train faster side by side, one core each, than one after the other on all of
    /// them. Results come back in job order. The first failure cancels the jobs not yet finished and is rethrown as it
    /// was thrown (not wrapped). With <paramref name="parallel"/> 1 the jobs run one after the other on the calling
    /// thread, with libtorch's threads as they are.
    /// </summary>
    /// <remarks>
    /// libtorch's intra-op thread count is a per-thread setting under OpenMP, so each worker sets its own. Jobs must not
    /// share a network, and must seed weight initialisation through <see cref="TorchRandom.Seeded"/>.
    /// </remarks>
    public static IReadOnlyList<T> RunSideBySide<T>(IReadOnlyList<Func<CancellationToken, T>> jobs, int parallel, CancellationToken cancel)
    {
        if (parallel < 1) throw new ArgumentOutOfRangeException(nameof(parallel), "at least one job at a time");
        var results = new T[jobs.Count];
        if (parallel == 1 || jobs.Count == 0)
        {
            for (int i = 0; i < jobs.Count; i++) { cancel.ThrowIfCancellationRequested(); results[i] = jobs[i](cancel); }
            return results;
        }
        int threadsEach = Math.Max(1, Environment.ProcessorCount / parallel);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        int next = -1;
        System.Runtime.ExceptionServices.ExceptionDispatchInfo? failure = null;
        var workers = Enumerable.Range(0, Math.Min(parallel, jobs.Count)).Select(w => new Thread(() =>
        {
            TorchSharp.torch.set_num_threads(threadsEach);
            int i;
            while ((i = Interlocked.Increment(ref next)) < jobs.Count && !stop.IsCancellationRequested)
            {
                try { results[i] = jobs[i](stop.Token); }
                catch (Exception e)
                {
                    Interlocked.CompareExchange(ref failure, System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e), null);
                    stop.Cancel();
                }
            }
        }, maxStackSize: 16 << 20) { IsBackground = true, Name = $"model job {w}" }).ToList();
        foreach (var t in workers) t.Start();
        foreach (var t in workers) t.Join();
        failure?.Throw();
        cancel.ThrowIfCancellationRequested();
        return results;
    }

#pragma warning disable SYSLIB1054 // plain libc calls with UTF-8 strings; no source-generated marshalling needed
    [DllImport("libc", CharSet = CharSet.Ansi)]
    private static extern int setenv(string name, string value, int overwrite);

    [DllImport("libc", CharSet = CharSet.Ansi)]
    private static extern IntPtr getenv(string name);
#pragma warning restore SYSLIB1054
}
