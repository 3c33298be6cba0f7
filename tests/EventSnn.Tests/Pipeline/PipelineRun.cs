using System.Collections.Concurrent;
using EventSnn.Pipeline;
using EventSnn.Pipeline.Flow;
using EventSnn.Pipeline.Network;
using EventSnn.Pipeline.Sources;

namespace EventSnn.Tests.Pipeline;

/// <summary>Runs a pipeline in the background and collects what it publishes.</summary>
internal sealed class PipelineRun : IAsyncDisposable
{
    public readonly StreamPipeline Pipeline;
    public readonly ConcurrentQueue<StreamDecision> Decisions = new();
    public readonly ConcurrentQueue<StreamNotice> Notices = new();
    public readonly CancellationTokenSource Stop = new();
    public readonly Task Task;
    public bool DecisionsCompleted;

    public PipelineRun(StreamPipeline pipeline, IEventSource source)
    {
        Pipeline = pipeline;
        pipeline.Decisions.Subscribe(Decisions.Enqueue, _ => { }, () => DecisionsCompleted = true);
        pipeline.Notices.Subscribe(Notices.Enqueue);
        Task = Task.Run(() => pipeline.RunAsync(source, Stop.Token));
    }

    public PipelineCountersSnapshot Counters => Pipeline.Counters.Snapshot();

    /// <summary>Waits until <paramref name="done"/> holds or <paramref name="timeout"/> passes; returns whether it held.</summary>
    public static async Task<bool> Until(Func<bool> done, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!done())
        {
            if (DateTime.UtcNow > deadline) return false;
            await Task.Delay(10);
        }
        return true;
    }

    /// <summary>Cancels and waits (bounded) for every stage to stop.</summary>
    public async Task<PipelineCountersSnapshot> CancelAndWait()
    {
        Stop.Cancel();
        await Task.WaitAsync(TimeSpan.FromSeconds(20));
        return Counters;
    }

    public async ValueTask DisposeAsync()
    {
        Stop.Cancel();
        try { await Task.WaitAsync(TimeSpan.FromSeconds(20)); } catch (Exception) { }
        Stop.Dispose();
    }

    /// <summary>The counters' identity, with a message naming every term when it fails.</summary>
    public static void AssertBalanced(PipelineCountersSnapshot s)
    {
        Assert.True(s.EventsInFlight == 0, $"events received {s.EventsReceived} != accounted {s.EventsAccounted}: {s}");
    }
}
