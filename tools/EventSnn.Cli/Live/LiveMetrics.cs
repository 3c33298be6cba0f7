using EventSnn.Pipeline.Flow;
using EventSnn.Pipeline.Live;
using EventSnn.Pipeline.Network;
using Prometheus;

namespace EventSnn.Cli.Live;

/// <summary>What the metrics read from a running pipeline at each scrape.</summary>
/// <param name="Counters">The pipeline's counters now.</param>
/// <param name="IngressDepth">Batches queued before the binner now.</param>
/// <param name="BinsDepth">Bins queued before the network stage now.</param>
/// <param name="IngressCapacity">Capacity of the ingress queue.</param>
/// <param name="BinsCapacity">Capacity of the bin queue.</param>
internal sealed record LiveCounters(PipelineCountersSnapshot Counters, int IngressDepth, int BinsDepth, int IngressCapacity, int BinsCapacity);

/// <summary>
/// The Prometheus metrics of <c>/metrics</c>, kept in their own registry (prometheus-net): the pipeline's
/// counters (copied at each scrape), queue depths, decisions by class and reason, decision latency and
/// exit-step histograms, and the live feed's own counts. Names follow Prometheus conventions
/// (<c>_total</c> for counters, base units: seconds).
/// </summary>
internal sealed class LiveMetrics
{
    readonly CollectorRegistry _registry = Metrics.NewCustomRegistry();
    readonly Counter _decisions;
    readonly Histogram _latency;
    readonly Histogram _exitStep;

