using EventSnn.Model;
using Xunit;

namespace EventSnn.Tests.Model;

/// <summary>Independent jobs on their own threads: results in job order, the first failure as thrown, the rest stopped.</summary>
public class SideBySideTests
{
    [Fact]
    public void ResultsComeBackInJobOrderFromSeparateThreads()
    {
        var threads = new int[5];
        var jobs = Enumerable.Range(0, 5).Select(i => (Func<CancellationToken, int>)(_ =>
        {
            threads[i] = Environment.CurrentManagedThreadId;
            Thread.Sleep(10 * (5 - i));   // later jobs finish first
            return i * i;
        })).ToList();
        var results = TorchThreads.RunSideBySide(jobs, parallel: 2, CancellationToken.None);
        Assert.Equal([0, 1, 4, 9, 16], results);
        Assert.DoesNotContain(Environment.CurrentManagedThreadId, threads);
        Assert.InRange(threads.Distinct().Count(), 1, 2);
    }

    [Fact]
    public void TheFirstFailureIsRethrownAsItWasAndStopsTheOtherJobs()
    {
        int started = 0;
        var jobs = Enumerable.Range(0, 6).Select(i => (Func<CancellationToken, int>)(ct =>
        {
            Interlocked.Increment(ref started);
            if (i == 0) throw new InvalidDataException("job 0 failed");
            for (int k = 0; k < 200 && !ct.IsCancellationRequested; k++) Thread.Sleep(5);
            ct.ThrowIfCancellationRequested();
            return i;
        })).ToList();
        var e = Assert.Throws<InvalidDataException>(() => TorchThreads.RunSideBySide(jobs, parallel: 2, CancellationToken.None));
        Assert.Equal("job 0 failed", e.Message);
        Assert.True(started < 6, $"{started} jobs started after the first failed");
    }

    [Fact]
    public void OneAtATimeRunsOnTheCallingThread()
    {
        int caller = Environment.CurrentManagedThreadId;
        var results = TorchThreads.RunSideBySide([_ => Environment.CurrentManagedThreadId], parallel: 1, CancellationToken.None);
        Assert.Equal(caller, results[0]);
    }
}
