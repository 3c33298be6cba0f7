using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using EventSnn.Cli.Pipeline;
using EventSnn.Pipeline.Live;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EventSnn.Cli.Live;

/// <summary>What the page's header says about the run (sent to each viewer first, as the <c>hello</c> event).</summary>
/// <param name="Title">What is shown: "stream classify" or "events view".</param>
/// <param name="Source">Where the events come from.</param>
/// <param name="Model">Model description, or null without a model.</param>
/// <param name="Cutoff">Cutoff rule description, or null.</param>
/// <param name="ClassNames">Class names (empty without a model).</param>
/// <param name="Timesteps">T (0 without a model).</param>
/// <param name="Thresholds">β_t, t = 1..T, for the Top-K cutoff; else null.</param>
/// <param name="MaxUpdatesPerSecond">Most stream updates per second and stream a viewer gets.</param>
internal sealed record LiveHello(string Title, string Source, string? Model, string? Cutoff, IReadOnlyList<string> ClassNames, int Timesteps,
    IReadOnlyList<double>? Thresholds, double MaxUpdatesPerSecond);

/// <summary>
/// The HTTP side of the live view, on Kestrel: <c>/</c> the page (self-contained: no external scripts or
/// fonts), <c>/events</c> Server-Sent Events in JSON (<c>hello</c>, <c>stream</c>, <c>decision</c>,
/// <c>counters</c>, <c>end</c>), <c>/metrics</c> Prometheus text, <c>/healthz</c>. Each viewer of
/// <c>/events</c> polls the <see cref="LiveFeed"/> at most <see cref="LiveFeedOptions.MaxUpdatesPerSecond"/>
/// times a second on its own task, so a slow connection only delays itself.
/// </summary>
internal sealed class LiveServer : IAsyncDisposable
{
    internal static readonly JsonSerializerOptions Json = new(EventSnn.Model.ProjectJson.Lines) { DefaultIgnoreCondition = JsonIgnoreCondition.Never };

    readonly WebApplication _app;
    readonly CancellationTokenSource _stopping;

    LiveServer(WebApplication app, Uri address, CancellationTokenSource stopping)
    {
        _app = app;
        Address = address;
        _stopping = stopping;
    }

    /// <summary>The page's address (with the port actually bound when 0 was asked for).</summary>
    public Uri Address { get; }

