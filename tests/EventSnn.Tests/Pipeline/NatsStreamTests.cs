using EventSnn.Model.Cutoff;
using System.Diagnostics;
using System.Text.Json;
using EventSnn.Datasets.Synthetic;
using EventSnn.Ingest;
using EventSnn.Pipeline;
using EventSnn.Pipeline.Binning;
using EventSnn.Pipeline.Nats;
using EventSnn.Pipeline.Network;
using NATS.Client.Core;
using NATS.Client.JetStream;
using Xunit.Abstractions;

namespace EventSnn.Tests.Pipeline;

/// <summary>
/// Cameras and classifier workers meeting on a real nats-server (JetStream) on loopback, as separate
/// <c>eventsnn</c> processes: <c>stream publish</c>, <c>stream classify --nats</c>, <c>stream decisions</c>.
/// </summary>
[Collection(StreamCliCollection.Name)]
public class NatsStreamTests(GestureCheckpointFixture gestures, ITestOutputHelper output)
{
    static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);
    const long BinUs = GestureCheckpointFixture.WindowUs / GestureCheckpointFixture.T;

    static JsonElement Json(string line) => JsonDocument.Parse(line).RootElement;

    static readonly Lazy<(string Dir, List<(string Id, string Path, int Events)> Streams)> Recordings = new(MakeRecordings);

    // Twelve different recordings of 1.8 s each, cut from one synthetic gesture trial at different starts.
    static (string, List<(string, string, int)>) MakeRecordings()
    {
        string dir = Fixtures.TempDir("eventsnn-nats-recordings");
        var options = new SyntheticOptions { Trials = 2, WindowSeconds = 0.6, Seed = 23, WriteArchive = false, WriteFolder = false };
        var (events, labels) = SyntheticGestureDataset.GenerateTrial(options, 0);
        var list = new List<(string, string, int)>();
        using (events)
        {
            for (int k = 0; k < 12; k++)
            {
                long start = labels[k % labels.Count].StartUs + (k >= labels.Count ? 300_000 : 0);
                long end = start + 1_800_000;
                var t = events.T;
                int a = 0;
                while (a < t.Length && t[a] < start) a++;
                int b = a;
                while (b < t.Length && t[b] < end) b++;
                using var cut = events.Slice(a, b - a);
                string path = Path.Combine(dir, $"camera{k:00}.aedat");
                EventFile.Write(path, cut);
                list.Add(($"camera{k:00}", path, b - a));
            }
        }
        return (dir, list);
    }

    readonly Dictionary<string, List<StreamDecision>> _offline = new();

    // The decisions of classifying the recording alone, offline (cached: the tests ask often).
    List<StreamDecision> Offline(string path)
    {
        if (_offline.TryGetValue(path, out var known)) return known;
        var factory = new CheckpointClassifierFactory(gestures.Checkpoint);
        using var model = factory.Load(maxBatch: 1);
        var (rule, _) = factory.LoadExitRule(CutoffPolicyKind.Fixed);
        var binning = new OnlineBinningOptions { WindowUs = BinUs, Width = 32, Height = 32, Downsample = 4 };
        using var recording = EventFile.ReadAll(path).Events;
        return _offline[path] = StreamPipeline.ClassifyOffline("offline", recording, binning, model, rule).ToList();
    }

    ChildProcess Worker(NatsServer server, string name) =>
        new("stream", "classify", "--nats", server.Url, "--model", gestures.Checkpoint, "--json", "--quiet-ms", "0", "--cutoff", "fixed",
            "--counters-every", "1", "--worker-name", name);

    // Polls (every 100 ms: the machine is small) and fails with the workers' output when time runs out.
    static async Task WaitFor(Func<bool> done, TimeSpan timeout, IEnumerable<ChildProcess>? show = null, [System.Runtime.CompilerServices.CallerArgumentExpression(nameof(done))] string what = "")
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!done())
        {
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"not within {timeout.TotalSeconds} s: {what}\n" + string.Join("\n----\n", (show ?? []).Select(p => p.Transcript)));
            await Task.Delay(100);
        }
    }

    static IEnumerable<JsonElement> Lines(ChildProcess p, string type) =>
        p.Out.Where(l => l.StartsWith('{')).Select(Json).Where(j => j.GetProperty("type").GetString() == type);

    static int Held(ChildProcess p)
    {
        int held = 0;
        foreach (var l in Lines(p, "lease"))
            held += l.GetProperty("action").GetString() is "acquired" or "taken_over" ? 1 : -1;
        return held;
    }

    // Waits until the workers hold every partition between them, each at least one.
    static async Task SettleAsync(IReadOnlyList<ChildProcess> workers)
    {
        await WaitFor(() => workers.All(w => Held(w) >= 1) && workers.Sum(Held) == NatsSubjects.DefaultPartitions, Limit, workers);
    }

    static List<JsonElement> Stored(NatsServer server)
    {
        var (code, stdout, stderr) = EventSnnProcess.Run(Limit, null, "stream", "decisions", "--nats", server.Url, "--json");
        Assert.True(code == 0, stderr);
        return stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(Json).ToList();
    }

    static Dictionary<string, long> Published(string stdout) =>
        stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(Json).Where(j => j.GetProperty("type").GetString() == "published")
            .ToDictionary(j => j.GetProperty("id").GetString()!, j => j.GetProperty("events").GetInt64());

    string[] PublishArgs(NatsServer server, double speed)
    {
        var args = new List<string> { "stream", "publish" };
        args.AddRange(Recordings.Value.Streams.Select(s => s.Path));
        args.Add("--id");
        args.AddRange(Recordings.Value.Streams.Select(s => s.Id));
        args.AddRange(["--nats", server.Url, "--speed", speed.ToString(System.Globalization.CultureInfo.InvariantCulture), "--json"]);
        return args.ToArray();
    }

    // Per stream: the stored decisions equal the offline ones, and events published = classified + dropped + lost in restarted spans.
    void CheckStored(List<JsonElement> stored, Dictionary<string, long> published, bool exact)
    {
        var decisions = stored.Where(j => j.GetProperty("type").GetString() == "decision").ToList();
        var notices = stored.Where(j => j.GetProperty("type").GetString() == "notice").ToList();
        var ids = decisions.Select(d => d.GetProperty("msg_id").GetString()).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        var windows = decisions.Select(d => (d.GetProperty("stream").GetString(), d.GetProperty("start_time_us").GetInt64())).ToList();
        Assert.Equal(windows.Count, windows.Distinct().Count());
        foreach (var (id, path, events) in Recordings.Value.Streams)
        {
            Assert.Equal(events, published[id]);
            var mine = decisions.Where(d => d.GetProperty("stream").GetString() == id).OrderBy(d => d.GetProperty("start_time_us").GetInt64()).ToList();
            Assert.True(mine.Count > 0, $"stream {id}: no stored decision; notices: " +
                string.Join("; ", notices.Where(n => n.GetProperty("stream").GetString() == id).Select(n => n.GetRawText())) +
                $"; streams with decisions: {string.Join(", ", decisions.Select(d => d.GetProperty("stream").GetString()).Distinct().Order())}");
            long classified = mine.Sum(d => d.GetProperty("events").GetInt64());
            long dropped = mine.Sum(d => d.GetProperty("events_dropped_late").GetInt64() + d.GetProperty("events_dropped_out_of_range").GetInt64());
            long lost = notices.Where(n => n.GetProperty("stream").GetString() == id).Sum(n => n.GetProperty("events").GetInt64());
            Assert.Equal(published[id], classified + dropped + lost);
            if (!exact) continue;
            var offline = Offline(path);
            Assert.Equal(offline.Select(d => (d.Class, d.Timestep, d.StartTimeUs, d.EventTimeUs, d.Events)),
                         mine.Select(d => (d.GetProperty("class").GetInt32(), d.GetProperty("timestep").GetInt32(), d.GetProperty("start_time_us").GetInt64(),
                                           d.GetProperty("event_time_us").GetInt64(), d.GetProperty("events").GetInt64())));
        }
    }

    int ExpectedDecisions() => Recordings.Value.Streams.Sum(s => Offline(s.Path).Count);

    static async Task WaitDecisionsAsync(IReadOnlyList<ChildProcess> workers, int expected, TimeSpan limit)
    {
        await WaitFor(() => workers.SelectMany(w => Lines(w, "decision")).Select(d => d.GetProperty("msg_id").GetString()).Distinct().Count() >= expected, limit, workers);
    }

    static async Task StopAsync(IEnumerable<ChildProcess> workers)
    {
        foreach (var w in workers) w.Interrupt();
        foreach (var w in workers) Assert.Equal(0, await w.WaitForExit(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public void PartitionIsFnv1aOfTheStreamIdModuloTheCount()
    {
        // FNV-1a 32 of "a" is 0xe40c292c; of "" the offset basis 0x811c9dc5.
        Assert.Equal((int)(0xe40c292cu % 16), NatsSubjects.Partition("a", 16));
        Assert.Equal((int)(0x811c9dc5u % 7), NatsSubjects.Partition("", 7));
        Assert.Throws<ArgumentException>(() => NatsSubjects.CheckName("cam.1", "stream id"));
    }

    [Fact]
    public void AMissingServerBinaryFailsWithTheInstallCommand()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => NatsServer.Find("/nonexistent-folder-for-this-test", standardFolders: false));
        Assert.Contains("apt-get install nats-server", ex.Message);
    }

    [Fact]
    public async Task AnExistingStreamWithOtherSettingsIsReportedAndSecretsAreNotPrinted()
    {
        using var server = new NatsServer();
        await using (var nc = new NatsConnection(new NatsOpts { Url = server.Url }))
        {
            var js = new NatsJSContext(nc);
            await js.CreateStreamAsync(new NATS.Client.JetStream.Models.StreamConfig(NatsSubjects.EventsStream, ["eventsnn.events.>"]) { MaxAge = TimeSpan.FromMinutes(5) });
        }
        var (code, _, stderr) = EventSnnProcess.Run(Limit, null, "stream", "publish", Recordings.Value.Streams[0].Path, "--id", "cam", "--nats", server.Url);
        Assert.Equal(2, code);
        Assert.StartsWith("error:", stderr.Trim().Split('\n')[^1]);
        Assert.Contains("EVENTSNN_EVENTS exists with other settings", stderr);
        Assert.Contains("max age", stderr);

    }

    [Fact]
    public void UserAndPasswordInTheUrlAreUsedAndNeverPrinted()
    {
        using var server = new NatsServer("--user", "alice", "--pass", "s3cr3t-pw");
        var (id, path, events) = Recordings.Value.Streams[0];
        var (code, stdout, stderr) = EventSnnProcess.Run(Limit, null, "stream", "publish", path, "--id", id, "--speed", "0", "--json",
            "--nats", $"nats://alice:s3cr3t-pw@127.0.0.1:{server.Port}");
        Assert.True(code == 0, stderr);
        Assert.Equal(events, Published(stdout)[id]);
        Assert.DoesNotContain("s3cr3t-pw", stdout + stderr);
        Assert.Contains($"nats://127.0.0.1:{server.Port}", stderr);

        // A wrong password (and a token) is refused with one error line that names the URL without any secret.
        var (code2, out2, err2) = EventSnnProcess.Run(Limit, null, "stream", "decisions", "--nats", $"nats://alice:wr0ng-pw@127.0.0.1:{server.Port}", "--nats-token", "t0k3n-xyz");
        Assert.Equal(1, code2);
        Assert.StartsWith("error:", err2.Trim().Split('\n')[^1]);
        Assert.DoesNotContain("wr0ng-pw", out2 + err2);
        Assert.DoesNotContain("t0k3n-xyz", out2 + err2);
    }

    [Fact]
    public void ATokenAuthenticatesAsAnOptionOrInTheUrlAndBadIdsAreRefusedBeforeConnecting()
    {
        using var server = new NatsServer("--auth", "t0k3n-abc");
        var (id, path, events) = Recordings.Value.Streams[1];
        var (code, stdout, stderr) = EventSnnProcess.Run(Limit, null, "stream", "publish", path, "--id", id, "--speed", "0", "--json",
            "--nats", server.Url, "--nats-token", "t0k3n-abc");
        Assert.True(code == 0, stderr);
        Assert.Equal(events, Published(stdout)[id]);
        Assert.DoesNotContain("t0k3n-abc", stdout + stderr);
        var (code2, out2, err2) = EventSnnProcess.Run(Limit, null, "stream", "decisions", "--nats", $"nats://t0k3n-abc@127.0.0.1:{server.Port}", "--json");
        Assert.True(code2 == 0, err2);
        Assert.DoesNotContain("t0k3n-abc", out2 + err2);
        var (code3, _, err3) = EventSnnProcess.Run(Limit, null, "stream", "decisions", "--nats", server.Url, "--nats-token", "wrong-t0k3n");
        Assert.Equal(1, code3);
        Assert.DoesNotContain("wrong-t0k3n", err3);

        var (code4, _, err4) = EventSnnProcess.Run(Limit, null, "stream", "publish", path, "--id", "cam.1", "--nats", server.Url);
        Assert.Equal(2, code4);
        Assert.StartsWith("error:", err4.Trim().Split('\n')[^1]);
        Assert.Contains("'cam.1'", err4);
    }

    [Fact]
    public void TlsOptionsArePassedToTheClient()
    {
        // A CA and a server certificate for 127.0.0.1, made here (no openssl needed).
        string dir = Fixtures.TempDir("eventsnn-nats-tls");
        try
        {
            using var caKey = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
            var caRequest = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=eventsnn test CA", caKey, System.Security.Cryptography.HashAlgorithmName.SHA256);
            caRequest.CertificateExtensions.Add(new System.Security.Cryptography.X509Certificates.X509BasicConstraintsExtension(true, false, 0, true));
            using var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
            using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
            var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=127.0.0.1", key, System.Security.Cryptography.HashAlgorithmName.SHA256);
            var san = new System.Security.Cryptography.X509Certificates.SubjectAlternativeNameBuilder();
            san.AddIpAddress(System.Net.IPAddress.Loopback);
            request.CertificateExtensions.Add(san.Build());
            using var cert = request.Create(ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1), [1, 2, 3, 4]);
            File.WriteAllText(Path.Combine(dir, "ca.pem"), ca.ExportCertificatePem());
            File.WriteAllText(Path.Combine(dir, "server.pem"), cert.ExportCertificatePem());
            File.WriteAllText(Path.Combine(dir, "server.key"), key.ExportPkcs8PrivateKeyPem());
            using var server = new NatsServer("--tls", "--tlscert", Path.Combine(dir, "server.pem"), "--tlskey", Path.Combine(dir, "server.key"));
            var (id, path, events) = Recordings.Value.Streams[2];
            var (code, stdout, stderr) = EventSnnProcess.Run(Limit, null, "stream", "publish", path, "--id", id, "--speed", "0", "--json",
                "--nats", $"tls://127.0.0.1:{server.Port}", "--nats-tls-ca", Path.Combine(dir, "ca.pem"));
            Assert.True(code == 0, stderr);
            Assert.Equal(events, Published(stdout)[id]);
            // Without the CA the server's certificate is not trusted: one error line, exit code 1.
            var (code2, _, err2) = EventSnnProcess.Run(Limit, null, "stream", "decisions", "--nats", $"tls://127.0.0.1:{server.Port}");
            Assert.Equal(1, code2);
            Assert.StartsWith("error:", err2.Trim().Split('\n')[^1]);
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }

    [Fact]
    public async Task AUdpCameraBridgedOntoNatsPublishesEveryEventItReceives()
    {
        using var server = new NatsServer();
        var (_, path, events) = Recordings.Value.Streams[7];
        using var bridge = new ChildProcess("stream", "publish", "--udp-listen", "127.0.0.1:0", "--id", "udpcam", "--nats", server.Url, "--duration", "4", "--json");
        string listening = await bridge.WaitForLine(l => l.StartsWith("listening on "), Limit, stderr: true);
        string port = listening[(listening.LastIndexOf(':') + 1)..];
        var (code, _, stderr) = EventSnnProcess.Run(Limit, null, "stream", "replay", path, "--udp", $"127.0.0.1:{port}", "--timestamps", "--speed", "2");
        Assert.True(code == 0, stderr);
        Assert.Equal(0, await bridge.WaitForExit(Limit));
        Assert.Equal(events, Published(string.Join('\n', bridge.Out))["udpcam"]);
    }

    [Fact]
    public async Task ATcpCameraBridgedOntoNatsIsClassifiedAndItsDecisionsCanBeFollowedAndFiltered()
    {
        using var server = new NatsServer();
        var workers = new[] { Worker(server, "solo") };
        var (_, path, events) = Recordings.Value.Streams[5];
        try
        {
            await SettleAsync(workers);
            using var follow = new ChildProcess("stream", "decisions", "--nats", server.Url, "--follow", "--json");
            using var camera = new ChildProcess("stream", "replay", path, "--tcp-listen", "127.0.0.1:0", "--speed", "0");
            string listening = await camera.WaitForLine(l => l.StartsWith("listening on "), Limit, stderr: true);
            string port = listening[(listening.LastIndexOf(':') + 1)..];
            var (code, stdout, stderr) = EventSnnProcess.Run(Limit, null, "stream", "publish", "--tcp", $"127.0.0.1:{port}", "--id", "bridge",
                "--nats", server.Url, "--duration", "3", "--json");
            Assert.True(code == 0, stderr);
            Assert.Equal(events, Published(stdout)["bridge"]);
            var offline = Offline(path);
            await WaitDecisionsAsync(workers, offline.Count, Limit);
            await WaitFor(() => Lines(follow, "decision").Count() >= offline.Count, Limit, [follow]);
            follow.Interrupt();
            Assert.Equal(0, await follow.WaitForExit(TimeSpan.FromSeconds(20)));
            await StopAsync(workers);

            var (code2, only, err2) = EventSnnProcess.Run(Limit, null, "stream", "decisions", "--nats", server.Url, "--id", "bridge", "--json", "--no-notices");
            Assert.True(code2 == 0, err2);
            var stored = only.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(Json).ToList();
            Assert.All(stored, d => Assert.Equal("decision", d.GetProperty("type").GetString()));
            Assert.Equal(offline.Select(d => (d.Class, d.Timestep, d.EventTimeUs, d.Events)),
                         stored.Select(d => (d.GetProperty("class").GetInt32(), d.GetProperty("timestep").GetInt32(), d.GetProperty("event_time_us").GetInt64(), d.GetProperty("events").GetInt64())));
            Assert.Equal(stored.Select(d => d.GetProperty("msg_id").GetString()), Lines(follow, "decision").Select(d => d.GetProperty("msg_id").GetString()));
            var (_, none, _) = EventSnnProcess.Run(Limit, null, "stream", "decisions", "--nats", server.Url, "--id", "nobody", "--json");
            Assert.Equal("", none.Trim());
        }
        finally
        {
            foreach (var w in workers) w.Dispose();
        }
    }

    [Fact]
    public async Task TwelveStreamsOnThreeWorkersGetTheOfflineDecisionsAndGarbageIsCountedAndAcknowledged()
    {
        using var server = new NatsServer();
        var workers = new[] { Worker(server, "w1"), Worker(server, "w2"), Worker(server, "w3") };
        try
        {
            await SettleAsync(workers);
            // A garbage packet on an events subject: counted as malformed, acknowledged, no crash.
            await using (var nc = new NatsConnection(new NatsOpts { Url = server.Url }))
            {
                var js = new NatsJSContext(nc);
                await js.PublishAsync("eventsnn.events.3.garbage", new byte[] { 1, 2, 3, 4, 5 });
            }
            var (code, stdout, stderr) = EventSnnProcess.Run(Limit, null, PublishArgs(server, 0));
            Assert.True(code == 0, stderr);
            await WaitDecisionsAsync(workers, ExpectedDecisions(), Limit);
            await WaitFor(() => workers.Any(w => Lines(w, "notice").Any(n => n.GetProperty("kind").GetString() == "malformed")), Limit, workers);
            await StopAsync(workers);
            var finals = workers.Select(w => Lines(w, "counters").Last()).ToList();
            Assert.All(finals, f => Assert.True(f.GetProperty("final").GetBoolean()));
            Assert.Equal(1, finals.Sum(f => f.GetProperty("nats").GetProperty("packets_malformed").GetInt64()));
            Assert.All(finals, f => Assert.Equal(0, f.GetProperty("events_in_flight").GetInt64()));
            CheckStored(Stored(server), Published(stdout), exact: true);
            // Every packet was acknowledged: nothing is left pending on the consumers.
            await using var check = new NatsConnection(new NatsOpts { Url = server.Url });
            var jsc = new NatsJSContext(check);
            await foreach (var c in jsc.ListConsumersAsync(NatsSubjects.EventsStream))
            {
                Assert.Equal(0, c.Info.NumAckPending);
                Assert.Equal(0ul, c.Info.NumPending);
            }
        }
        finally
        {
            foreach (var w in workers) w.Dispose();
        }
    }

    [Fact]
    public async Task AWorkerKilledMidRunLosesItsPartitionsAndEveryStreamStillAddsUp()
    {
        using var server = new NatsServer();
        var workers = new List<ChildProcess> { Worker(server, "w1"), Worker(server, "w2"), Worker(server, "w3") };
        try
        {
            await SettleAsync(workers);
            using var publisher = new ChildProcess(PublishArgs(server, 1));
            // Kill a worker once it has decided on something (it holds classifications in progress).
            await WaitFor(() => Lines(workers[0], "decision").Any(), Limit, workers);
            var victim = workers[0];
            using (var kill = Process.Start("kill", ["-KILL", victim.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) kill.WaitForExit();
            var killedAt = Stopwatch.StartNew();
            var survivors = workers.Skip(1).ToList();
            int victimHeld = Held(victim);
            await WaitFor(() => survivors.Sum(w => Lines(w, "lease").Count(l => l.GetProperty("action").GetString() == "taken_over" && l.GetProperty("previous_owner").GetString() == "w1")) >= victimHeld, TimeSpan.FromSeconds(20), workers);
            double takeover = killedAt.Elapsed.TotalSeconds;
            Assert.True(takeover <= 10, $"takeover took {takeover:0.0} s");
            Assert.Equal(0, await publisher.WaitForExit(Limit));
            var published = Published(string.Join('\n', publisher.Out));
            // Each stream's last decision is at its end: wait for all of them.
            await WaitFor(() =>
            {
                var ended = survivors.Concat([victim]).SelectMany(w => Lines(w, "decision")).Where(d => d.GetProperty("reason").GetString() == "stream_end")
                    .Select(d => d.GetProperty("stream").GetString()).Distinct().Count();
                return ended >= Recordings.Value.Streams.Count(s => Offline(s.Path).Last().Reason == DecisionReason.StreamEnd);
            }, Limit, workers);
            await Task.Delay(500);
            await StopAsync(survivors);
            var stored = Stored(server);
            CheckStored(stored, published, exact: true);
            Assert.Contains(stored, j => j.GetProperty("type").GetString() == "notice" && j.GetProperty("kind").GetString() == "restarted");
            output.WriteLine($"takeover of {victimHeld} partitions after SIGKILL: {takeover:0.00} s");
        }
        finally
        {
            foreach (var w in workers) w.Dispose();
        }
    }

    [Fact]
    public async Task RestartingTheServerMidRunLosesNothingAcknowledged()
    {
        using var server = new NatsServer();
        var workers = new List<ChildProcess> { Worker(server, "w1"), Worker(server, "w2") };
        try
        {
            await SettleAsync(workers);
            using var publisher = new ChildProcess(PublishArgs(server, 1));
            await WaitFor(() => workers.Any(w => Lines(w, "decision").Any()), Limit, workers);
            server.Stop();
            await Task.Delay(700);
            server.Start();
            Assert.Equal(0, await publisher.WaitForExit(Limit));
            var published = Published(string.Join('\n', publisher.Out));
            await WaitDecisionsAsync(workers, ExpectedDecisions(), Limit);
            await StopAsync(workers);
            CheckStored(Stored(server), published, exact: true);
        }
        finally
        {
            foreach (var w in workers) w.Dispose();
        }
    }
}
