using System.CommandLine;
using System.Text.Json;
using MusicRec.Recommendation;
using MusicRec.Recommendation.Hybrid;
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
        var output = new Option<string?>("--out") { Description = "write the events as user_activity JSON lines to this file instead of sending them" };
        var tastes = new Option<string>("--tastes")
        {
            Description = "classic (favourite genre and timbre) or mixed (hidden tastes: genre-loyal, cross-genre groups, artist fans; the listeners answer recommendations, with --out through the in-process hybrid recommender, with --web through the page's API)",
            DefaultValueFactory = _ => "classic",
        };

        var command = new Command("simulate", "Sends mock listener activity (listen / like / skip) to Kafka (--kafka) or to the web host (--web), or writes it to a file (--out).")
        {
            kafka, kafkaProperty, web, users, events, rate, seed, store, output, tastes,
        };
        command.SetHandler(async (parse, ct) =>
        {
            var kafkaValue = parse.GetValue(kafka);
            var webValue = parse.GetValue(web);
            var outValue = parse.GetValue(output);
            var tastesValue = parse.GetValue(tastes);
            if (tastesValue is not ("classic" or "mixed")) throw new CliException($"--tastes must be classic or mixed, got '{tastesValue}'.");
            if (new[] { kafkaValue, webValue, outValue }.Count(v => v is not null) > 1)
                throw new CliException("give one of --kafka, --web or --out.");
            if (outValue is not null || tastesValue == "mixed")
                return await RunToFileOrLoopAsync(parse.GetValue(store), openStore, outValue, webValue, kafkaValue, tastesValue == "mixed",
                    new SimulatorOptions(parse.GetValue(users), parse.GetValue(events), parse.GetValue(rate), parse.GetValue(seed)), Console.Out, Console.Error, ct);
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

    /// <summary>
    /// <c>--out FILE</c> (classic or mixed tastes) and <c>--tastes mixed</c> (to a file through the in-process hybrid
    /// recommender, or through the web host's API with <c>--web</c>): the closed loop, with the like rate of
    /// recommended tracks per listener kind beside random picks.
    /// </summary>
    internal static async Task<int> RunToFileOrLoopAsync(string? storeOption, Func<string, ITrackStore>? openStore, string? outPath,
        string? webValue, string? kafkaValue, bool mixed, SimulatorOptions options, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        if (options.Users < 1) throw new CliException("--users must be at least 1.");
        if (options.EventsPerUser < 1) throw new CliException("--events must be at least 1.");
        if (kafkaValue is not null)
            throw new CliException("--tastes mixed needs the recommender's answers: use --out FILE (in-process) or --web URL (the page's API), not --kafka.");
        if (outPath is null && webValue is null)
            throw new CliException("--tastes mixed needs --out FILE or --web URL.");
        if (openStore is null)
            throw new CliException("this build cannot open a catalogue store, which the simulator needs for genres.", 2);
        var storeUri = storeOption ?? (Environment.GetEnvironmentVariable("MUSICREC_STORE") is { Length: > 0 } s ? s : "sqlite:./musicrec.db");
        var documents = new List<TrackDocument>();
        await using (var trackStore = OpenStore(openStore, storeUri))
            await foreach (var d in trackStore.StreamAllAsync(ct)) documents.Add(d);
        if (documents.Count == 0)
            throw new CliException($"the catalogue store {storeUri} holds no tracks: run 'musicrec etl' (or 'musicrec demo') first.");
        var catalogue = documents.Select(d => new SimulatedTrack(d.TrackId, d.Metadata.GenreId, d.Features) { Artist = d.Metadata.ArtistName ?? "" }).ToList();

        StreamWriter? writer = null;
        try
        {
            if (outPath is not null) writer = new StreamWriter(outPath, append: false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"cannot write {outPath}: {e.Message}");
        }
        await using (writer)
        {
            if (!mixed)
            {
                ActivitySimulator classic;
                try { classic = new ActivitySimulator(catalogue, options); }
                catch (ArgumentException e) { throw new CliException(e.Message); }
                long n = 0;
                foreach (var e in classic.Events()) { await writer!.WriteLineAsync(StreamingJson.Serialize(e)); n++; }
                stdout.WriteLine($"wrote {n} events for {options.Users} users to {Path.GetFullPath(outPath!)}");
                return 0;
            }

            HiddenTastes hidden;
            try { hidden = new HiddenTastes(catalogue, new HiddenTasteOptions { Users = options.Users, Seed = options.Seed, UserPrefix = options.UserPrefix }); }
            catch (ArgumentException e) { throw new CliException(e.Message); }
            Func<ActivityEvent, Task<IReadOnlyList<int>>> recommend;
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            if (webValue is not null)
            {
                if (!Uri.TryCreate(webValue, UriKind.Absolute, out var url) || (url.Scheme != "http" && url.Scheme != "https"))
                    throw new CliException($"--web must be an http(s) URL, got '{webValue}'.");
                var web = new WebLoop(http, url);
                recommend = web.SendAndWaitAsync;
            }
            else
            {
                var index = TryIndex(documents, stderr);
                var catalog = index is not null ? new TrackCatalog(index.Tracks)
                    : new TrackCatalog(documents.Select(d => new TrackInfo(d.TrackId, d.Metadata.Title, d.Metadata.ArtistName ?? "",
                        d.Metadata.GenreTop is { Length: > 0 } g ? g : "unknown", d.Metadata.GenreId)));
                var session = new HybridSession(catalog, index);
                recommend = e => Task.FromResult<IReadOnlyList<int>>([.. session.Observe(e).Select(x => x.TrackId)]);
            }
            var logged = writer is null ? recommend : async e =>
            {
                await writer.WriteLineAsync(StreamingJson.Serialize(e));
                return await recommend(e);
            };
            ClosedLoopReport report;
            try
            {
                report = await ClosedLoop.RunAsync(hidden, options.EventsPerUser, logged, seed: options.Seed, ct: ct);
            }
            catch (HttpRequestException e)
            {
                throw new CliException($"the web host did not answer: {e.Message}");
            }
            stdout.WriteLine($"{(outPath is null ? "sent" : $"wrote {Path.GetFullPath(outPath)} with")} {report.Events} events for {options.Users} listeners; {report.Batches} batches answered");
            stdout.WriteLine("liked share of recommended tracks per listener kind (random picks, same tastes):");
            foreach (var (kind, f) in report.Kinds.OrderBy(k => k.Key))
                stdout.WriteLine($"  {kind,-16} {f.Listeners,4} listeners  recommended {f.LikedShare,6:P1} liked  random {f.RandomLikedShare,6:P1}" +
                                  (kind == ListenerKind.GenreLoyal ? $"  in own genre {f.OwnGenreShare:P1}" : ""));
            return 0;
        }
    }

    /// <summary>The similarity index of the catalogue, or null (said on stderr) when no track has usable features.</summary>
    private static SimilarityIndex? TryIndex(IEnumerable<TrackDocument> documents, TextWriter stderr)
    {
        try
        {
            return SimilarityIndex.Build(documents);
        }
        catch (InvalidOperationException e)
        {
            stderr.WriteLine($"musicrec: no audio source ({e.Message})");
            return null;
        }
    }

    /// <summary>
    /// The loop through the web host: posts the event, then polls <c>GET /api/users/{id}/recommendations</c> until a
    /// newer batch than before appears (up to 5 s; none: the listener has no batch this time).
    /// </summary>
    private sealed class WebLoop(HttpClient http, Uri url)
    {
        private readonly HttpActivityPublisher _publisher = new(http, url);
        private readonly Dictionary<string, string?> _lastBatch = new(StringComparer.Ordinal);

        public async Task<IReadOnlyList<int>> SendAndWaitAsync(ActivityEvent e)
        {
            var before = _lastBatch.TryGetValue(e.UserId, out var b) ? b : (await LatestAsync(e.UserId)).BatchId;
            await _publisher.PublishAsync(e);
            var deadline = DateTime.UtcNow.AddSeconds(5);
            while (DateTime.UtcNow < deadline)
            {
                var (id, tracks) = await LatestAsync(e.UserId);
                if (id is not null && id != before)
                {
                    _lastBatch[e.UserId] = id;
                    return tracks;
                }
                await Task.Delay(50);
            }
            _lastBatch[e.UserId] = before;
            return [];
        }

        private async Task<(string? BatchId, IReadOnlyList<int> Tracks)> LatestAsync(string user)
        {
            using var doc = JsonDocument.Parse(await http.GetStringAsync(new Uri(url, $"api/users/{Uri.EscapeDataString(user)}/recommendations")));
            if (doc.RootElement.GetProperty("batches") is not { ValueKind: JsonValueKind.Array } batches || batches.GetArrayLength() == 0) return (null, []);
            var latest = batches[0];
            return (latest.GetProperty("batch_id").GetString(),
                [.. latest.GetProperty("tracks").EnumerateArray().Select(t => t.GetProperty("track_id").GetInt32())]);
        }
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
