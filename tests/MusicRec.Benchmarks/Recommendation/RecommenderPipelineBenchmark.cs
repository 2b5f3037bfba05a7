using System.Diagnostics;
using Akka.Actor;
using Akka.Configuration;
using MusicRec.Benchmarks.Streaming;
using MusicRec.Contracts;
using MusicRec.Recommendation;
using MusicRec.Recommendation.Hybrid;
using MusicRec.Recommendation.Model;
using MusicRec.Streaming;
using MusicRec.Streaming.Transport;
using ActivityEvent = MusicRec.Contracts.ActivityEvent;

namespace MusicRec.Benchmarks.Recommendation;

/// <summary>
/// The whole in-process path with the real recommender: ActivityPipeline on the InProcessBus → local parent →
/// UserRecommenderActor (persisting every event) over a clustered 100,000-track SimilarityIndex → batches on the bus
/// → commit. Measured with (a) the SQLite journal (the embedded default) and (b) the in-memory journal: backlog
/// throughput (sustained: after one warm-up event per user, the backlog from its first send to its last commit) and
/// event-to-batch latency at a fixed
/// offered rate; then (when MUSICREC_TEST_KAFKA is set) backlog throughput end to end through the real broker with the
/// SQLite journal. First, what one event costs with no actors at all (the CPU floor), then one untimed backlog while
/// the JIT settles. Users play tracks of their
/// favourite genre (listen 50%, like 30%, skip 20%).
/// Options: --tracks N (100000) --events E (300000) --users U (1000) --rate R (5000) --seconds S (10)
/// --journal sqlite|memory|both or a list such as memory,sqlite (both) --parallelism P (asks in flight)
/// --max-in-flight-per-user N (0: no limit) --snapshot-every N --blend on|off --candidates N (asked of each source) --audio-beam N (the blend's audio query)
/// --model-events N (events of other listeners the listening model has learned before a run; 200000)
/// --model-online on|off (off: the model owner does not learn during the run, to see what keeping it current costs)
/// --arrivals random (also the latency with each event from a user drawn at random, beside the in-turn figure)
/// --suggestion-beam N (audio alone: the graph beam per suggestion; 0: the index's) --floor-events N (events of the one-thread figures; 50000) --cpu-only (stop after the one-thread figures)
/// --no-jit-warm-up (measure from a cold JIT) --kafka-only --no-kafka --kafka-property k=v --verbose --alloc-profile (allocation by type in the backlog and latency runs);
/// --m, --ef-build, --ef for the index's graph.
/// </summary>
public sealed class RecommenderPipelineBenchmark : IBenchmark
{
    public string Name => "recommender-pipeline";
    public bool MeasuresTheService => true;
    public string Description => "activity pipeline with the real recommender actors on a 100k-track index: events/s and p99 latency (SQLite and in-memory journal)";

