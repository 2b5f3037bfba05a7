using MusicRec.Contracts;
using MusicRec.IntegrationTests.Cluster;
using MusicRec.Tests.Streaming;
using System.Text;
using System.Text.Json;
using Akka.Actor;
using Akka.Streams;
using MusicRec.Recommendation;
using MusicRec.Streaming;
using MusicRec.Streaming.Stages;
using MusicRec.Streaming.Transport;

namespace MusicRec.IntegrationTests.Kafka;

/// <summary>The activity pipeline against the real test broker (Kafka 0.9.0.1 from scripts/test.sh).</summary>
public class KafkaPipelineTests : Akka.TestKit.Xunit2.TestKit
{
    internal static readonly Func<int, bool> Catalogue = id => id is >= 1 and <= 1000;
    internal static readonly TimeSpan Wait = TimeSpan.FromSeconds(90);

    internal sealed record Names(string Activity, string Recommendations, string Dlq, string Group)
    {
        public static async Task<Names> CreateAsync(int partitions = 4)
        {
            var n = new Names(KafkaTestBroker.Unique("act"), KafkaTestBroker.Unique("rec"), KafkaTestBroker.Unique("dlq"), KafkaTestBroker.Unique("grp"));
            await KafkaTestBroker.CreateTopicAsync(n.Activity, partitions);
            await KafkaTestBroker.CreateTopicAsync(n.Recommendations, partitions);
            await KafkaTestBroker.CreateTopicAsync(n.Dlq, 1);
            return n;
        }

        public ActivityPipelineSettings Settings(int commitBatch = 1000, int commitMs = 200) => new()
        {
            GroupId = Group,
            ActivityTopic = Activity,
            RecommendationsTopic = Recommendations,
            DeadLetterTopic = Dlq,
            AskTimeout = TimeSpan.FromSeconds(5),
            Restart = RestartSettings.Create(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(5), 0.1),
            Committer = new CommitterSettings { MaxBatch = commitBatch, MaxInterval = TimeSpan.FromMilliseconds(commitMs) },
            DrainTimeout = TimeSpan.FromSeconds(30),
        };
    }

    internal static List<ActivityEvent> Events(int users, int perUser) =>
        Enumerable.Range(0, perUser).SelectMany(n => Enumerable.Range(0, users).Select(u =>
            new ActivityEvent(Guid.NewGuid().ToString(), $"u{u}", 1 + (n * 7 + u) % 1000, Actions.Listen, DateTimeOffset.UtcNow))).ToList();

    /// <summary>Produces and returns the end offset per partition from the delivery reports.</summary>
    internal static async Task<Dictionary<PartitionId, long>> ProduceAsync(IMessageTransport transport, string topic, IEnumerable<(string? Key, string Value)> records)
    {
        using var producer = transport.CreateProducer();
        var reports = await Task.WhenAll(records.Select(r => producer.ProduceAsync(new OutgoingRecord(topic, r.Key, r.Value))));
        return reports.GroupBy(r => r.Partition).ToDictionary(g => g.Key, g => g.Max(r => r.Offset) + 1);
    }

    internal static Task<Dictionary<PartitionId, long>> PublishEventsAsync(IMessageTransport transport, string topic, IEnumerable<ActivityEvent> events) =>
        ProduceAsync(transport, topic, events.Select(e => ((string?)e.UserId, StreamingJson.Serialize(e))));

