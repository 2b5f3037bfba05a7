using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Confluent.Kafka;
using MusicRec.Contracts;
using MusicRec.IntegrationTests.Cluster;
using MusicRec.Streaming;
using ActivityEvent = MusicRec.Contracts.ActivityEvent;

namespace MusicRec.Benchmarks.Cluster;

/// <summary>
/// Events/s through 1, 2 and 3 `musicrec serve` processes on this machine (Kafka → sharded recommenders with
/// the PostgreSQL journal → recommendations). All nodes share the machine's cores, so the figures show the
/// per-node overhead of a cluster on one host rather than scale-out. Needs the services of scripts/lib/services.sh
/// (start_kafka, start_postgres) in the environment, as scripts/test.sh sets them.
/// Options: --events N (default 15000), --users N (default 1500), --nodes 1,2,3, --parallelism N (events in
/// flight to the recommenders per node; default the service's).
/// </summary>
public sealed class ClusterBenchmark : IBenchmark
{
    public string Name => "cluster";
    public string Description => "events/s through 1, 2 and 3 serve processes sharing this machine (Kafka + PostgreSQL journal)";

    public async Task<bool> RunAsync(string[] options)
    {
        ClusterTestEnvironment env;
        try { env = ClusterTestEnvironment.FromEnvironment(); }
        catch (InvalidOperationException e)
        {
            Console.WriteLine($"  {e.Message} (or: source scripts/lib/services.sh; start_kafka; start_postgres)");
            return false;
        }
        var events = BenchmarkOptions.Int(options, "--events", 15_000);
        var users = BenchmarkOptions.Int(options, "--users", 1_500);
        var nodeCounts = (BenchmarkOptions.Value(options, "--nodes") ?? "1,2,3").Split(',').Select(int.Parse).ToArray();
        var parallelism = BenchmarkOptions.Value(options, "--parallelism");

        var work = Path.Combine(Path.GetTempPath(), $"musicrec-bench-cluster-{Environment.ProcessId}");
        Directory.CreateDirectory(work);
        var store = Path.Combine(work, "catalogue.db");
        var tracks = await TestCatalogue.WriteSqliteAsync(store, 2_000);
        BenchmarkReport.Info("machine", $"{Environment.ProcessorCount} cores shared by every node, Kafka, PostgreSQL and the load generator");
        BenchmarkReport.Info("load", $"{events} events for {users} users per run, produced as fast as the producer goes, after a warm-up");

        var results = new Dictionary<int, double>();
        try
        {
            foreach (var n in nodeCounts)
                results[n] = await RunOnceAsync(env, work, store, tracks, n, events, users, parallelism);
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); }
            catch (IOException) { /* a node's file still open: the temp folder is left */ }
        }

        var ok = true;
        foreach (var (n, rate) in results)
        {
            if (n == 1)
                ok &= BenchmarkReport.Figure("1 node, events/s end to end through the broker", rate, "events/s", 5_000, lowerIsBetter: false);
            else
                BenchmarkReport.Info($"{n} nodes, events/s", $"{rate:0} events/s ({rate / n:0} per node)");
        }
        if (results.TryGetValue(1, out var one))
            foreach (var (n, rate) in results.Where(r => r.Key > 1))
                BenchmarkReport.Info($"{n} nodes vs 1", $"{rate / one:0.00}x the throughput on the same {Environment.ProcessorCount} cores");
        return ok;
    }

    private static async Task<double> RunOnceAsync(ClusterTestEnvironment env, string work, string store, IReadOnlyList<int> tracks,
        int nodeCount, int events, int users, string? parallelism)
    {
        var run = $"bc{nodeCount}x{DateTime.UtcNow:HHmmss}";
        var activityTopic = $"{run}_user_activity";
        await Task.WhenAll(env.CreateTopicAsync(activityTopic, 6), env.CreateTopicAsync($"{run}_recommendations", 6));
        var hocon = Path.Combine(work, $"{run}.hocon");
        await File.WriteAllTextAsync(hocon, $$"""
            musicrec.pipeline {
              group-id = "{{run}}-recommender"
              activity-topic = "{{activityTopic}}"
              recommendations-topic = "{{run}}_recommendations"
              dead-letter-topic = "{{run}}_user_activity.dlq"
              {{(parallelism is null ? "" : $"parallelism = {parallelism}")}}
            }
            """);
        var ports = Enumerable.Range(0, nodeCount).Select(_ => (cluster: ClusterTestEnvironment.FreePort(), admin: ClusterTestEnvironment.FreePort())).ToArray();
        var seed = $"akka.tcp://musicrec@127.0.0.1:{ports[0].cluster}";
        var nodes = new List<ServiceNode>();
        try
        {
            for (var i = 0; i < nodeCount; i++)
            {
                nodes.Add(ServiceNode.Start($"{run}-node{i + 1}", ports[i].cluster, ports[i].admin, Path.Combine(work, $"{run}-node{i + 1}"),
                    ["--store", $"sqlite:{store}", .. env.KafkaArgs(), "--journal", env.Postgres, "--seed-node", seed],
                    new Dictionary<string, string> { ["MUSICREC_HOCON"] = hocon }));
                if (i == 0) await nodes[0].WaitReadyAsync(TimeSpan.FromSeconds(120));
            }
            await Task.WhenAll(nodes.Select(n => n.WaitReadyAsync(TimeSpan.FromSeconds(120))));
            await WaitAsync(async () => (await nodes[0].ClusterAsync()).Members.Count(m => m.Status == "Up") == nodeCount, TimeSpan.FromSeconds(60));

            using var producer = new ProducerBuilder<string, string>(new ProducerConfig(env.ClientConfig()) { LingerMs = 5 }).Build();
            var rng = new Random(3);
            var actions = new[] { Actions.Listen, Actions.Like, Actions.Skip };
            var sequence = 0;
            void Produce(int count, bool everyUserInTurn = false)
            {
                for (var i = 0; i < count; i++)
                {
                    var user = $"{run}-u{(everyUserInTurn ? i % users : rng.Next(users)):0000}";
                    var ev = new ActivityEvent($"{run}-{sequence++}", user, tracks[rng.Next(tracks.Count)], actions[rng.Next(3)], DateTimeOffset.UtcNow);
                    while (true)
                    {
                        try
                        {
                            producer.Produce(activityTopic, new Message<string, string> { Key = user, Value = JsonSerializer.Serialize(ev) });
                            break;
                        }
                        catch (ProduceException<string, string> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
                        {
                            producer.Poll(TimeSpan.FromMilliseconds(50));
                        }
                    }
                }
                producer.Flush(TimeSpan.FromSeconds(60));
            }

            // Warm-up: every user's entity started and recovered once, JIT and connections warm, partitions assigned.
            Produce(users, everyUserInTurn: true);
            await WaitAsync(async () => await AppliedAsync(nodes) >= users, TimeSpan.FromSeconds(180));
            var before = await AppliedAsync(nodes);

            var clock = Stopwatch.StartNew();
            Produce(events);
            var produced = clock.Elapsed;
            await WaitAsync(async () => await AppliedAsync(nodes) >= before + events, TimeSpan.FromSeconds(600));
            var elapsed = clock.Elapsed;
            var rate = events / elapsed.TotalSeconds;
            BenchmarkReport.Info($"{nodeCount} node(s)", $"{events} events applied in {elapsed.TotalSeconds:0.0} s (produced in {produced.TotalSeconds:0.0} s): {rate:0} events/s");
            return rate;
        }
        finally
        {
            foreach (var node in nodes)
            {
                if (!node.HasExited) node.Terminate();
            }
            foreach (var node in nodes)
            {
                try { await node.WaitForExitAsync(TimeSpan.FromSeconds(60)); }
                catch (TimeoutException) { /* disposed (killed) below */ }
                await node.DisposeAsync();
            }
        }
    }

    /// <summary>Events applied so far by every node's pipeline (musicrec_events_total on each node's /metrics).</summary>
    private static async Task<long> AppliedAsync(IEnumerable<ServiceNode> nodes)
    {
        long total = 0;
        foreach (var node in nodes)
        {
            var text = await node.MetricsAsync();
            foreach (var line in text.Split('\n'))
                if (line.StartsWith("musicrec_events_total", StringComparison.Ordinal))
                    total += (long)double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
        }
        return total;
    }

    private static async Task WaitAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"benchmark condition not met within {timeout.TotalSeconds:0} s");
            await Task.Delay(250);
        }
    }
}