    public LiveMetrics(Func<LiveCounters> read, LiveFeed feed, int timesteps)
    {
        var f = Metrics.WithCustomRegistry(_registry);
        Counter C(string name, string help) => f.CreateCounter("eventsnn_" + name, help);
        var received = C("events_received_total", "Events decoded by the source.");
        var classified = C("events_classified_total", "Events inside bins the network stage stepped on.");
        var dropped = f.CreateCounter("eventsnn_events_dropped_total", "Events not classified, by where they were lost.", new CounterConfiguration { LabelNames = ["stage"] });
        var binsClosed = f.CreateCounter("eventsnn_bins_closed_total", "Bins closed, by what closed them.", new CounterConfiguration { LabelNames = ["reason"] });
        var binsClassified = C("bins_classified_total", "Bins the network stage stepped on.");
        var binsDropped = C("bins_dropped_total", "Bins dropped because the queue to the network stage was full.");
        var batchesDropped = C("batches_dropped_ingress_total", "Batches dropped between the socket reader and the binner.");
        var restarted = C("classifications_restarted_total", "Stream states reset without a decision because bins of the stream were dropped.");
        var datagrams = C("datagrams_received_total", "UDP datagrams read.");
        var datagramsMalformed = C("datagrams_malformed_total", "UDP datagrams skipped as malformed.");
        var packets = C("packets_received_total", "AEDAT 4 packets read.");
        var packetsBad = f.CreateCounter("eventsnn_packets_rejected_total", "AEDAT 4 packets not decoded, by why.", new CounterConfiguration { LabelNames = ["why"] });
        var bytes = C("bytes_received_total", "Bytes read from sockets.");
        var connections = C("connections_total", "TCP connections established.");
        var inFlight = f.CreateGauge("eventsnn_events_in_flight", "Events received but not yet classified or dropped (queued or in an open bin).");
        var depth = f.CreateGauge("eventsnn_queue_depth", "Items queued between two stages now.", new GaugeConfiguration { LabelNames = ["queue"] });
        var capacity = f.CreateGauge("eventsnn_queue_capacity", "Items a queue holds before its drop policy applies.", new GaugeConfiguration { LabelNames = ["queue"] });
        var totalDecisions = C("decisions_emitted_total", "Decisions emitted by the network stage (the pipeline counter).");
        var viewers = f.CreateGauge("eventsnn_live_viewers", "Viewers connected to /events now.");
        var updates = C("live_stream_updates_sent_total", "Stream updates (bars and bin image) sent to viewers, all viewers together.");
        var steps = C("live_steps_seen_total", "Network steps seen by the live feed.");
        var skipped = C("live_steps_skipped_total", "Steps the live feed skipped because a viewer was copying that stream's state.");
        _decisions = f.CreateCounter("eventsnn_decisions_total", "Decisions, by predicted class and reason.", new CounterConfiguration { LabelNames = ["class", "reason"] });
        _latency = f.CreateHistogram("eventsnn_decision_latency_seconds", "Wall-clock time from the arrival of the deciding bin's last event to the decision.",
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.0001, 2, 16) });
        _exitStep = f.CreateHistogram("eventsnn_exit_step", "Timestep at which decisions were taken (1..T).",
            new HistogramConfiguration { Buckets = Enumerable.Range(1, Math.Max(1, timesteps)).Select(t => (double)t).ToArray() });

        _registry.AddBeforeCollectCallback(() =>
        {
            var now = read();
            var c = now.Counters;
            received.IncTo(c.EventsReceived);
            classified.IncTo(c.EventsClassified);
            dropped.WithLabels("ingress").IncTo(c.EventsDroppedIngress);
            dropped.WithLabels("late").IncTo(c.EventsDroppedLate);
            dropped.WithLabels("out_of_range").IncTo(c.EventsDroppedOutOfRange);
            dropped.WithLabels("dropped_bin").IncTo(c.EventsInDroppedBins);
            dropped.WithLabels("shutdown").IncTo(c.EventsDiscardedAtShutdown);
            binsClosed.WithLabels("event_time").IncTo(c.BinsClosedByEventTime);
            binsClosed.WithLabels("event_count").IncTo(c.BinsClosedByEventCount);
            binsClosed.WithLabels("quiet_period").IncTo(c.BinsClosedByQuietPeriod);
            binsClosed.WithLabels("stream_end").IncTo(c.BinsClosedByStreamEnd);
            binsClassified.IncTo(c.BinsClassified);
            binsDropped.IncTo(c.BinsDropped);
            batchesDropped.IncTo(c.BatchesDroppedIngress);
            restarted.IncTo(c.ClassificationsRestarted);
            datagrams.IncTo(c.DatagramsReceived);
            datagramsMalformed.IncTo(c.DatagramsMalformed);
            packets.IncTo(c.PacketsReceived);
            packetsBad.WithLabels("malformed").IncTo(c.PacketsMalformed);
            packetsBad.WithLabels("truncated").IncTo(c.PacketsTruncated);
            packetsBad.WithLabels("other_stream").IncTo(c.PacketsOtherStream);
            bytes.IncTo(c.BytesReceived);
            connections.IncTo(c.Connections);
            totalDecisions.IncTo(c.Decisions);
            inFlight.Set(c.EventsInFlight);
            depth.WithLabels("ingress").Set(now.IngressDepth);
            depth.WithLabels("bins").Set(now.BinsDepth);
            capacity.WithLabels("ingress").Set(now.IngressCapacity);
            capacity.WithLabels("bins").Set(now.BinsCapacity);
            viewers.Set(feed.Viewers);
            updates.IncTo(feed.UpdatesSent);
            steps.IncTo(feed.StepsSeen);
            skipped.IncTo(feed.StepsSkipped);
        });
    }

    /// <summary>Counts one decision (call from the decision stream).</summary>
    public void Observe(StreamDecision d)
    {
        _decisions.WithLabels(d.Label, ReasonName(d.Reason)).Inc();
        _latency.Observe(d.LatencyMs / 1000.0);
        _exitStep.Observe(d.Timestep);
    }

    /// <summary>The reason as the JSON lines spell it.</summary>
    public static string ReasonName(DecisionReason r) => r switch
    {
        DecisionReason.Cutoff => "cutoff",
        DecisionReason.MaxTimesteps => "max_timesteps",
        _ => "stream_end",
    };

    /// <summary>Writes every metric in the Prometheus text format.</summary>
    public Task WriteAsync(Stream destination, CancellationToken cancellationToken) => _registry.CollectAndExportAsTextAsync(destination, cancellationToken);
}