    public async Task<bool> RunAsync(string[] options)
    {
        BenchmarkReport.Info("load average (1, 5, 15 min; 2 cores shared with other jobs)", File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "n/a");
        StreamingBenchmark.Verbose = options.Contains("--verbose");
        if (options.Contains("--alloc-profile")) StreamingBenchmark.AllocationProfile ??= new AllocationSampler();
        var tracks = BenchmarkOptions.Int(options, "--tracks", 100_000);
        // Sustained: long enough that the first second (the in-flight window filling, its first collections) is a small
        // part of the run (docs/benchmarks.md, thirteenth session).
        var events = BenchmarkOptions.Int(options, "--events", 300_000);
        var users = BenchmarkOptions.Int(options, "--users", 1000);
        var rate = BenchmarkOptions.Int(options, "--rate", 5000);
        var seconds = BenchmarkOptions.Int(options, "--seconds", 10);
        var journal = BenchmarkOptions.Text(options, "--journal", "both");
        SnapshotEvery = BenchmarkOptions.Int(options, "--snapshot-every", SnapshotEvery);
        SuggestionBeam = BenchmarkOptions.Int(options, "--suggestion-beam", SuggestionBeam ?? 0) is > 0 and var b ? b : null;
        Blend = BenchmarkOptions.Text(options, "--blend", "on") != "off";
        ModelOnline = BenchmarkOptions.Text(options, "--model-online", "on") != "off";
        RandomArrivals = BenchmarkOptions.Text(options, "--arrivals", "in-turn") == "random";
        WarmUpEvents = BenchmarkOptions.Int(options, "--model-events", WarmUpEvents);
        BlendSettings = BlendSettings with
        {
            CandidatesPerSource = BenchmarkOptions.Int(options, "--candidates", BlendSettings.CandidatesPerSource),
            AudioBeam = BenchmarkOptions.Int(options, "--audio-beam", BlendSettings.AudioBeam),
        };
        var pipeline = new ActivityPipelineSettings();
        pipeline = pipeline with
        {
            RecommenderParallelism = BenchmarkOptions.Int(options, "--parallelism", pipeline.RecommenderParallelism),
            MaxInFlightPerUser = BenchmarkOptions.Int(options, "--max-in-flight-per-user", pipeline.MaxInFlightPerUser),
        };

        var ok = true;
        var sw = Stopwatch.StartNew();
        var index = SimilarityIndex.Build(RecommendBenchmark.Clustered(tracks, new Random(7)), IndexBenchmarkOptions.For(options));
        BenchmarkReport.Info("index build (clustered catalogue, PCA 154 -> 32)", $"{sw.Elapsed.TotalSeconds:0.0} s, {index.Count} tracks, {index.SearchMethod}");
        if (Blend)
        {
            sw.Restart();
            var lists = index.Neighbours(BlendSettings.CandidatesPerSource, BlendSettings.AudioBeam);
            BenchmarkReport.Info("audio neighbour lists (the blend's audio source, built once at start)",
                $"{sw.Elapsed.TotalSeconds:0.0} s, {lists.PerTrack} per track, beam {lists.SearchBeam}");
        }
        var byGenre = index.Tracks.GroupBy(t => t.Genre).OrderBy(g => g.Key).Select(g => g.Select(t => t.TrackId).ToArray()).ToArray();
        BenchmarkReport.Info("suggestions", Blend
            ? $"hybrid blend (co-listening, popularity, audio; HOCON defaults) over a model warmed with {WarmUpEvents} events of 5,000 other listeners and fed online from the bus"
            : "audio similarity alone (--blend off)");
        CpuFloor(index, byGenre, users, BenchmarkOptions.Int(options, "--floor-events", Math.Min(events, 50_000)));
        if (options.Contains("--cpu-only")) return ok;
        // A comma-separated list runs the journals in that order (JIT warm-up lands on the first).
        var kinds = options.Contains("--kafka-only") ? [] : journal.Split(',').SelectMany(j => j switch
        {
            "sqlite" => new[] { JournalKind.Sqlite },
            "memory" => [JournalKind.InMemory],
            _ => [JournalKind.Sqlite, JournalKind.InMemory],
        }).ToArray();
        if (!options.Contains("--no-jit-warm-up")) await JitWarmUp(index, byGenre, Math.Min(events, 100_000), users, pipeline);
        foreach (var kind in kinds)
        {
            var label = kind == JournalKind.Sqlite ? "SQLite journal" : "in-memory journal";
            Console.WriteLine($"  [{label}] backlog of {events} events for {users} users, then {rate}/s for {seconds} s");
            var sustained = await Backlog(kind, index, byGenre, events, users, pipeline);
            // The figure is a sustained rate: every user's actor already created and recovered (one warm-up
            // event each, as in a service that has been running), then the whole backlog from its first send to its
            // last commit.
            ok &= BenchmarkReport.Figure($"in-process events/s sustained, real recommender, {label}", sustained, "events/s", 20_000, lowerIsBetter: false);
            MemoryBeside(label);

            var (p50, p99, achieved) = await Run(kind, index, byGenre, (system, transport, _, target) =>
                StreamingBenchmark.Latency(system, transport, pipeline, users, rate, seconds, target));
            BenchmarkReport.Info($"offered rate achieved ({label})", $"{achieved:0} events/s");
            BenchmarkReport.Info($"event-to-batch p50 ({label})", $"{p50:0.0} ms");
            ok &= BenchmarkReport.Figure($"event-to-batch p99 at {rate}/s, real recommender, {label}", p99, "ms", 50, lowerIsBetter: true);
            MemoryBeside(label);
            if (RandomArrivals)
            {
                // Beside the figure, not instead of it: the same rate with each event from a user drawn at random.
                var (r50, r99, _) = await Run(kind, index, byGenre, (system, transport, _, target) =>
                    StreamingBenchmark.Latency(system, transport, pipeline, users, rate, seconds, target, randomArrivals: true));
                BenchmarkReport.Info($"event-to-batch p50 / p99 at {rate}/s, users at random ({label})", $"{r50:0.0} / {r99:0.0} ms");
            }
        }
        if (!options.Contains("--no-kafka")) ok &= await ThroughKafka(index, byGenre, events, users, pipeline, options);
        BenchmarkReport.Info("peak working set", $"{BenchmarkReport.PeakWorkingSetBytes() / 1e6:0} MB");
        return ok;
    }

