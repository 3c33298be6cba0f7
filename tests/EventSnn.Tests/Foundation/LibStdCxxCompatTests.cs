using EventSnn.Build;

namespace EventSnn.Tests.Foundation;

/// <summary>The ELF version-need retargeting of build/LibStdCxxCompat.cs, on the pristine shim from the NuGet cache.</summary>
public class LibStdCxxCompatTests
{
    static string? PristineShim()
    {
        string root = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        string dir = Path.Combine(root, "torchsharp");
        if (!Directory.Exists(dir)) return null;
        return Directory.GetFiles(dir, "libLibTorchSharp.so", SearchOption.AllDirectories).FirstOrDefault();
    }

    [Fact]
    public void ElfHashMatchesTheHashesTheLinkerStored()
    {
        string? shim = PristineShim();
        Assert.True(shim != null, "TorchSharp's pristine libLibTorchSharp.so was not found in the NuGet cache");
        var needs = ElfVersionNeed.ListNeeds(File.ReadAllBytes(shim!));
        Assert.NotEmpty(needs);
        foreach (var need in needs) Assert.Equal(need.Hash, ElfVersionNeed.ElfHash(need.Version));
    }

    [Fact]
    public void RetargetRemovesTheUnavailableVersionNeedAndKeepsTheRest()
    {
        string? shim = PristineShim();
        Assert.True(shim != null, "TorchSharp's pristine libLibTorchSharp.so was not found in the NuGet cache");
        byte[] bytes = File.ReadAllBytes(shim!);
        var before = ElfVersionNeed.ListNeeds(bytes);
        Assert.Contains(before, n => n.Version == "GLIBCXX_3.4.32");

        Assert.Equal(RetargetResult.Patched, ElfVersionNeed.Retarget(bytes, "GLIBCXX_3.4.32", "GLIBCXX_3.4.30"));
        var after = ElfVersionNeed.ListNeeds(bytes);
        Assert.DoesNotContain(after, n => n.Version == "GLIBCXX_3.4.32");
        Assert.Equal(before.Count, after.Count);
        // Every other entry is unchanged.
        for (int i = 0; i < before.Count; i++)
            if (before[i].Version != "GLIBCXX_3.4.32") Assert.Equal(before[i], after[i]);

        // Idempotent: a second pass finds nothing to do.
        Assert.Equal(RetargetResult.NotNeeded, ElfVersionNeed.Retarget(bytes, "GLIBCXX_3.4.32", "GLIBCXX_3.4.30"));
    }

    [Fact]
    public void TheShimInTheTestOutputIsPatchedOnlyIfTheSystemLacksTheVersion()
    {
        string outShim = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        if (!OperatingSystem.IsLinux() || !File.Exists(outShim)) return; // Only Linux output folders carry this shim.
        bool? provides = SystemLibStdCxx.Provides("GLIBCXX_3.4.32");
        var needs = ElfVersionNeed.ListNeeds(File.ReadAllBytes(outShim));
        bool stillNeeds = needs.Any(n => n.Version == "GLIBCXX_3.4.32");
        if (provides == false) Assert.False(stillNeeds, "system lacks GLIBCXX_3.4.32 but the output shim still needs it");
        if (provides == true) Assert.True(stillNeeds, "system has GLIBCXX_3.4.32 but the output shim was modified");
    }

    [Fact]
    public void GarbageIsRejectedWithAClearError()
    {
        var e = Assert.Throws<InvalidDataException>(() => ElfVersionNeed.ListNeeds(new byte[100]));
        Assert.Contains("magic", e.Message);
    }
}
