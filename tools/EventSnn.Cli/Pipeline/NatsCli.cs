using System.CommandLine;
using EventSnn.Pipeline.Nats;

namespace EventSnn.Cli.Pipeline;

/// <summary>The options every NATS stream command shares: server URL, credentials, TLS, topology settings.</summary>
internal sealed class NatsCli
{
    public readonly Option<string?> Url = new("--nats") { Description = $"NATS server URL, nats://[user:pass@]host:port or tls://host:port (default ${NatsEndpoint.UrlVariable}, else nats://127.0.0.1:4222)." };
    public readonly Option<string?> Token = new("--nats-token") { Description = $"Authentication token (default ${NatsEndpoint.TokenVariable}); never printed." };
    public readonly Option<string?> Creds = new("--nats-creds") { Description = $"NATS credentials file (JWT + NKey seed) (default ${NatsEndpoint.CredsVariable})." };
    public readonly Option<string?> TlsCa = new("--nats-tls-ca") { Description = "CA certificate (PEM) that signed the server's certificate." };
    public readonly Option<string?> TlsCert = new("--nats-tls-cert") { Description = "Client certificate (PEM) for mutual TLS." };
    public readonly Option<string?> TlsKey = new("--nats-tls-key") { Description = "Client key (PEM) for mutual TLS." };
    public readonly Option<bool> Tls = new("--nats-tls") { Description = "Require TLS even for a nats:// URL." };
    public readonly Option<int?> Partitions = new("--partitions") { Description = $"Partition count when the streams are created (default {NatsSubjects.DefaultPartitions}); an error if it differs from the stored one." };
    public readonly Option<double> MaxAgeHours = new("--events-max-age-hours") { Description = "EVENTSNN_EVENTS: oldest packet kept, hours (0 = no limit).", DefaultValueFactory = _ => 1 };
    public readonly Option<long> MaxBytes = new("--events-max-bytes") { Description = "EVENTSNN_EVENTS: most bytes kept, oldest discarded first (-1 = no limit).", DefaultValueFactory = _ => 1L << 30 };

    public void AddTo(Command cmd, bool topology)
    {
        foreach (var o in new Option[] { Url, Token, Creds, TlsCa, TlsCert, TlsKey, Tls }) cmd.Options.Add(o);
        if (topology) foreach (var o in new Option[] { Partitions, MaxAgeHours, MaxBytes }) cmd.Options.Add(o);
    }

    public NatsEndpoint Endpoint(ParseResult parse) => NatsEndpoint.Parse(parse.GetValue(Url), parse.GetValue(Token), parse.GetValue(Creds),
        parse.GetValue(TlsCa), parse.GetValue(TlsCert), parse.GetValue(TlsKey), parse.GetValue(Tls));

    public NatsTopologyOptions Topology(ParseResult parse)
    {
        double hours = parse.GetValue(MaxAgeHours);
        if (hours < 0) throw new ArgumentException("--events-max-age-hours must be >= 0");
        return new NatsTopologyOptions
        {
            Partitions = parse.GetValue(Partitions),
            EventsMaxAge = TimeSpan.FromHours(hours),
            EventsMaxBytes = parse.GetValue(MaxBytes),
        };
    }

    /// <summary>Runs a command body, turning errors into one <c>error:</c> line (secrets of the endpoint the body
    /// registered scrubbed): exit code 2 for bad input, 1 for a server or network failure.</summary>
    public static async Task<int> Guard(string command, Func<Scrubber, Task<int>> body)
    {
        var scrub = new Scrubber();
        try
        {
            return await body(scrub);
        }
        catch (OperationCanceledException)
        {
            return 130;
        }
        catch (Exception ex) when (ex is ArgumentException or FileNotFoundException or InvalidDataException or NatsTopologyException)
        {
            Console.Error.WriteLine($"error: eventsnn {command}: {scrub.Apply(ex.Message)}");
            return 2;
        }
        catch (Exception ex) when (ex is IOException or NATS.Client.Core.NatsException or TimeoutException or UnauthorizedAccessException or System.Net.Sockets.SocketException)
        {
            Console.Error.WriteLine($"error: eventsnn {command}: {scrub.Apply(ex.Message)}");
            return 1;
        }
    }
}

/// <summary>Removes the secrets of an endpoint from text about to be printed.</summary>
internal sealed class Scrubber
{
    public NatsEndpoint? Endpoint;
    public string Apply(string text) => Endpoint?.Scrub(text) ?? text;
}