    /// <summary>
    /// One untimed backlog first. With tiered compilation (as deployed), the first seconds under load run unoptimised
    /// code while the JIT recompiles the hot methods with their profiles: a start-up cost, not the sustained rate of a
    /// service that has been running. Its rate is printed, beside the figures and apart from them.
    /// </summary>
    private static async Task JitWarmUp(SimilarityIndex index, int[][] byGenre, int events, int users, ActivityPipelineSettings pipeline)
    {
        Console.WriteLine($"  [JIT warm-up, not a figure] backlog of {events} events for {users} users, SQLite journal");
        var first = await Backlog(JournalKind.Sqlite, index, byGenre, events, users, pipeline);
        BenchmarkReport.Info("events/s of the first backlog after start, while the JIT tiers up", $"{first:0}");
    }

    /// <summary>A backlog on the in-process bus after one warm-up event per user: events/s from its first send to its last commit.</summary>
    private static async Task<double> Backlog(JournalKind kind, SimilarityIndex index, int[][] byGenre, int events, int users,
        ActivityPipelineSettings pipeline)
    {
        var (wholeRun, _) = await Run(kind, index, byGenre, (system, transport, bus, target) =>
            StreamingBenchmark.Throughput(system, transport, events, users, pipeline,
                () => bus.Lag(pipeline.GroupId, Topics.UserActivity) == 0, target: target, warmUp: true));
        return wholeRun;
    }

    /// <summary>Allocation per event of the run just measured and the process's peak working set so far, beside its figure.</summary>
    private static void MemoryBeside(string label) =>
        BenchmarkReport.Info($"  allocated per event, peak working set so far ({label})",
            $"{StreamingBenchmark.LastAllocatedPerEvent / 1024:0.0} KB, {BenchmarkReport.PeakWorkingSetBytes() / 1e6:0} MB; load average {BenchmarkReport.LoadAverage()}");

