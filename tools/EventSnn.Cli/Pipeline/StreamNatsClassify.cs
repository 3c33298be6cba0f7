using System.CommandLine;
using System.Diagnostics;
using EventSnn.Pipeline.Binning;
using EventSnn.Pipeline.Nats;
using EventSnn.Pipeline.Network;

namespace EventSnn.Cli.Pipeline;

/// <summary>
/// <c>eventsnn stream classify --nats URL --model CKPT [--group NAME]</c>: a classifier worker of a group. Prints
/// decisions, notices and lease changes as they happen (JSON lines with <c>--json</c>) and the counters (the
/// pipeline's and the worker's NATS counters) every few seconds and on exit. Ctrl+C hands the held packets and
/// leases back and exits with code 0.
/// </summary>
internal static class StreamNatsClassify
{
    public sealed record Setup(CheckpointClassifierFactory Factory, OnlineBinningOptions Binning, ExitRule ExitRule, string CutoffText,
        ServingOptions Serving, TorchSharp.torch.Device Device, bool Fold, string Group, string? WorkerName, bool Json, double CountersEvery, double IdleExit, double Duration);

    public static Task<int> RunAsync(ParseResult parse, NatsCli nats, Setup setup, CancellationToken ct) => NatsCli.Guard("stream classify", async scrub =>
    {
        var output = new JsonLines(Console.Out);
        var endpoint = nats.Endpoint(parse);
        scrub.Endpoint = endpoint;
        NatsSubjects.CheckName(setup.Group, "--group");
        string worker = setup.WorkerName ?? $"{Environment.MachineName}-{Environment.ProcessId}";
        NatsSubjects.CheckName(worker, "--worker-name");
        if (setup.Binning.WindowUs <= 0) throw new ArgumentException("--nats workers cut bins by event time: give --bin-us");

        await using var connection = await endpoint.ConnectAsync($"eventsnn worker {worker}", ct);
        var topology = await NatsTopology.EnsureAsync(connection, nats.Topology(parse), ct);
        var info = setup.Factory.Model;
        // One network serves every stream of the partitions this worker holds, each in its own state slot.
        using var network = setup.Factory.Load(setup.Serving.MaxBatch, Math.Min(setup.Serving.MaxStreams, 16), setup.Device, setup.Fold);
        using var classifier = new InlineKeyedStreamClassifier(setup.Binning, network, setup.ExitRule, setup.Serving);
        var nw = new NatsWorker(connection, topology.Partitions, classifier, setup.Factory.Info.ClassNames, new NatsWorkerOptions { Group = setup.Group, Worker = worker });
        if (setup.Json) output.Write("start", new { Source = endpoint.Display, Group = setup.Group, Worker = worker, topology.Partitions, Model = info.Arch, info.T, BinUs = setup.Binning.WindowUs, Cutoff = setup.CutoffText,
            Device = setup.Device.ToString(), Folded = network.Folded, setup.Serving.MaxBatch, setup.Serving.MaxStreams });
        else Console.Error.WriteLine($"worker {worker} of group {setup.Group} on {endpoint.Display} ({topology.Partitions} partitions): model {info.Arch} T={info.T}, bins of {setup.Binning.WindowUs} µs, cutoff {setup.CutoffText}");

        nw.Decided += d =>
        {
            if (setup.Json) output.Write("decision", d);
            else output.WriteText($"{d.Stream}: {d.Label} (class {d.Class}, confidence {d.Confidence:0.000}) at step {d.Timestep} [{d.Reason}], event time {d.EventTimeUs} µs, {d.Events} events, latency {d.LatencyMs:0.000} ms");
        };
        nw.Noticed += n =>
        {
            if (setup.Json) output.Write("notice", n);
            else Console.Error.WriteLine($"{n.Stream}: {n.Kind}: {n.Message}");
        };
        nw.LeaseChanged += e =>
        {
            if (setup.Json) output.Write("lease", new { e.Partition, e.Action, e.PreviousOwner, e.Detail, Worker = worker });
            else Console.Error.WriteLine($"partition {e.Partition}: {e.Action.Replace('_', ' ')}{(e.PreviousOwner is { } p ? $" from {p}" : "")} ({e.Detail})");
        };

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        if (setup.Duration > 0) stop.CancelAfter(TimeSpan.FromSeconds(setup.Duration));
        var run = nw.RunAsync(stop.Token);
        var clock = Stopwatch.StartNew();
        double nextReport = setup.CountersEvery > 0 ? setup.CountersEvery : double.MaxValue;
        long lastConsumed = 0;
        var lastChange = Stopwatch.StartNew();
        while (!run.IsCompleted)
        {
            await Task.WhenAny(run, Task.Delay(100, CancellationToken.None));
            var n = nw.Counters.Snapshot();
            if (n.PacketsConsumed != lastConsumed) { lastConsumed = n.PacketsConsumed; lastChange.Restart(); }
            if (setup.IdleExit > 0 && lastConsumed > 0 && lastChange.Elapsed.TotalSeconds >= setup.IdleExit) stop.Cancel();
            if (clock.Elapsed.TotalSeconds >= nextReport)
            {
                nextReport += setup.CountersEvery;
                Report(output, setup.Json, nw, clock.Elapsed.TotalSeconds, final: false);
            }
        }
        await run;
        Report(output, setup.Json, nw, clock.Elapsed.TotalSeconds, final: true);
        return 0;
    });

    static void Report(JsonLines output, bool asJson, NatsWorker nw, double seconds, bool final)
    {
        var c = nw.ClassifierCounters.Snapshot();
        var n = nw.Counters.Snapshot();
        if (asJson)
        {
            output.Write("counters", new { Final = final, Seconds = Math.Round(seconds, 3), Counters = c, c.EventsAccounted, c.EventsInFlight, Nats = n });
            return;
        }
        output.WriteText($"counters{(final ? " (final)" : "")} after {seconds:0.0} s: events received {c.EventsReceived} = classified {c.EventsClassified}" +
                         $" + late {c.EventsDroppedLate} + out of range {c.EventsDroppedOutOfRange} + discarded {c.EventsDiscardedAtShutdown} + in flight {c.EventsInFlight};" +
                         $" decisions {c.Decisions}; NATS: packets consumed {n.PacketsConsumed} (redelivered {n.PacketsRedelivered}, duplicate {n.PacketsDuplicate}, malformed {n.PacketsMalformed})," +
                         $" acknowledged {n.PacketsAcknowledged}; already decided {n.EventsAlreadyDecided} events; leases held {n.LeasesHeld}, acquired {n.LeasesAcquired}, taken over {n.LeasesTakenOver}, released {n.LeasesReleased}, lost {n.LeasesLost};" +
                         $" restarts {n.ClassificationsRestarted}; decisions published {n.DecisionsPublished}, notices {n.NoticesPublished}");
    }
}