    /// <summary>Reads a topic from the beginning with a group of its own until <paramref name="until"/> holds.</summary>
    internal static List<ConsumedRecord> ReadTopic(IMessageTransport transport, string topic, Func<List<ConsumedRecord>, bool> until, TimeSpan timeout)
    {
        using var consumer = transport.CreateConsumer(new ConsumerOptions(KafkaTestBroker.Unique("reader"), [topic]));
        consumer.Subscribe(_ => { }, _ => { });
        var records = new List<ConsumedRecord>();
        var deadline = DateTime.UtcNow + timeout;
        while (!until(records) && DateTime.UtcNow < deadline)
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { } r) records.Add(r);
        consumer.Close();
        return records;
    }

    internal static Dictionary<PartitionId, long?> Committed(IMessageTransport transport, string group, IEnumerable<PartitionId> partitions)
    {
        using var consumer = transport.CreateConsumer(new ConsumerOptions(group, []));
        return partitions.ToDictionary(p => p, p => consumer.Committed(p, TimeSpan.FromSeconds(10)));
    }

    /// <summary>Whether the group has committed up to the end of every partition; false while the broker cannot say.</summary>
    internal static bool AllCommitted(IMessageTransport transport, string group, Dictionary<PartitionId, long> ends)
    {
        try
        {
            return Committed(transport, group, ends.Keys).All(c => c.Value == ends[c.Key]);
        }
        catch (Confluent.Kafka.KafkaException)
        {
            return false; // the coordinator is still loading after a broker restart
        }
    }

    internal static string Text(ConsumedRecord r) => r.Value is null ? "" : Encoding.UTF8.GetString(r.Value);

    internal static Task Eventually(Func<bool> condition, TimeSpan timeout, Func<string> message) =>
        Poll.UntilAsync(condition, timeout, TimeSpan.FromMilliseconds(100), message);

    [Fact]
    public async Task Events_in_batches_out_and_offsets_committed_after_drain()
    {
        using var transport = new KafkaTransport(KafkaTestBroker.Settings);
        var names = await Names.CreateAsync();
        var recommender = Sys.ActorOf(FakeRecommender.Props());
        var control = ActivityPipeline.Start(Sys, transport, recommender, Catalogue, names.Settings());

        var ends = await PublishEventsAsync(transport, names.Activity, Events(users: 10, perUser: 9));
        var expected = Enumerable.Range(0, 10).SelectMany(u => Enumerable.Range(1, 3).Select(n => $"u{u}-{n}")).ToHashSet();

        var feed = new TransportRecommendationFeed(transport, new RecommendationFeedOptions { FromBeginning = true, Topic = names.Recommendations });
        var seen = new HashSet<string>();
        using (var cts = new CancellationTokenSource(Wait))
        {
            await foreach (var batch in feed.ReadAsync(cts.Token))
            {
                Assert.Equal(3, batch.Tracks.Count);
                Assert.True(seen.Add(batch.BatchId), $"batch {batch.BatchId} delivered twice");
                if (seen.Count == expected.Count) break;
            }
        }
        Assert.True(expected.SetEquals(seen));
        await control.DrainAndShutdownAsync();

        var committed = Committed(transport, names.Group, ends.Keys);
        foreach (var (p, end) in ends) Assert.Equal(end, committed[p]);
        Assert.Equal(90, control.Metrics.EventsApplied);
        Assert.Equal(0, control.Metrics.StreamRestarts);
    }

    [Fact]
    public async Task Killing_the_consumer_mid_stream_loses_no_event_and_a_deduplicating_reader_sees_each_batch_once()
    {
        using var transport = new KafkaTransport(KafkaTestBroker.Settings);
        var names = await Names.CreateAsync();
        // 3 ms per event: the 600 events take about 2 s, so the kill lands mid-stream however fast the machine is.
        var recommender = Sys.ActorOf(FakeRecommender.Props(workPerEvent: TimeSpan.FromMilliseconds(3)));
        const int users = 20, perUser = 30;
        var ends = await PublishEventsAsync(transport, names.Activity, Events(users, perUser));

        // Small, spaced commits: when it is killed, some events are committed, others processed but not committed.
        var first = ActivityPipeline.Start(Sys, transport, recommender, Catalogue, names.Settings(commitBatch: 50, commitMs: 500));
        await Eventually(() => first.Metrics.EventsApplied >= 200 && first.Metrics.Committed > 0, Wait,
            () => $"applied {first.Metrics.EventsApplied}, committed {first.Metrics.Committed}");
        await first.AbortAsync();
        var committedAtKill = Committed(transport, names.Group, ends.Keys);
        var uncommitted = ends.Sum(e => e.Value - (committedAtKill[e.Key] ?? 0));
        Assert.InRange(uncommitted, 1, users * perUser - 1);

        var second = ActivityPipeline.Start(Sys, transport, recommender, Catalogue, names.Settings());
        await Eventually(() => second.Metrics.EventsReceived >= uncommitted, Wait, () => $"second run read {second.Metrics.EventsReceived} of {uncommitted}");
        await Eventually(() => AllCommitted(transport, names.Group, ends), Wait, () => "offsets not all committed");
        await second.DrainAndShutdownAsync();

        // No event lost: the recommender saw every one of them.
        for (var u = 0; u < users; u++)
        {
            var state = await recommender.Ask<UserRecommenderProtocol.UserStateView>(new UserRecommenderProtocol.GetUserState($"u{u}"));
            Assert.Equal(perUser, state.EventsApplied);
        }
        Assert.Equal(uncommitted, second.Metrics.EventsReceived);
        Assert.True(first.Metrics.EventsReceived > users * perUser - uncommitted, "the kill left processed but uncommitted events");

        // A deduplicating reader of recommendations sees every batch exactly once.
        var expected = Enumerable.Range(0, users).SelectMany(u => Enumerable.Range(1, perUser / 3).Select(n => $"u{u}-{n}")).ToHashSet();
        var raw = ReadTopic(transport, names.Recommendations,
            rs => rs.Select(r => JsonDocument.Parse(Text(r)).RootElement.GetProperty("batch_id").GetString()).Distinct().Count() >= expected.Count, Wait);
        var delivered = new List<string>();
        var dedup = new HashSet<string>();
        foreach (var r in raw)
        {
            var id = JsonDocument.Parse(Text(r)).RootElement.GetProperty("batch_id").GetString()!;
            if (dedup.Add(id)) delivered.Add(id);
        }
        Assert.Equal(delivered.Count, delivered.Distinct().Count());
        Assert.True(expected.SetEquals(delivered), $"expected {expected.Count} batch ids, got {delivered.Count}");
    }

    [Fact]
    public async Task Malformed_events_land_in_the_dead_letter_topic_with_their_reason()
    {
        using var transport = new KafkaTransport(KafkaTestBroker.Settings);
        var names = await Names.CreateAsync(partitions: 1);
        var recommender = Sys.ActorOf(FakeRecommender.Props());
        var control = ActivityPipeline.Start(Sys, transport, recommender, Catalogue, names.Settings());

        var valid = Events(users: 1, perUser: 3);
        var ends = await ProduceAsync(transport, names.Activity,
        [
            ("u0", StreamingJson.Serialize(valid[0])),
            ("u0", "{\"event_id\":"),
            ("u0", StreamingJson.Serialize(valid[1] with { TrackId = 424242 })),
            ("u0", """{"event_id":"e","user_id":"u0","track_id":2,"action":"hum","ts":"2026-01-01T00:00:00Z"}"""),
            ("u0", StreamingJson.Serialize(valid[1])),
            ("u0", StreamingJson.Serialize(valid[2])),
        ]);

        var letters = ReadTopic(transport, names.Dlq, rs => rs.Count >= 3, Wait);
        var batches = ReadTopic(transport, names.Recommendations, rs => rs.Count >= 1, Wait);
        await control.DrainAndShutdownAsync();

        Assert.Equal(3, letters.Count);
        var json = letters.Select(l => JsonDocument.Parse(Text(l)).RootElement).ToList();
        Assert.StartsWith("bad JSON", json[0].GetProperty("reason").GetString());
        Assert.Equal("{\"event_id\":", json[0].GetProperty("payload").GetString());
        Assert.Equal("unknown track 424242", json[1].GetProperty("reason").GetString());
        Assert.StartsWith("unknown action 'hum'", json[2].GetProperty("reason").GetString());
        Assert.Equal([1L, 2L, 3L], json.Select(j => j.GetProperty("offset").GetInt64()));
        Assert.All(json, j => Assert.Equal(names.Activity, j.GetProperty("topic").GetString()));
        Assert.Equal("u0-1", JsonDocument.Parse(Text(Assert.Single(batches))).RootElement.GetProperty("batch_id").GetString());
        var committed = Committed(transport, names.Group, ends.Keys);
        Assert.Equal(6, committed.Single().Value);
    }
}