    /// <summary>
    /// What one event costs without actors, streams or journal (decide the suggestion, apply the event to the state),
    /// on one thread: the floor under everything the pipeline adds.
    /// </summary>
    private static void CpuFloor(SimilarityIndex index, int[][] byGenre, int users, int events)
    {
        var random = new Random(5);
        var states = FreshStates(users);
        var model = Blend ? WarmModel(index, byGenre) : null;
        var context = ContextFor(index, model);
        var activities = new ActivityEvent[events];
        for (var i = 0; i < events; i++) activities[i] = FavouriteGenreEvent(random, byGenre, i, users);
        var decide = TimeSpan.Zero;
        var apply = TimeSpan.Zero;
        long decideBytes = 0, applyBytes = 0;
        var sw = new Stopwatch();
        for (var i = 0; i < events; i++)
        {
            var u = i % users;
            var bytes = GC.GetAllocatedBytesForCurrentThread();
            sw.Restart();
            var recorded = SuggestionPolicy.Decide(states[u], activities[i], context);
            decide += sw.Elapsed;
            var decided = GC.GetAllocatedBytesForCurrentThread();
            decideBytes += decided - bytes;
            sw.Restart();
            states[u].Apply(recorded, index);
            apply += sw.Elapsed;
            applyBytes += GC.GetAllocatedBytesForCurrentThread() - decided;
        }
        BenchmarkReport.Info("per event, one thread, no actors: allocated by decide / apply", $"{decideBytes / (double)events:0} / {applyBytes / (double)events:0} bytes");
        BenchmarkReport.Info("per event, one thread, no actors: decide (blend of the sources + reason)", $"{decide.TotalMilliseconds * 1000 / events:0.0} µs");
        BenchmarkReport.Info("per event, one thread, no actors: apply (state update)", $"{apply.TotalMilliseconds * 1000 / events:0.0} µs");
        BenchmarkReport.Info("CPU floor, one thread", $"{events / (decide + apply).TotalSeconds:0} events/s");
        AllCoresFloor(index, activities, users, context);
        if (!Blend) AgreementWithExact(index, activities, users);
    }

