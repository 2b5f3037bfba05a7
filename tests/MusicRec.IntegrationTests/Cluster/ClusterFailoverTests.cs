using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Confluent.Kafka;
using MusicRec.Contracts;
using MusicRec.Streaming;
using ActivityEvent = MusicRec.Contracts.ActivityEvent;
using Xunit.Abstractions;

namespace MusicRec.IntegrationTests.Cluster;

/// <summary>
/// Three `musicrec serve` processes on loopback with one Kafka broker and one PostgreSQL journal: activity for
/// 200 users flows while the oldest node (the one holding the shard coordinator) is killed with kill -9, and
/// later another node is asked to leave with SIGTERM. Every valid event must be in its user's state exactly
/// once, batch ids must stay unique per user, and the cluster must settle without the dead node.
/// </summary>
[Trait("Category", "Cluster")]
[Collection(ServeProcessesCollection.Name)]
public sealed class ClusterFailoverTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Users = 200;
    private const int EventsPerUserBeforeLeave = 12;
    private const int EventsPerUserDuringLeave = 3;

    private readonly string _run = $"ct{DateTime.UtcNow:HHmmss}{Random.Shared.Next(100, 999)}";
    private readonly List<ServiceNode> _nodes = [];
    private string _work = "";

    public Task InitializeAsync()
    {
        _work = Path.Combine(Path.GetTempPath(), "musicrec-cluster-" + _run);
        Directory.CreateDirectory(_work);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        foreach (var node in _nodes) await node.DisposeAsync();
        if (Environment.GetEnvironmentVariable("MUSICREC_TEST_KEEP") == "1") return;
        try { Directory.Delete(_work, recursive: true); }
        catch (IOException e) { output.WriteLine($"could not remove {_work}: {e.Message}"); }
    }

    [Fact(Timeout = 420_000)]
    public async Task Kill_9_of_the_coordinator_node_and_a_graceful_leave_lose_no_event_and_apply_none_twice()
    {
        var env = ClusterTestEnvironment.FromEnvironment();
        var clock = Stopwatch.StartNew();
        void Log(string message) => output.WriteLine($"[{clock.Elapsed.TotalSeconds,6:0.0}s] {message}");

        // Topics and consumer group of this run only, so earlier runs' messages on the shared broker do not count.
        var activityTopic = $"{_run}_user_activity";
        var recommendationsTopic = $"{_run}_recommendations";
        await Task.WhenAll(env.CreateTopicAsync(activityTopic, 6), env.CreateTopicAsync(recommendationsTopic, 4));
        var hocon = Path.Combine(_work, "test.hocon");
        await File.WriteAllTextAsync(hocon, $$"""
            musicrec.pipeline {
              group-id = "{{_run}}-recommender"
              activity-topic = "{{activityTopic}}"
              recommendations-topic = "{{recommendationsTopic}}"
              dead-letter-topic = "{{_run}}_user_activity.dlq"
            }
            """);
        var storePath = Path.Combine(_work, "catalogue.db");
        var tracks = await TestCatalogue.WriteSqliteAsync(storePath, 160);
        Log($"catalogue of {tracks.Count} tracks, topics {activityTopic} / {recommendationsTopic}");

        // Node 1 is the seed and the oldest member, so it hosts the shard coordinator.
        var ports = Enumerable.Range(0, 3).Select(_ => (cluster: ClusterTestEnvironment.FreePort(), admin: ClusterTestEnvironment.FreePort())).ToArray();
        var seed = $"akka.tcp://musicrec@127.0.0.1:{ports[0].cluster}";
        ServiceNode StartNode(int i) => ServiceNode.Start($"node{i + 1}", ports[i].cluster, ports[i].admin, Path.Combine(_work, $"node{i + 1}"),
            ["--store", $"sqlite:{storePath}", .. env.KafkaArgs(), "--journal", env.Postgres, "--seed-node", seed],
            new Dictionary<string, string> { ["MUSICREC_HOCON"] = hocon });

        var node1 = StartNode(0);
        _nodes.Add(node1);
        await node1.WaitReadyAsync(TimeSpan.FromSeconds(90));
        // Let node 1 create the journal tables before three nodes race to do it.
        await WaitForAsync("node1 answers a user's state", TimeSpan.FromSeconds(30), async () => await node1.UserStateAsync($"{_run}-warmup") is not null);
        var node2 = StartNode(1);
        var node3 = StartNode(2);
        _nodes.Add(node2);
        _nodes.Add(node3);
        await Task.WhenAll(node2.WaitReadyAsync(TimeSpan.FromSeconds(90)), node3.WaitReadyAsync(TimeSpan.FromSeconds(90)));
        await WaitForAsync("three Up members", TimeSpan.FromSeconds(30), async () => UpCount(await node1.ClusterAsync()) == 3);
        Log("three nodes Up");

        // Everything published to recommendations, read from the beginning by a group of the test's own.
        using var stopReading = new CancellationTokenSource();
        var batches = new ConcurrentBag<RecommendationBatch>();
        var reader = Task.Run(() => ReadBatches(env, recommendationsTopic, batches, stopReading.Token));

        using var producer = new ProducerBuilder<string, string>(new ProducerConfig(env.ClientConfig()) { LingerMs = 5 }).Build();
        var expected = new ConcurrentDictionary<string, HashSet<string>>();
        var userIds = Enumerable.Range(1, Users).Select(i => $"{_run}-u{i:000}").ToArray();
        var actions = new[] { Actions.Listen, Actions.Like, Actions.Skip };
        var rng = new Random(11);
        var invalid = 0;
        var duplicates = 0;

        async Task ProduceRoundsAsync(int firstRound, int rounds, double eventsPerSecond, Func<int, Task>? afterRound = null)
        {
            var sent = 0;
            var started = Stopwatch.StartNew();
            for (var round = firstRound; round < firstRound + rounds; round++)
            {
                foreach (var user in userIds)
                {
                    var ev = new ActivityEvent($"{user}-e{round:00}", user, tracks[rng.Next(tracks.Count)], actions[rng.Next(3)], DateTimeOffset.UtcNow);
                    var json = JsonSerializer.Serialize(ev);
                    producer.Produce(activityTopic, new Message<string, string> { Key = user, Value = json });
                    expected.GetOrAdd(user, _ => []).Add(ev.EventId);
                    if (rng.Next(40) == 0)
                    {
                        // The same event again (a producer retry): must not be applied twice.
                        producer.Produce(activityTopic, new Message<string, string> { Key = user, Value = json });
                        Interlocked.Increment(ref duplicates);
                    }
                    if (rng.Next(60) == 0)
                    {
                        // Unknown track: goes to the DLQ and must not count.
                        producer.Produce(activityTopic, new Message<string, string> { Key = user,
                            Value = JsonSerializer.Serialize(ev with { EventId = ev.EventId + "-bad", TrackId = 999_999 }) });
                        Interlocked.Increment(ref invalid);
                    }
                    if (++sent % 50 == 0)
                    {
                        var ahead = TimeSpan.FromSeconds(sent / eventsPerSecond) - started.Elapsed;
                        if (ahead > TimeSpan.Zero) await Task.Delay(ahead);
                    }
                }
                if (afterRound is not null) await afterRound(round);
            }
            producer.Flush(TimeSpan.FromSeconds(30));
        }

        // Phase 1: 12 events per user at about 300/s; node 1 dies by kill -9 after the fourth round.
        HashSet<string> usersOnNode1 = [];
        await ProduceRoundsAsync(0, EventsPerUserBeforeLeave, 300, async round =>
        {
            if (round == 3) await DashboardCountsEveryNodesEntitiesAsync([node1, node2, node3], Log);
            if (round != 4) return;
            usersOnNode1 = (await node1.EntitiesAsync()).Where(u => u.StartsWith($"{_run}-u", StringComparison.Ordinal)).ToHashSet();
            node1.KillHard();
            Log($"killed node1 (kill -9) with {usersOnNode1.Count} of this run's users' entities on it");
        });
        Log($"phase 1 produced: {Users * EventsPerUserBeforeLeave} valid events, {duplicates} repeats, {invalid} invalid");
        Assert.NotEmpty(usersOnNode1);

        await WaitForAsync("the cluster to settle to two Up members without node1", TimeSpan.FromSeconds(60), async () =>
        {
            var view = await node2.ClusterAsync();
            return UpCount(view) == 2 && view.Unreachable.Count == 0 && view.Members.All(m => m.Address != node1.Address);
        });
        Log("cluster settled to two members: " + string.Join(", ", (await node2.ClusterAsync()).Members.Select(m => $"{m.Address} {m.Status}")));

        await WaitForAllAppliedAsync(node2, userIds, expected, TimeSpan.FromSeconds(120), Log);
        Log("every event of phase 1 applied exactly once");
        // Every node builds the listening model from the whole topic (every valid record, repeats too): the same model
        // on both survivors, whichever partitions their pipelines hold.
        var phase1Records = Users * EventsPerUserBeforeLeave + duplicates;
        await WaitForAsync("the same listening model on node2 and node3", TimeSpan.FromSeconds(30), async () =>
        {
            var (model2, model3) = (await node2.ModelAsync(), await node3.ModelAsync());
            return model2 == model3 && model2.StartsWith($"{{\"events\":{phase1Records},", StringComparison.Ordinal);
        });
        Log($"listening model on node2 and node3: {await node2.ModelAsync()}");
        // The users whose entities died with node 1 came back elsewhere, with everything they had before.
        foreach (var user in usersOnNode1.Take(20))
        {
            var state = await node3.UserStateAsync(user);
            Assert.NotNull(state);
            Assert.Equal(expected[user].Count, state!.EventsApplied);
        }

        // Phase 2: node 3 is asked to leave (SIGTERM) while events keep coming.
        var linesBeforeLeave = 0;
        await ProduceRoundsAsync(EventsPerUserBeforeLeave, EventsPerUserDuringLeave, 150, round =>
        {
            if (round == EventsPerUserBeforeLeave)
            {
                linesBeforeLeave = node3.Output.Split('\n').Length;
                node3.Terminate();
                Log("SIGTERM to node3");
            }
            return Task.CompletedTask;
        });
        var exitCode = await node3.WaitForExitAsync(TimeSpan.FromSeconds(90));
        Log($"node3 exited with {exitCode}");
        Assert.True(exitCode == 0, $"node3 exited with {exitCode} after SIGTERM:\n{node3.Tail()}");
        // Errors from the moment it was asked to leave (librdkafka's own warnings on stderr, %4 and up, are not errors).
        var errors = node3.Output.Split('\n').Skip(linesBeforeLeave - 1)
            .Where(l => l.Contains("[ERROR]") || l.Contains(" fail: ") || (l.StartsWith("ERR ") && !System.Text.RegularExpressions.Regex.IsMatch(l, @"^ERR %[4-7]\|")))
            .ToList();
        Assert.True(errors.Count == 0, "node3 logged errors while leaving:\n" + string.Join('\n', errors.Take(20)));
        Assert.Contains(node3.Output.Split('\n'), l => l.Contains("Activity pipeline drained"));

        await WaitForAsync("node2 alone in the cluster", TimeSpan.FromSeconds(60), async () =>
        {
            var view = await node2.ClusterAsync();
            return view.Members.Count == 1 && UpCount(view) == 1;
        });
        await WaitForAllAppliedAsync(node2, userIds, expected, TimeSpan.FromSeconds(120), Log);
        Log("every event of phase 2 applied exactly once");

        // The survivor's metrics: its consumer has caught up with the partitions it holds, its entities are counted.
        await WaitForAsync("node2's consumer lag to reach 0 on /metrics", TimeSpan.FromSeconds(30), async () =>
        {
            var metrics = await node2.MetricsAsync();
            return Regex.IsMatch(metrics, @"(?m)^musicrec_consumer_lag\{[^}]*\} 0$") && Regex.IsMatch(metrics, @"(?m)^musicrec_entities\{[^}]*\} [1-9]");
        });

        // Batches: after dropping repeats, ids are unique per user, numbered 1..BatchesEmitted, and a repeat is identical.
        var states = new Dictionary<string, UserState>();
        foreach (var user in userIds) states[user] = (await node2.UserStateAsync(user))!;
        await WaitForAsync("every batch on the recommendations topic", TimeSpan.FromSeconds(60), () =>
        {
            var seen = batches.Where(b => states.ContainsKey(b.UserId)).GroupBy(b => b.UserId)
                .ToDictionary(g => g.Key, g => g.Select(b => b.BatchId).Distinct().Count());
            return Task.FromResult(userIds.All(u => seen.GetValueOrDefault(u) == states[u].BatchesEmitted));
        });
        await stopReading.CancelAsync();
        await reader;
        var total = 0;
        foreach (var group in batches.Where(b => states.ContainsKey(b.UserId)).GroupBy(b => b.UserId))
        {
            var byId = group.GroupBy(b => b.BatchId).ToList();
            var numbers = byId.Select(g => long.Parse(g.Key[(g.Key.LastIndexOf('-') + 1)..])).Order().ToList();
            Assert.Equal(Enumerable.Range(1, numbers.Count).Select(n => (long)n), numbers);
            foreach (var same in byId)
            {
                Assert.All(same, b => Assert.Equal(3, b.Tracks.Count));
                var first = same.First().Tracks.Select(t => t.TrackId).ToList();
                Assert.All(same, b => Assert.Equal(first, b.Tracks.Select(t => t.TrackId).ToList()));
            }
            total += byId.Count;
        }
        Assert.True(total > 0, "no batch was published");
        Log($"{total} distinct batches, {batches.Count - total} repeats dropped");

        // A node restarted (node 3 again, joining the survivor) rebuilds its listening model from the topic.
        var restarted = ServiceNode.Start("node3-again", ports[2].cluster, ports[2].admin, Path.Combine(_work, "node3-again"),
            ["--store", $"sqlite:{storePath}", .. env.KafkaArgs(), "--journal", env.Postgres, "--seed-node", node2.Address],
            new Dictionary<string, string> { ["MUSICREC_HOCON"] = hocon });
        _nodes.Add(restarted);
        await restarted.WaitReadyAsync(TimeSpan.FromSeconds(90));
        var survivorModel = await node2.ModelAsync();
        await WaitForAsync("the restarted node's model to equal the survivor's", TimeSpan.FromSeconds(60),
            async () => await restarted.ModelAsync() == survivorModel);
        Log($"restarted node3's model: {survivorModel}; total time {clock.Elapsed.TotalSeconds:0} s");
    }

    /// <summary>
    /// One node's dashboard lists every node with the entities that node itself reports. Entities are still being
    /// started while events flow, so the two views are compared until they agree (20 s at most).
    /// </summary>
    private static async Task DashboardCountsEveryNodesEntitiesAsync(ServiceNode[] nodes, Action<string> log)
    {
        List<DashboardNodeView> reported = [];
        var own = new List<int>();
        List<int?> fromDashboard = [];
        await Poll.UntilAsync(async () =>
        {
            reported = await nodes[0].DashboardNodesAsync();
            Assert.Equal(nodes.Select(n => n.Address).Order(), reported.Select(n => n.Address).Order());
            own = new List<int>();
            foreach (var node in nodes) own.Add((await node.EntitiesAsync()).Count);
            fromDashboard = nodes.Select(n => reported.Single(r => r.Address == n.Address).Entities).ToList();
            return own.Cast<int?>().SequenceEqual(fromDashboard);
        }, TimeSpan.FromSeconds(20), TimeSpan.FromMilliseconds(500),
            () => $"the dashboard's entities per node ({string.Join(", ", fromDashboard)}) never matched the nodes' own ({string.Join(", ", own)})");
        log("dashboard: " + string.Join(", ", reported.Select(n => $"{n.Address} {n.Shards} shards {n.Entities} entities")));
        Assert.True(reported.Count(n => n.Entities > 0) >= 2, "the users' entities are spread over the nodes");
    }

    private static int UpCount(ClusterView view) => view.Members.Count(m => m.Status == "Up");

    private async Task WaitForAllAppliedAsync(ServiceNode via, string[] users, ConcurrentDictionary<string, HashSet<string>> expected,
        TimeSpan timeout, Action<string> log)
    {
        var deadline = DateTime.UtcNow + timeout;
        var pending = users.ToList();
        var last = new Dictionary<string, long>();
        while (true)
        {
            var still = new List<string>();
            foreach (var chunk in pending.Chunk(20))
            {
                var states = await Task.WhenAll(chunk.Select(via.UserStateAsync));
                for (var i = 0; i < chunk.Length; i++)
                {
                    var want = expected[chunk[i]].Count;
                    var got = states[i]?.EventsApplied ?? -1;
                    Assert.True(got <= want, $"{chunk[i]} applied {got} events, more than the {want} distinct valid events sent: some were applied twice");
                    last[chunk[i]] = got;
                    if (got != want) still.Add(chunk[i]);
                }
            }
            pending = still;
            if (pending.Count == 0) return;
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"{pending.Count} user(s) still miss events after {timeout.TotalSeconds:0} s, e.g. " +
                    string.Join(", ", pending.Take(5).Select(u => $"{u}: {last[u]} of {expected[u].Count}")) +
                    "\n" + string.Join("\n\n", _nodes.Where(n => !n.HasExited).Select(n => $"--- {n.Name}\n{n.Tail(40)}")));
            log($"{pending.Count} user(s) not caught up yet");
            await Task.Delay(2000);
        }
    }

    private async Task WaitForAsync(string what, TimeSpan timeout, Func<Task<bool>> condition)
    {
        Exception? lastError = null;
        await Poll.UntilAsync(async () =>
        {
            try
            {
                return await condition();
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException)
            {
                lastError = e;
                return false;
            }
        }, timeout, TimeSpan.FromMilliseconds(500), () => $"timed out after {timeout.TotalSeconds:0} s waiting for {what} ({lastError?.Message})\n" +
            string.Join("\n\n", _nodes.Where(n => !n.HasExited).Select(n => $"--- {n.Name}\n{n.Tail(40)}")));
    }

    private static void ReadBatches(ClusterTestEnvironment env, string topic, ConcurrentBag<RecommendationBatch> into, CancellationToken ct)
    {
        var config = new ConsumerConfig(env.ClientConfig())
        {
            GroupId = "cluster-test-reader-" + Guid.NewGuid().ToString("N"),
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
        };
        using var consumer = new ConsumerBuilder<string, string>(config).Build();
        consumer.Subscribe(topic);
        while (!ct.IsCancellationRequested)
        {
            var result = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (result?.Message?.Value is { } json && JsonSerializer.Deserialize<RecommendationBatch>(json) is { } batch)
                into.Add(batch);
        }
        consumer.Close();
    }
}
