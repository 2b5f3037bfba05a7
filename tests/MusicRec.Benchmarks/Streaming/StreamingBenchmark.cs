using System.Collections.Concurrent;
using System.Diagnostics;
using Akka.Actor;
using MusicRec.Contracts;
using MusicRec.Streaming;
using MusicRec.Streaming.Transport;
using ActivityEvent = MusicRec.Contracts.ActivityEvent;

namespace MusicRec.Benchmarks.Streaming;

/// <summary>
/// The activity pipeline with a trivial recommender: on the in-process bus and (when MUSICREC_TEST_KAFKA is set)
/// through the real broker. Throughput: a backlog of events is loaded first, then the pipeline is timed from its
/// start until every offset is committed. Latency: events are sent at a fixed rate and each batch is timed from
/// the send of the event that completed it to its arrival at a recommendation feed.
/// Options: --events N (backlog, default 100000) --users U (default 1000) --rate R (default 5000) --seconds S (default 10).
/// </summary>
public sealed class StreamingBenchmark : IBenchmark
{
    public string Name => "streaming";
    public bool MeasuresTheService => true;
    public string Description => "activity pipeline events/s and event-to-batch latency, in-process bus and real Kafka";

    internal static bool Verbose;

    public async Task<bool> RunAsync(string[] options)
    {
        Verbose = options.Contains("--verbose");
        var skipInProcess = options.Contains("--kafka-only");
        var events = BenchmarkOptions.Int(options, "--events", 100_000);
        var users = BenchmarkOptions.Int(options, "--users", 1000);
        var rate = BenchmarkOptions.Int(options, "--rate", 5000);
        var seconds = BenchmarkOptions.Int(options, "--seconds", 10);
        var ok = true;

        using var system = ActorSystem.Create("bench", "akka.loglevel = WARNING");
        TrivialSystem = system;
        if (!skipInProcess)
        {
        Console.WriteLine($"  [in-process bus] backlog of {events} events for {users} users");
        {
            var bus = new InProcessBus(4);
            using var transport = new InProcessTransport(bus);
            var (rateIn, _) = await Throughput(system, transport, events, users, new ActivityPipelineSettings(),
                () => bus.Lag("musicrec-recommender", Topics.UserActivity) == 0);
            ok &= BenchmarkReport.Figure("in-process events/s (trivial recommender)", rateIn, "events/s", 20_000, lowerIsBetter: false);
        }
        {
            var bus = new InProcessBus(4);
            using var transport = new InProcessTransport(bus);
            var (p50, p99, achieved) = await Latency(system, transport, new ActivityPipelineSettings(), users, rate, seconds);
            BenchmarkReport.Info("in-process offered rate achieved", $"{achieved:0} events/s");
            BenchmarkReport.Info("in-process event-to-batch p50", $"{p50:0.0} ms");
            ok &= BenchmarkReport.Figure($"in-process event-to-batch p99 at {rate}/s", p99, "ms", 50, lowerIsBetter: true);
        }
        }

        var bootstrap = Environment.GetEnvironmentVariable("MUSICREC_TEST_KAFKA");
        if (string.IsNullOrEmpty(bootstrap))
        {
            Console.WriteLine("  [kafka] MUSICREC_TEST_KAFKA is not set: the Kafka figures were not measured (run under scripts/lib/services.sh start_kafka).");
            return false;
        }
        using (var transport = new KafkaTransport(KafkaSettingsFrom(bootstrap, options)))
        {
            var pipeline = FreshKafkaTopics();
            await CreateTopics(pipeline.ActivityTopic, pipeline.RecommendationsTopic, pipeline.DeadLetterTopic);
            Console.WriteLine($"  [kafka {bootstrap}] backlog of {events} events for {users} users");
            var rateKafka = await KafkaThroughput(system, transport, pipeline, events, users);
            ok &= BenchmarkReport.Figure("Kafka end-to-end events/s (trivial recommender)", rateKafka, "events/s", 5000, lowerIsBetter: false);

            var latencySettings = pipeline with { GroupId = pipeline.GroupId + "-lat", ActivityTopic = pipeline.ActivityTopic + "-lat" };
            await CreateTopics(latencySettings.ActivityTopic);
            var kafkaRate = Math.Min(rate, 2000);
            var (p50, p99, achieved) = await Latency(system, transport, latencySettings, users, kafkaRate, seconds);
            BenchmarkReport.Info("Kafka offered rate achieved", $"{achieved:0} events/s");
            BenchmarkReport.Info($"Kafka event-to-batch p50 at {kafkaRate}/s", $"{p50:0.0} ms");
            BenchmarkReport.Info($"Kafka event-to-batch p99 at {kafkaRate}/s", $"{p99:0.0} ms");
        }
        return ok;
    }

