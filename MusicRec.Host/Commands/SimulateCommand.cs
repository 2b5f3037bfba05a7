using System.CommandLine;
using MusicRec.Contracts;
using MusicRec.Stores;
using MusicRec.Streaming;
using MusicRec.Streaming.Simulation;
using MusicRec.Streaming.Transport;

namespace MusicRec.Host.Commands;

/// <summary><c>musicrec simulate</c>: mock listen/like/skip activity to Kafka or to the web host (SPEC.md).</summary>
internal static class SimulateCommand
{
    /// <param name="openStore">Opens a catalogue store from its URI (the stores' factory); the simulator reads genres and features there.</param>
    public static Command Create(Func<string, ITrackStore>? openStore = null)
    {
        var kafka = new Option<string?>("--kafka") { Description = "Kafka bootstrap servers (host:port,…); default $MUSICREC_KAFKA" };
        var kafkaProperty = new Option<string[]>("--kafka-property")
        {
            Description = "librdkafka setting passed through as is, key=value (repeatable)",
            AllowMultipleArgumentsPerToken = false,
        };
        var web = new Option<string?>("--web") { Description = "web host URL: POST URL/api/activity instead of Kafka; default $MUSICREC_WEB_URL" };
        var users = new Option<int>("--users") { Description = "number of simulated users", DefaultValueFactory = _ => 10 };
        var events = new Option<int>("--events") { Description = "events per user", DefaultValueFactory = _ => 20 };
        var rate = new Option<double>("--rate") { Description = "events per second over all users (0 = as fast as possible)", DefaultValueFactory = _ => 0 };
        var seed = new Option<int>("--seed") { Description = "random seed (same seed, same users and events)", DefaultValueFactory = _ => 1 };
        var store = new Option<string?>("--store") { Description = "catalogue store URI (sqlite:PATH or mongodb://…); default $MUSICREC_STORE or sqlite:./musicrec.db" };

        var command = new Command("simulate", "Sends mock listener activity (listen / like / skip) to Kafka (--kafka) or to the web host (--web).")
        {
            kafka, kafkaProperty, web, users, events, rate, seed, store,
        };
        command.SetHandler(async (parse, ct) =>
        {
            var kafkaValue = parse.GetValue(kafka);
            var webValue = parse.GetValue(web);
            if (kafkaValue is not null && webValue is not null)
                throw new CliException("give either --kafka or --web, not both.");
            if (kafkaValue is null && webValue is null)
            {
                kafkaValue = Environment.GetEnvironmentVariable("MUSICREC_KAFKA") is { Length: > 0 } k ? k : null;
                webValue = kafkaValue is null && Environment.GetEnvironmentVariable("MUSICREC_WEB_URL") is { Length: > 0 } w ? w : null;
            }
            if (kafkaValue is null && webValue is null)
                throw new CliException("say where to send the activity: --kafka BOOTSTRAP or --web URL (or set MUSICREC_KAFKA / MUSICREC_WEB_URL).");
            var options = new SimulatorOptions(parse.GetValue(users), parse.GetValue(events), parse.GetValue(rate), parse.GetValue(seed));
            if (options.Users < 1) throw new CliException("--users must be at least 1.");
            if (options.EventsPerUser < 1) throw new CliException("--events must be at least 1.");
            if (options.Rate < 0) throw new CliException("--rate cannot be negative.");

            var storeUri = parse.GetValue(store) ?? (Environment.GetEnvironmentVariable("MUSICREC_STORE") is { Length: > 0 } s ? s : "sqlite:./musicrec.db");
            if (openStore is null)
                throw new CliException("this build cannot open a catalogue store, which the simulator needs for genres.", 2);
            IReadOnlyList<SimulatedTrack> catalogue;
            await using (var trackStore = OpenStore(openStore, storeUri))
                catalogue = await ActivitySimulator.LoadCatalogueAsync(trackStore, ct);
            if (catalogue.Count == 0)
                throw new CliException($"the catalogue store {storeUri} holds no tracks: run 'musicrec etl' (or 'musicrec demo') first.");

            ActivitySimulator simulator;
            try
            {
                simulator = new ActivitySimulator(catalogue, options);
            }
            catch (ArgumentException e)
            {
                throw new CliException(e.Message);
            }

            SimulationResult result;
            var progress = new Progress<long>(n => Console.Error.WriteLine($"musicrec: {n} events sent"));
            if (kafkaValue is not null)
            {
                KafkaSettings settings;
                try
                {
                    settings = KafkaSettings.Create(kafkaValue, parse.GetValue(kafkaProperty) ?? []);
                    KafkaTransport.Validate(settings);
                }
                catch (Exception e) when (e is FormatException or ArgumentException or Confluent.Kafka.KafkaException or InvalidOperationException)
                {
                    throw new CliException($"bad Kafka settings: {e.Message}");
                }
                using var transport = new KafkaTransport(settings);
                using var publisher = new TransportActivityPublisher(transport);
                // librdkafka retries for minutes when the broker is unreachable: bound each delivery instead.
                result = await simulator.RunAsync(new TimeoutPublisher(publisher, TimeSpan.FromSeconds(30)), progress, ct);
            }
            else
            {
                if (!Uri.TryCreate(webValue, UriKind.Absolute, out var url) || (url.Scheme != "http" && url.Scheme != "https"))
                    throw new CliException($"--web must be an http(s) URL, got '{webValue}'.");
                using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
                result = await simulator.RunAsync(new HttpActivityPublisher(http, url), progress, ct);
            }

            Console.WriteLine($"sent {result.Sent} events for {options.Users} users in {result.Elapsed.TotalSeconds:0.0} s ({result.EventsPerSecond:0} events/s)" +
                              (result.Failed > 0 ? $"; {result.Failed} failed" : ""));
            foreach (var (user, genre) in simulator.FavouriteGenres.OrderBy(u => u.Key, StringComparer.Ordinal).Take(10))
                Console.WriteLine($"  {user}: favourite genre {genre}");
            if (result.Failed > 0)
                throw new CliException($"{result.Failed} of {result.Sent + result.Failed} events could not be sent: {result.FirstError}");
            return 0;
        });
        return command;
    }

    private static ITrackStore OpenStore(Func<string, ITrackStore> openStore, string uri)
    {
        try
        {
            return openStore(uri);
        }
        catch (Exception e) when (e is not CliException and not OperationCanceledException)
        {
            throw new CliException($"cannot open the catalogue store: {e.Message}");
        }
    }

    /// <summary>Fails a publish that takes longer than the timeout (e.g. the broker is down).</summary>
    private sealed class TimeoutPublisher(IActivityPublisher inner, TimeSpan timeout) : IActivityPublisher
    {
        public async Task PublishAsync(ActivityEvent activity, CancellationToken ct = default)
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            cts.CancelAfter(timeout);
            try
            {
                await inner.PublishAsync(activity, cts.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw new TimeoutException($"no delivery report within {timeout.TotalSeconds:0} s (is Kafka reachable?)");
            }
        }
    }
}
