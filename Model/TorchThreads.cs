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

#pragma warning disable SYSLIB1054 // plain libc calls with UTF-8 strings; no source-generated marshalling needed
    [DllImport("libc", CharSet = CharSet.Ansi)]
    private static extern int setenv(string name, string value, int overwrite);

    [DllImport("libc", CharSet = CharSet.Ansi)]
    private static extern IntPtr getenv(string name);
#pragma warning restore SYSLIB1054
}