    /// <summary>Client settings for the test broker (0.9.0.1 needs these), plus any --kafka-property k=v given.</summary>
    internal static KafkaSettings KafkaSettingsFrom(string bootstrap, string[] options) => KafkaSettings.Create(bootstrap,
        ["api.version.request=false", "broker.version.fallback=0.9.0.1", "session.timeout.ms=10000", "heartbeat.interval.ms=1000",
         .. options.Select((o, i) => (o, i)).Where(x => x.o == "--kafka-property" && x.i + 1 < options.Length).Select(x => options[x.i + 1])]);

    /// <summary>Pipeline settings on topics and a group of their own, so runs never see each other's events.</summary>
    internal static ActivityPipelineSettings FreshKafkaTopics()
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        return new ActivityPipelineSettings
        {
            GroupId = $"bench-{suffix}",
            ActivityTopic = $"bench-act-{suffix}",
            RecommendationsTopic = $"bench-rec-{suffix}",
            DeadLetterTopic = $"bench-dlq-{suffix}",
        };
    }

    /// <summary>Backlog throughput through the broker: done when the group's committed offsets reach every partition's end.</summary>
    internal static async Task<double> KafkaThroughput(ActorSystem system, KafkaTransport transport, ActivityPipelineSettings pipeline,
        int events, int users, Target? target = null)
    {
        var ends = new ConcurrentDictionary<PartitionId, long>();
        using var probe = transport.CreateConsumer(new ConsumerOptions(pipeline.GroupId, []));
        return (await Throughput(system, transport, events, users, pipeline, () =>
        {
            try
            {
                return ends.All(e => probe.Committed(e.Key, TimeSpan.FromSeconds(5)) == e.Value);
            }
            catch (Confluent.Kafka.KafkaException)
            {
                return false;
            }
        }, ends, target)).WholeRun;
    }

    internal static async Task CreateTopics(params string[] topics)
    {
        var home = Environment.GetEnvironmentVariable("MUSICREC_TEST_KAFKA_HOME");
        var zk = Environment.GetEnvironmentVariable("MUSICREC_TEST_ZOOKEEPER");
        if (string.IsNullOrEmpty(home) || string.IsNullOrEmpty(zk)) return; // the broker auto-creates them
        foreach (var t in topics)
        {
            var psi = new ProcessStartInfo(Path.Combine(home, "bin", "kafka-topics.sh"),
                ["--zookeeper", zk, "--create", "--topic", t, "--partitions", "4", "--replication-factor", "1"])
            { RedirectStandardOutput = true, RedirectStandardError = true };
            using var p = Process.Start(psi)!;
            await p.WaitForExitAsync();
        }
    }

    /// <summary>Bytes the process allocated per event in the last throughput or latency run (printed beside its figure).</summary>
    internal static double LastAllocatedPerEvent;

    /// <summary>Set by --alloc-profile: samples what the backlog and latency runs allocate, by type.</summary>
    internal static AllocationSampler? AllocationProfile;
    internal static readonly GcPauseRecorder GcPauses = new();

    private static ActivityEvent Event(int i, int users) =>
        new(Guid.NewGuid().ToString(), $"u{i % users}", 1 + i % 1000, Actions.Listen, DateTimeOffset.UtcNow);

    /// <summary>What the pipeline under test talks to: the recommender, the track check and the events sent.</summary>
    internal sealed record Target(Func<IActorRef> Recommender, Func<int, bool> TrackExists, Func<int, int, ActivityEvent> Event);

    private static readonly Target Trivial = new(() => TrivialSystem!.ActorOf(Props.Create<TrivialRecommender>()), _ => true, Event);
    private static ActorSystem? TrivialSystem;

    /// <summary>
    /// Times a backlog of <paramref name="events"/> through the pipeline until <paramref name="allCommitted"/>; returns
    /// the rate over the whole run and over its middle (10% to 90% of the events committed). Without
    /// <paramref name="warmUp"/> the backlog is loaded, then the pipeline starts: the whole run counts from the first
    /// event received (every user's actor created and recovered, the JIT, all included). With it (the steady state,
    /// as a service that has been running) the pipeline starts and every user sends one event first, then the backlog
    /// is produced and the whole run counts from its first send to its last commit. The middle is only indicative:
    /// with a wide in-flight window the work of a cold start's first seconds is committed in a burst (a user's first
    /// event holds up everything behind it while the actor recovers), which inflates it.
    /// </summary>
    internal static async Task<(double WholeRun, double Middle)> Throughput(ActorSystem system, IMessageTransport transport, int events, int users,
        ActivityPipelineSettings settings, Func<bool> allCommitted, ConcurrentDictionary<PartitionId, long>? ends = null, Target? target = null,
        bool warmUp = false)
    {
        target ??= Trivial;
        // The load generator makes up its events (ids, JSON) before the clock starts: that is the clients' work, not
        // the pipeline's, and it ran on the same cores (docs/benchmarks.md, thirteenth session). Sending them is timed.
        OutgoingRecord[] Records(int from, int count) => [.. Enumerable.Range(from, count)
            .Select(i => new OutgoingRecord(settings.ActivityTopic, $"u{i % users}", StreamingJson.Serialize(target.Event(i, users))))];
        async Task Produce(OutgoingRecord[] records)
        {
            using var producer = transport.CreateProducer();
            var load = Stopwatch.StartNew();
            var pending = new List<Task<DeliveryReport>>(records.Length);
            foreach (var record in records) pending.Add(producer.ProduceAsync(record));
            foreach (var r in await Task.WhenAll(pending))
                if (ends is not null) ends.AddOrUpdate(r.Partition, r.Offset + 1, (_, o) => Math.Max(o, r.Offset + 1));
            if (records.Length == events) BenchmarkReport.Info("backlog produced", $"{records.Length / load.Elapsed.TotalSeconds:0} events/s");
        }
        var warmUpEvents = warmUp ? Records(0, users) : [];
        var backlog = Records(warmUp ? users : 0, events);
        if (!warmUp) await Produce(backlog);
        SettleHeap();
        var recommender = target.Recommender();
        var control = ActivityPipeline.Start(system, transport, recommender, target.TrackExists, settings);
        long before = 0;
        if (warmUp)
        {
            var warming = Stopwatch.StartNew();
            await Produce(warmUpEvents);
            while (control.Metrics.Committed < users && warming.Elapsed < TimeSpan.FromSeconds(60)) await Task.Delay(10);
            BenchmarkReport.Info("warm-up: one event per user (actors created and recovered, JIT), not timed", $"{warming.Elapsed.TotalSeconds:0.00} s");
            before = control.Metrics.Committed;
            SettleHeap();
        }
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var gcBefore = GcFigures.Now();
        GcPauses.Start();
        AllocationProfile?.Start();
        var clock = Stopwatch.StartNew();
        if (warmUp) await Produce(backlog);
        var deadline = TimeSpan.FromMinutes(5);
        var lastReport = TimeSpan.Zero;
        var firstAt = TimeSpan.Zero;
        (TimeSpan At, long Committed)? from = null, to = null;
        while (!allCommitted() && clock.Elapsed < deadline)
        {
            await Task.Delay(20);
            // Warmed up, the clock started at the backlog's first send.
            if (!warmUp && firstAt == TimeSpan.Zero && control.Metrics.EventsReceived > 0) firstAt = clock.Elapsed;
            var committed = control.Metrics.Committed - before;
            if (from is null && committed >= events / 10) from = (clock.Elapsed, committed);
            if (to is null && committed >= events * 9L / 10) to = (clock.Elapsed, committed);
            if (Verbose && clock.Elapsed - lastReport > TimeSpan.FromSeconds(1))
            {
                lastReport = clock.Elapsed;
                var m = control.Metrics;
                Console.WriteLine($"    {clock.Elapsed.TotalSeconds:0.0} s: received {m.EventsReceived}, applied {m.EventsApplied}, committed {m.Committed}, restarts {m.StreamRestarts}");
            }
        }
        var elapsed = clock.Elapsed;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        var gc = GcFigures.Now() - gcBefore;
        var sinceFirst = elapsed - firstAt;
        var done = control.Metrics.Committed - before;
        await control.DrainAndShutdownAsync();
        await recommender.GracefulStop(TimeSpan.FromSeconds(5));
        if (elapsed >= deadline) Console.WriteLine($"  (gave up after {deadline}: {done} of {events} committed)");
        BenchmarkReport.Info("processed", $"{done} events, {control.Metrics.Batches} batches in {elapsed.TotalSeconds:0.00} s " +
            (warmUp ? "from the first send of the backlog" : $"from the start ({done / elapsed.TotalSeconds:0} events/s including joining the group), " +
            $"{sinceFirst.TotalSeconds:0.00} s from the first event"));
        // CPU per event moves far less than wall time when other jobs share the cores.
        BenchmarkReport.Info("process CPU per event (all threads)", $"{cpu.TotalMilliseconds * 1000 / Math.Max(1, done):0.0} µs " +
            $"(so 2 free cores would allow about {2e6 / Math.Max(1e-9, cpu.TotalMilliseconds * 1000 / Math.Max(1, done)):0} events/s)");
        BenchmarkReport.Info("garbage collection during the run", gc.Describe(done));
        LastAllocatedPerEvent = gc.Allocated / (double)Math.Max(1, done);
        BenchmarkReport.Info("runtime pauses during the run", GcPauses.Describe());
        AllocationProfile?.Report("backlog run", done);
        var wholeRun = done / sinceFirst.TotalSeconds;
        var middle = from is { } a && to is { } b && b.At > a.At ? (b.Committed - a.Committed) / (b.At - a.At).TotalSeconds : wholeRun;
        BenchmarkReport.Info("events/s over the middle of the run (10% to 90% committed)", $"{middle:0}");
        if (!warmUp) BenchmarkReport.Info("events/s over the whole run, from the first event (start-up included)", $"{wholeRun:0}");
        return (wholeRun, middle);
    }

    /// <summary>
    /// After a warm-up event per user, sends at a fixed rate; each batch is timed from the send of its third event to
    /// its arrival at the feed. Events go to the users in turn (every user's third event in the same fifth of a second
    /// at 1,000 users and 5,000/s: the batches' decisions come in bursts), or with <paramref name="randomArrivals"/>
    /// each to a user drawn at random (seeded), as independent listeners would send them.
    /// </summary>
    internal static async Task<(double P50, double P99, double Achieved)> Latency(ActorSystem system, IMessageTransport transport,
        ActivityPipelineSettings settings, int users, int rate, int seconds, Target? target = null, bool randomArrivals = false)
    {
        var arrivals = new Random(17);
        target ??= Trivial;
        var recommender = target.Recommender();
        var control = ActivityPipeline.Start(system, transport, recommender, target.TrackExists, settings);
        var sentAt = new ConcurrentDictionary<string, long>();
        // Each batch's latency with the second of the run its third event was sent in.
        var latencies = new ConcurrentBag<(int Second, double Ms)>();
        long measuredFrom = 0;
        using var stop = new CancellationTokenSource();
        var feed = new TransportRecommendationFeed(transport, new RecommendationFeedOptions { Topic = settings.RecommendationsTopic });
        var reader = Task.Run(async () =>
        {
            try
            {
                await foreach (var b in feed.ReadAsync(stop.Token))
                    if (sentAt.TryRemove(b.BatchId, out var t))
                    {
                        latencies.Add(((int)((t - Volatile.Read(ref measuredFrom)) / Stopwatch.Frequency), Stopwatch.GetElapsedTime(t).TotalMilliseconds));
                    }
            }
            catch (OperationCanceledException)
            {
                // the measurement is over
            }
        });
        await Task.Delay(TimeSpan.FromSeconds(transport is KafkaTransport ? 8 : 1)); // let the pipeline and the feed join their groups
        using var producer = transport.CreateProducer();
        var total = rate * seconds;
        var perUser = new int[users];
        // Warm-up, not timed: one event per user, so every user's actor is started (and recovered) before the
        // measurement; the figure is the latency at a sustained rate, not of the first contact.
        for (var u = 0; u < users; u++)
        {
            perUser[u]++;
            await producer.ProduceAsync(new OutgoingRecord(settings.ActivityTopic, $"u{u}", StreamingJson.Serialize(target.Event(u, users))));
        }
        var warmUntil = DateTime.UtcNow.AddSeconds(60);
        while (control.Metrics.EventsApplied + control.Metrics.EventsDeadLettered < users && DateTime.UtcNow < warmUntil) await Task.Delay(20);
        // The warm-up's own objects (1,000 new actors, their recovered states) are what a service that has run for a
        // while holds in its oldest generation: collect once now, so they are not promoted during the measurement.
        SettleHeap();
        var gcBefore = GcFigures.Now();
        GcPauses.Start();
        AllocationProfile?.Start();
        Volatile.Write(ref measuredFrom, Stopwatch.GetTimestamp());
        var clock = Stopwatch.StartNew();
        var pending = new List<Task>();
        for (var i = users; i < users + total; i++)
        {
            if (Verbose && (i - users) % rate == 0)
                Console.WriteLine($"    {clock.Elapsed.TotalSeconds:0.0} s: sent {i}, received {control.Metrics.EventsReceived}, applied {control.Metrics.EventsApplied}, committed {control.Metrics.Committed}, batches seen {latencies.Count}");
            var due = TimeSpan.FromSeconds((double)(i - users) / rate) - clock.Elapsed;
            if (due > TimeSpan.FromMilliseconds(1)) await Task.Delay(due);
            var u = randomArrivals ? arrivals.Next(users) : i % users;
            var n = ++perUser[u];
            if (n % 3 == 0) sentAt[$"u{u}-{n / 3}"] = Stopwatch.GetTimestamp();
            // Only sends still in flight are kept (to await them): holding every completed one for the whole run
            // would add the benchmark's own bookkeeping to what each collection has to copy. The event index is moved
            // to one of user u's (the targets derive the user from the index).
            var send = producer.ProduceAsync(new OutgoingRecord(settings.ActivityTopic, $"u{u}", StreamingJson.Serialize(target.Event(i - i % users + u, users))));
            if (!send.IsCompletedSuccessfully) pending.Add(send);
        }
        var achieved = total / clock.Elapsed.TotalSeconds;
        await Task.WhenAll(pending);
        var waitUntil = DateTime.UtcNow.AddSeconds(30);
        while (!sentAt.IsEmpty && DateTime.UtcNow < waitUntil) await Task.Delay(50);
        if (!sentAt.IsEmpty) Console.WriteLine($"  ({sentAt.Count} batches not seen within 30 s after the last send)");
        await stop.CancelAsync();
        await reader;
        await control.DrainAndShutdownAsync();
        await recommender.GracefulStop(TimeSpan.FromSeconds(5));
        // Where the tail comes from: one slow second (a stall) or spread over the run.
        BenchmarkReport.Info("event-to-batch p99 by second of the run", string.Join(", ", latencies.GroupBy(x => x.Second).OrderBy(g => g.Key)
            .Select(g => $"{At(g.Select(x => x.Ms).Order().ToArray(), 0.99):0}")) + " ms");
        var gc = GcFigures.Now() - gcBefore;
        BenchmarkReport.Info("garbage collection while measuring latency", gc.Describe(total));
        LastAllocatedPerEvent = gc.Allocated / (double)Math.Max(1, total);
        BenchmarkReport.Info("runtime pauses while measuring latency", GcPauses.Describe());
        AllocationProfile?.Report("latency run", total);
        var sorted = latencies.Select(x => x.Ms).Order().ToArray();
        if (sorted.Length == 0) return (double.NaN, double.NaN, achieved);
        return (At(sorted, 0.5), At(sorted, 0.99), achieved);
    }

    /// <summary>
    /// A full compacting collection before a measurement: what came before it (the previous measurement's terminated
    /// actor system, bus and journal; the warm-up) is not charged to this one's pauses.
    /// </summary>
    private static void SettleHeap()
    {
        System.Runtime.GCSettings.LargeObjectHeapCompactionMode = System.Runtime.GCLargeObjectHeapCompactionMode.CompactOnce;
        // A collection promotes its survivors by one generation: the second takes what the first left in gen1 (a
        // freshly warmed model, new actors' states) to gen2, where a service that has run a while holds them.
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
    }

    /// <summary>The value a fraction <paramref name="q"/> of the way up a sorted sample.</summary>
    private static double At(double[] sorted, double q) => sorted[Math.Min(sorted.Length - 1, (int)(sorted.Length * q))];
}

/// <summary>Collections, pause time and allocation of the process: where CPU goes that no profiler frame names.</summary>
internal readonly record struct GcFigures(int Gen0, int Gen1, int Gen2, TimeSpan Paused, long Allocated)
{
    public static GcFigures Now() => new(GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2),
        GC.GetTotalPauseDuration(), GC.GetTotalAllocatedBytes());

    public static GcFigures operator -(GcFigures a, GcFigures b) =>
        new(a.Gen0 - b.Gen0, a.Gen1 - b.Gen1, a.Gen2 - b.Gen2, a.Paused - b.Paused, a.Allocated - b.Allocated);

    public string Describe(long events) =>
        $"{(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")} GC: {Gen0} gen0 / {Gen1} gen1 / {Gen2} gen2 collections, {Paused.TotalMilliseconds:0} ms paused, " +
        $"{Allocated / (double)Math.Max(1, events) / 1024:0.0} KB allocated per event";
}