    /// <summary>
    /// The same decide + apply on every core at once (users split between threads, fresh states): what the cores
    /// together can do with no actors, streams or journal. Cores that share caches or a physical core do less than
    /// their count times the one-thread floor.
    /// </summary>
    private static void AllCoresFloor(SimilarityIndex index, ActivityEvent[] activities, int users, SuggestionContext context)
    {
        var threads = Environment.ProcessorCount;
        var states = FreshStates(users);
        var clock = Stopwatch.StartNew();
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
        {
            for (var i = 0; i < activities.Length; i++)
            {
                var u = i % users;
                if (u % threads != t) continue;
                states[u].Apply(SuggestionPolicy.Decide(states[u], activities[i], context), index);
            }
        });
        BenchmarkReport.Info($"CPU floor, {threads} threads at once", $"{activities.Length / clock.Elapsed.TotalSeconds:0} events/s");
    }

    /// <summary>
    /// How often a live suggestion is the true best: the same events decided again (untimed), about 2,000 of the
    /// queries (evenly spread, so users of every age) also answered by the exact scan with the same exclusions.
    /// </summary>
    private static void AgreementWithExact(SimilarityIndex index, ActivityEvent[] activities, int users)
    {
        var events = activities.Length;
        var every = Math.Max(1, events / 2000);   // about 2,000 exact scans, however long the run
        var states = FreshStates(users);
        var context = SuggestionContext.ContentBased(index, SuggestionBeam);
        int compared = 0, agreeing = 0;
        var exact = new ScoredTrack[3];
        var audio = new AudioSource(index, new TrackCatalog(index.Tracks));
        for (var i = 0; i < events; i++)
        {
            var state = states[u(i)];
            var recorded = SuggestionPolicy.Decide(state, activities[i], context);
            // Compared against the state the decision saw, before the event changes it.
            if (i % every < 3 && recorded.Suggestions.Count == 3
                && audio.Profile(SuggestionPolicy.HistoryWith(state, activities[i])) is { } query
                && index.ExactTopK(query, exact, SuggestionPolicy.Exclusions(state, activities[i])) == 3)
                foreach (var suggestion in recorded.Suggestions)
                {
                    compared++;
                    // A batch is the audio source's top three, unless the artist rule passed over one of them.
                    if (Array.Exists(exact, e => e.TrackId == suggestion.TrackId)) agreeing++;
                }
            state.Apply(recorded, index);
        }
        int u(int i) => i % users;
        BenchmarkReport.Info("batch tracks within the exact top three (same exclusions)", $"{agreeing / (double)Math.Max(1, compared):0.000} of {compared} checked");
    }

    /// <summary>
    /// End to end through the real broker with the real recommender on the SQLite journal (the embedded default):
    /// backlog events/s until every offset is committed. Needs MUSICREC_TEST_KAFKA (scripts/lib/services.sh start_kafka).
    /// </summary>
    private static async Task<bool> ThroughKafka(SimilarityIndex index, int[][] byGenre, int events, int users,
        ActivityPipelineSettings pipeline, string[] options)
    {
        var bootstrap = Environment.GetEnvironmentVariable("MUSICREC_TEST_KAFKA");
        if (string.IsNullOrEmpty(bootstrap))
        {
            Console.WriteLine("  [kafka] MUSICREC_TEST_KAFKA is not set: the broker figure was not measured (run under scripts/lib/services.sh start_kafka).");
            return false;
        }
        using var transport = new KafkaTransport(StreamingBenchmark.KafkaSettingsFrom(bootstrap, options));
        var topics = StreamingBenchmark.FreshKafkaTopics() with { RecommenderParallelism = pipeline.RecommenderParallelism, MaxInFlightPerUser = pipeline.MaxInFlightPerUser };
        await StreamingBenchmark.CreateTopics(topics.ActivityTopic, topics.RecommendationsTopic, topics.DeadLetterTopic);
        Console.WriteLine($"  [kafka {bootstrap}, SQLite journal] backlog of {events} events for {users} users");
        var rate = await Run(JournalKind.Sqlite, index, byGenre, (system, _, _, target) =>
            StreamingBenchmark.KafkaThroughput(system, transport, topics, events, users, target));
        return BenchmarkReport.Figure("Kafka end-to-end events/s, real recommender, SQLite journal", rate, "events/s", 5000, lowerIsBetter: false);
    }

    /// <summary>A fresh actor system, journal and bus per measurement, so batch ids start from 1 for every user.</summary>
    private static async Task<T> Run<T>(JournalKind kind, SimilarityIndex index, int[][] byGenre,
        Func<ActorSystem, IMessageTransport, InProcessBus, StreamingBenchmark.Target, Task<T>> measure)
    {
        var dir = Path.Combine(Path.GetTempPath(), "musicrec-pipeline-bench-" + Guid.NewGuid().ToString("N"));
        var persistence = kind == JournalKind.Sqlite ? PersistenceOptions.Sqlite(Path.Combine(dir, "journal.db")) : PersistenceOptions.InMemory();
        var config = persistence.ToConfig()
            .WithFallback(ConfigurationFactory.ParseString("akka.loglevel = WARNING"));
        var system = ActorSystem.Create("bench", persistence.ToSetup(config));
        try
        {
            var bus = new InProcessBus(4);
            using var transport = new InProcessTransport(bus);
            var model = Blend ? WarmModel(index, byGenre) : null;
            // The node's model owner reads the same bus in its own group, so the model learns during the run.
            if (model is not null && ModelOnline) system.ActorOf(ListeningModelActor.Props(model, transport, index.Contains, new ListeningModelOptions()), "listening-model");
            var options = new RecommenderOptions
            {
                UseSharding = false, IdleTimeout = null, SnapshotEvery = SnapshotEvery, SuggestionBeam = SuggestionBeam, Model = model, Blend = BlendSettings,
            };
            var context = options.SuggestionsFrom(index);
            var random = new Random(11);
            var target = new StreamingBenchmark.Target(
                () => system.ActorOf(UserRecommenderParent.Props(id => UserRecommenderActor.Props(id, context, options)), "recommenders"),
                index.Contains,
                (i, n) => FavouriteGenreEvent(random, byGenre, i, n));
            var result = await measure(system, transport, bus, target);
            if (kind == JournalKind.Sqlite) ReportJournalRows(Path.Combine(dir, "journal.db"));
            return result;
        }
        finally
        {
            await system.Terminate();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Event <paramref name="i"/>: user i mod users plays a track of their favourite genre (listen 50%, like 30%, skip 20%).</summary>
    private static ActivityEvent FavouriteGenreEvent(Random random, int[][] byGenre, int i, int users)
    {
        var u = i % users;
        var own = byGenre[u % byGenre.Length];
        var action = random.Next(10) switch { < 5 => Actions.Listen, < 8 => Actions.Like, _ => Actions.Skip };
        return new ActivityEvent(Guid.NewGuid().ToString(), $"u{u}", own[random.Next(own.Length)], action, Start.AddMilliseconds(i));
    }

    /// <summary>Users u0 … u(n-1) before their first event.</summary>
    private static UserTasteState[] FreshStates(int users)
    {
        var states = new UserTasteState[users];
        for (var u = 0; u < users; u++) states[u] = new UserTasteState($"u{u}", new TasteSettings());
        return states;
    }

    /// <summary>Rows the journal holds after a run: with group commit, fewer than the events applied when users are busy.</summary>
    private static void ReportJournalRows(string path)
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Mode=ReadOnly");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*), COALESCE(SUM(deleted), 0) FROM journal";
        using var reader = command.ExecuteReader();
        if (reader.Read()) BenchmarkReport.Info("journal rows written (events of all phases share them)", $"{reader.GetInt64(0)} ({reader.GetInt64(1)} marked deleted after snapshots)");
    }

    /// <summary>--suggestion-beam N (the recommender's default when absent; 0: the index's own beam).</summary>
    private static int? SuggestionBeam = new RecommenderOptions().SuggestionBeam;

    /// <summary>--blend on|off: the hybrid blend (default) or audio similarity alone.</summary>
    private static bool Blend = true;

    /// <summary>--arrivals random: also measure latency with each event from a user drawn at random (users in turn otherwise).</summary>
    private static bool RandomArrivals;

    /// <summary>--model-online on|off: whether the model's owner learns from the bus during a run (off: its cost left out).</summary>
    private static bool ModelOnline = true;

    /// <summary>--model-events N: events of other listeners the listening model has learned before a run.</summary>
    private static int WarmUpEvents = 200_000;

    /// <summary>--candidates N: candidates asked of each source (the blend's HOCON default otherwise).</summary>
    private static BlendOptions BlendSettings = new RecommenderOptions().Blend;

    private static SuggestionContext ContextFor(SimilarityIndex index, ListeningModel? model) =>
        model is null ? SuggestionContext.ContentBased(index, SuggestionBeam) : new RecommenderOptions { SuggestionBeam = SuggestionBeam, Blend = BlendSettings }.SuggestionsFrom(index, model);

    /// <summary>A listening model that has seen <see cref="WarmUpEvents"/> events of 5,000 other listeners (w0 …).</summary>
    /// <remarks>A fresh model each time (it learns online during a run); the events it learns are generated once.</remarks>
    private static ListeningModel WarmModel(SimilarityIndex index, int[][] byGenre)
    {
        var model = new ListeningModel(new TrackCatalog(index.Tracks));
        var log = WarmUpLog(byGenre);
        var clock = Stopwatch.StartNew();
        model.Observe(log);
        BenchmarkReport.Info("model updates alone (this run's warm-up)", $"{log.Count / clock.Elapsed.TotalSeconds:0} events/s");
        return model;
    }

    /// <summary>The last warm-up log built, with the genres and event count it was built for.</summary>
    private static (int[][] ByGenre, int Count, List<ActivityEvent> Events)? _warmUpLog;

    /// <summary>The <see cref="WarmUpEvents"/> events of the listeners w0 … (fixed seed), built on first use and kept.</summary>
    private static List<ActivityEvent> WarmUpLog(int[][] byGenre)
    {
        if (_warmUpLog is { } kept && kept.ByGenre == byGenre && kept.Count == WarmUpEvents) return kept.Events;
        var random = new Random(3);
        var events = new List<ActivityEvent>(WarmUpEvents);
        for (var i = 0; i < WarmUpEvents; i++)
        {
            var e = FavouriteGenreEvent(random, byGenre, i, 5000);
            events.Add(e with { UserId = "w" + e.UserId, Ts = Start.AddMilliseconds(i - WarmUpEvents) });
        }
        _warmUpLog = (byGenre, WarmUpEvents, events);
        return events;
    }

    /// <summary>--snapshot-every N (the recommender's default when absent).</summary>
    private static int SnapshotEvery = new RecommenderOptions().SnapshotEvery;
}