    /// <summary>Binds <paramref name="hostPort"/> (<c>[HOST:]PORT</c>, host 127.0.0.1 unless given) and starts serving.</summary>
    public static async Task<LiveServer> StartAsync(string hostPort, LiveFeed feed, LiveHello hello, Func<LiveCounters> counters, LiveMetrics metrics, CancellationToken cancellationToken)
    {
        var (host, port) = Endpoints.Parse(hostPort, "127.0.0.1");
        var endpoint = Endpoints.Resolve(host, port);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = "eventsnn", ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(endpoint));
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(2));
        var app = builder.Build();
        var stopping = new CancellationTokenSource();
        byte[] page = ReadPage();

        app.MapGet("/", (HttpContext ctx) =>
        {
            ctx.Response.Headers.CacheControl = "no-store";
            return Results.Bytes(page, "text/html; charset=utf-8");
        });
        app.MapGet("/healthz", () => Results.Json(new
        {
            Status = "ok",
            Input = feed.Ended is null ? "running" : "ended",
            feed.Streams,
            feed.Decisions,
            feed.Viewers,
        }, Json));
        app.MapGet("/metrics", async (HttpContext ctx) =>
        {
            ctx.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            await metrics.WriteAsync(ctx.Response.Body, ctx.RequestAborted);
        });
        app.MapGet("/events", async (HttpContext ctx) =>
        {
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted, stopping.Token);
            await ServeEventsAsync(ctx, feed, hello, counters, stop.Token);
        });

        try { await app.StartAsync(cancellationToken); }
        catch
        {
            await app.DisposeAsync();
            stopping.Dispose();
            throw;
        }
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
                    ?? throw new IOException("the HTTP server reported no address");
        var uri = new Uri(bound.Replace("[::]", "localhost", StringComparison.Ordinal) + "/");
        return new LiveServer(app, uri, stopping);
    }

    static byte[] ReadPage()
    {
        using var s = typeof(LiveServer).Assembly.GetManifestResourceStream("EventSnn.Cli.Live.live.html")
                      ?? throw new InvalidOperationException("the live page resource is missing from the build");
        using var m = new MemoryStream();
        s.CopyTo(m);
        return m.ToArray();
    }

    static async Task ServeEventsAsync(HttpContext ctx, LiveFeed feed, LiveHello hello, Func<LiveCounters> counters, CancellationToken ct)
    {
        var response = ctx.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-store";
        response.Headers["X-Accel-Buffering"] = "no";
        ctx.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpResponseBodyFeature>()?.DisableBuffering();
        var period = TimeSpan.FromSeconds(1.0 / feed.Options.MaxUpdatesPerSecond);
        var buffer = new StringBuilder();
        using var viewer = feed.Connect();
        try
        {
            Append(buffer, "hello", hello);
            var lastCounters = DateTime.MinValue;
            bool ended = false;
            using var timer = new PeriodicTimer(period);
            do
            {
                var poll = viewer.Poll();
                if (poll.DecisionsMissed > 0) Append(buffer, "missed", new { Decisions = poll.DecisionsMissed });
                foreach (var d in poll.Decisions) Append(buffer, "decision", d);
                foreach (var s in poll.Streams) Append(buffer, "stream", s);
                if (poll.Ended is not null || DateTime.UtcNow - lastCounters > TimeSpan.FromMilliseconds(250))
                {
                    lastCounters = DateTime.UtcNow;
                    var c = counters();
                    Append(buffer, "counters", new
                    {
                        c.Counters,
                        c.Counters.EventsAccounted,
                        c.Counters.EventsInFlight,
                        c.IngressDepth,
                        c.BinsDepth,
                        c.IngressCapacity,
                        c.BinsCapacity,
                        feed.Viewers,
                        feed.UpdatesSent,
                        feed.StepsSeen,
                        feed.StepsSkipped,
                    });
                }
                if (poll.Ended is { } why)
                {
                    Append(buffer, "end", new { Reason = why });
                    ended = true;
                }
                if (buffer.Length > 0)
                {
                    // Waits for this viewer's connection only: the feed moves on meanwhile.
                    await response.WriteAsync(buffer.ToString(), ct);
                    await response.Body.FlushAsync(ct);
                    buffer.Clear();
                }
                if (ended)
                {
                    // Keep the connection open (counters only) so the page does not reconnect and replay.
                    while (await timer.WaitForNextTickAsync(ct))
                    {
                        if (DateTime.UtcNow - lastCounters < TimeSpan.FromSeconds(1)) continue;
                        lastCounters = DateTime.UtcNow;
                        await response.WriteAsync(": still here\n\n", ct);
                        await response.Body.FlushAsync(ct);
                    }
                }
            }
            while (await timer.WaitForNextTickAsync(ct));
        }
        catch (OperationCanceledException) { }
        catch (IOException) { }
    }

    static void Append(StringBuilder buffer, string type, object value)
    {
        buffer.Append("event: ").Append(type).Append('\n');
        buffer.Append("data: ").Append(JsonSerializer.Serialize(value, value.GetType(), Json)).Append("\n\n");
    }

    /// <summary>Ends every <c>/events</c> connection and stops the server.</summary>
    public async ValueTask DisposeAsync()
    {
        _stopping.Cancel();
        try { await _app.StopAsync(CancellationToken.None); }
        catch (OperationCanceledException) { }
        await _app.DisposeAsync();
        _stopping.Dispose();
    }
}