[CollectionDefinition("kafka-broker-restart", DisableParallelization = true)]
public class KafkaBrokerRestartCollection;

/// <summary>Runs alone: it stops the shared test broker for a while.</summary>
[Collection("kafka-broker-restart")]
public class KafkaBrokerRestartTests : Akka.TestKit.Xunit2.TestKit
{
    [Fact]
    public async Task After_a_broker_restart_the_pipeline_recovers_and_loses_nothing()
    {
        using var transport = new KafkaTransport(KafkaTestBroker.Settings);
        var names = await KafkaPipelineTests.Names.CreateAsync();
        var recommender = Sys.ActorOf(FakeRecommender.Props());
        var control = ActivityPipeline.Start(Sys, transport, recommender, KafkaPipelineTests.Catalogue, names.Settings());

        var firstHalf = KafkaPipelineTests.Events(users: 5, perUser: 6);
        await KafkaPipelineTests.PublishEventsAsync(transport, names.Activity, firstHalf);
        await KafkaPipelineTests.Eventually(() => control.Metrics.EventsApplied >= firstHalf.Count, KafkaPipelineTests.Wait,
            () => $"before the restart: applied {control.Metrics.EventsApplied}");

        await KafkaTestBroker.StopBrokerAsync();
        await Task.Delay(TimeSpan.FromSeconds(3));
        await KafkaTestBroker.StartBrokerAsync();

        var secondHalf = KafkaPipelineTests.Events(users: 5, perUser: 6);
        var ends = await KafkaPipelineTests.PublishEventsAsync(transport, names.Activity, secondHalf);
        await KafkaPipelineTests.Eventually(
            () => KafkaPipelineTests.AllCommitted(transport, names.Group, ends),
            TimeSpan.FromSeconds(120), () => $"after the restart: applied {control.Metrics.EventsApplied}, restarts {control.Metrics.StreamRestarts}");
        await control.DrainAndShutdownAsync();

        for (var u = 0; u < 5; u++)
        {
            var state = await recommender.Ask<UserRecommenderProtocol.UserStateView>(new UserRecommenderProtocol.GetUserState($"u{u}"));
            Assert.Equal(12, state.EventsApplied);
        }
        static string? Id(ConsumedRecord r) => JsonDocument.Parse(KafkaPipelineTests.Text(r)).RootElement.GetProperty("batch_id").GetString();
        // Redelivery after the restart may repeat batches; a deduplicating reader must end with all 20 ids.
        var ids = KafkaPipelineTests.ReadTopic(transport, names.Recommendations, rs => rs.Select(Id).Distinct().Count() >= 20, KafkaPipelineTests.Wait)
            .Select(Id).ToHashSet();
        var expected = Enumerable.Range(0, 5).SelectMany(u => Enumerable.Range(1, 4).Select(n => $"u{u}-{n}")).ToHashSet();
        Assert.True(expected.SetEquals(ids!), $"batch ids: {string.Join(", ", ids.Order())}");
    }
}
