using System.Text.Json;
using Akka.Actor;
using Akka.Streams;
using MusicRec.Contracts;
using MusicRec.Recommendation;
using MusicRec.Streaming;
using MusicRec.Streaming.Stages;
using MusicRec.Streaming.Transport;
using static MusicRec.Tests.Streaming.StreamingTestData;

namespace MusicRec.Tests.Streaming;

public class ActivityPipelineTests : Akka.TestKit.Xunit2.TestKit
{
    private const string Group = "musicrec-recommender";
    private static readonly Func<int, bool> Catalogue = id => id is >= 1 and <= 1000;
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    private static readonly ActivityPipelineSettings Fast = new()
    {
        AskTimeout = TimeSpan.FromSeconds(2),
        Restart = RestartSettings.Create(TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(500), 0),
        Committer = new CommitterSettings { MaxInterval = TimeSpan.FromMilliseconds(50) },
        DrainTimeout = TimeSpan.FromSeconds(10),
    };

    /// <summary>What every test here starts from: an in-process bus, a publisher on it and a fake recommender.</summary>
    private sealed record PipelineRig(InProcessBus Bus, InProcessTransport Transport, TransportActivityPublisher Publisher, IActorRef Recommender)
        : IDisposable
    {
        public static PipelineRig Create(ActorSystem system, int partitions, Props? recommender = null) =>
            For(partitions, system.ActorOf(recommender ?? FakeRecommender.Props()));

        /// <summary>The same around a given recommender (a test probe).</summary>
        public static PipelineRig For(int partitions, IActorRef recommender)
        {
            var bus = new InProcessBus(partitions);
            var transport = new InProcessTransport(bus);
            return new PipelineRig(bus, transport, new TransportActivityPublisher(transport), recommender);
        }

        public void Dispose() => Publisher.Dispose();
    }

    private static List<RecommendationBatch> Batches(InProcessBus bus) =>
        bus.ReadAll(Topics.Recommendations).Select(r => StreamingJson.Deserialize<RecommendationBatch>(Text(r))!).ToList();

    private static List<ActivityEvent> Events(int users, int perUser) =>
        Enumerable.Range(0, perUser).SelectMany(n => Enumerable.Range(0, users).Select(u => Event($"u{u}", 1 + (n * 7 + u) % 1000))).ToList();

    [Fact]
    public async Task A_busy_user_has_at_most_the_limit_in_flight_and_the_rest_follow_in_order_as_batches_are_delivered()
    {
        var probe = CreateTestProbe();
        using var rig = PipelineRig.For(1, probe.Ref);
        var (bus, transport, publisher, _) = rig;
        // The test holds the quiet user's answer until the end: a full suite's load must not time its ask out.
        var control = ActivityPipeline.Start(Sys, transport, probe.Ref, Catalogue, Fast with { MaxInFlightPerUser = 3, AskTimeout = TimeSpan.FromSeconds(20) });
        var busy = Enumerable.Range(1, 8).Select(n => Event("busy", n, id: $"b{n}")).ToList();
        foreach (var e in busy) await publisher.PublishAsync(e);
        await publisher.PublishAsync(Event("quiet", 9, id: "q1"));

        // Three of the busy user's events go to the recommender; the quiet user's is not held up behind the rest.
        var received = new List<(UserRecommenderProtocol.ApplyActivity Command, IActorRef ReplyTo)>();
        for (var i = 0; i < 4; i++)
        {
            var apply = probe.ExpectMsg<UserRecommenderProtocol.ApplyActivity>(Wait);
            received.Add((apply, probe.LastSender));
        }
        Assert.Equal(["b1", "b2", "b3", "q1"], received.Select(r => r.Command.Activity.EventId));
        probe.ExpectNoMsg(TimeSpan.FromMilliseconds(300));

        // Each answer (and its delivery) frees a slot for the next waiting event, in the order they arrived.
        for (var next = 4; next <= 8; next++)
        {
            var (command, replyTo) = received.Single(r => r.Command.Activity.EventId == $"b{next - 3}");
            replyTo.Tell(Applied(command));
            var apply = probe.ExpectMsg<UserRecommenderProtocol.ApplyActivity>(Wait);
            Assert.Equal($"b{next}", apply.Activity.EventId);
            received.Add((apply, probe.LastSender));
        }
        foreach (var (command, replyTo) in received.Where(r => r.Command.Activity.EventId is "b6" or "b7" or "b8" or "q1"))
            replyTo.Tell(Applied(command));
        await Eventually(() => bus.Lag(Group, Topics.UserActivity) == 0, Wait, () => $"lag {bus.Lag(Group, Topics.UserActivity)}");
        await control.DrainAndShutdownAsync();
        Assert.Equal(9, control.Metrics.EventsApplied);
    }

    [Fact]
    public async Task A_batch_goes_out_as_soon_as_its_event_is_answered_but_no_offset_is_committed_past_an_unanswered_event()
    {
        using var asked = await AskedTwice(Event("slow", 1, id: "s1"), Event("quick", 2, id: "q1"));
        var (rig, control, slow, quick) = asked;
        quick.Answer(batch: 1);

        // The later event's batch is out while the earlier one is still unanswered...
        await Eventually(() => Batches(rig.Bus).Count == 1, Wait, () => $"batches {Batches(rig.Bus).Count}");
        Assert.Equal("quick-1", Batches(rig.Bus).Single().BatchId);
        // ...but neither offset is committed: a crash now must bring the unanswered event back.
        await Task.Delay(Fast.Committer.MaxInterval * 6);
        Assert.Equal(2, rig.Bus.Lag(Group, Topics.UserActivity));

        slow.Answer(batch: 1);
        await Eventually(() => rig.Bus.Lag(Group, Topics.UserActivity) == 0, Wait, () => $"lag {rig.Bus.Lag(Group, Topics.UserActivity)}");
        await control.DrainAndShutdownAsync();
        Assert.Equal(["quick-1", "slow-1"], Batches(rig.Bus).Select(b => b.BatchId));
    }

    [Fact]
    public async Task One_users_batches_go_out_in_the_order_of_their_events_even_when_answered_out_of_order()
    {
        using var asked = await AskedTwice(Event("u1", 1, id: "e1"), Event("u1", 2, id: "e2"));
        var (rig, control, first, second) = asked;

        second.Answer(batch: 2);
        await Task.Delay(300);
        Assert.Empty(Batches(rig.Bus));
        first.Answer(batch: 1);
        await Eventually(() => Batches(rig.Bus).Count == 2, Wait, () => $"batches {Batches(rig.Bus).Count}");
        await control.DrainAndShutdownAsync();
        Assert.Equal(["u1-1", "u1-2"], Batches(rig.Bus).Select(b => b.BatchId));
    }

    /// <summary>An ask the probe received, to answer when the test says.</summary>
    private sealed record Asked(UserRecommenderProtocol.ApplyActivity Command, IActorRef ReplyTo)
    {
        public void Answer(long batch) => ReplyTo.Tell(Applied(Command, batch));
    }

    /// <summary>Two events published to a pipeline that asks a probe, and both asks received, not yet answered.</summary>
    private sealed record TwoAsks(PipelineRig Rig, ActivityPipelineControl Control, Asked First, Asked Second) : IDisposable
    {
        public void Dispose() => Rig.Dispose();
    }

    private async Task<TwoAsks> AskedTwice(ActivityEvent first, ActivityEvent second)
    {
        var probe = CreateTestProbe();
        var rig = PipelineRig.For(1, probe.Ref);
        var control = ActivityPipeline.Start(Sys, rig.Transport, probe.Ref, Catalogue, Fast with { AskTimeout = TimeSpan.FromSeconds(20) });
        await rig.Publisher.PublishAsync(first);
        await rig.Publisher.PublishAsync(second);
        var a = new Asked(probe.ExpectMsg<UserRecommenderProtocol.ApplyActivity>(Wait), probe.LastSender);
        var b = new Asked(probe.ExpectMsg<UserRecommenderProtocol.ApplyActivity>(Wait), probe.LastSender);
        Assert.Equal([first.EventId, second.EventId], [a.Command.Activity.EventId, b.Command.Activity.EventId]);
        return new TwoAsks(rig, control, a, b);
    }

    /// <summary>
    /// What the recommender answers a new event, correlated as the pipeline asks: no batch, or the user's batch number
    /// <paramref name="batch"/>.
    /// </summary>
    private static object Applied(UserRecommenderProtocol.ApplyActivity command, long? batch = null) =>
        UserRecommenderProtocol.Answer(command, new UserRecommenderProtocol.ActivityApplied(command.Activity.EventId,
            batch is { } n ? [FakeRecommender.Batch(command.Activity.UserId, n)] : [], Duplicate: false));

    [Fact]
    public async Task Events_in_batches_out_and_every_offset_committed()
    {
        using var rig = PipelineRig.Create(Sys, 4);
        var (bus, transport, publisher, recommender) = rig;
        var control = ActivityPipeline.Start(Sys, transport, recommender, Catalogue, Fast);

        foreach (var e in Events(users: 5, perUser: 9)) await publisher.PublishAsync(e);
        await Eventually(() => Batches(bus).Count >= 15, Wait, () => $"batches: {Batches(bus).Count} of 15");
        await control.DrainAndShutdownAsync();

        var batches = Batches(bus);
        var expected = Enumerable.Range(0, 5).SelectMany(u => Enumerable.Range(1, 3).Select(n => $"u{u}-{n}")).Order().ToList();
        Assert.Equal(expected, batches.Select(b => b.BatchId).Order().ToList());
        Assert.All(batches, b => Assert.Equal(3, b.Tracks.Count));
        // key = user id, and one user's batches stay in order within its partition
        Assert.All(bus.ReadAll(Topics.Recommendations), r => Assert.StartsWith(r.Key + "-", StreamingJson.Deserialize<RecommendationBatch>(Text(r))!.BatchId));
        foreach (var user in batches.GroupBy(b => b.UserId))
            Assert.Equal(user.Select(b => b.BatchId).OrderBy(id => int.Parse(id.Split('-')[1])), user.Select(b => b.BatchId));
        Assert.Equal(0, bus.Lag(Group, Topics.UserActivity));
        Assert.Equal(45, control.Metrics.EventsApplied);
        Assert.Equal(45, control.Metrics.Committed);
        Assert.Empty(bus.ReadAll(Topics.UserActivityDlq));
    }

    [Fact]
    public async Task Invalid_events_go_to_the_dead_letter_topic_and_the_stream_goes_on()
    {
        using var rig = PipelineRig.Create(Sys, 1);
        var (bus, transport, publisher, recommender) = rig;
        var control = ActivityPipeline.Start(Sys, transport, recommender, Catalogue, Fast);

        await publisher.PublishAsync(Event("u1", 1));
        await publisher.PublishRawAsync("u1", "{not json");
        await publisher.PublishAsync(Event("u1", 5000)); // not in the catalogue
        await publisher.PublishRawAsync("u1", """{"event_id":"x","user_id":"u1","track_id":3,"action":"dance","ts":"2026-01-01T00:00:00Z"}""");
        await publisher.PublishRawAsync("u1", """{"event_id":"y","user_id":"u1","action":"like","ts":"2026-01-01T00:00:00Z"}""");
        await publisher.PublishAsync(Event("u1", 2));
        await publisher.PublishAsync(Event("u1", 3));

        await Eventually(() => Batches(bus).Count == 1 && bus.ReadAll(Topics.UserActivityDlq).Count == 4, Wait,
            () => $"batches {Batches(bus).Count}, dead letters {bus.ReadAll(Topics.UserActivityDlq).Count}");
        await control.DrainAndShutdownAsync();

        Assert.Equal("u1-1", Batches(bus).Single().BatchId);
        var letters = bus.ReadAll(Topics.UserActivityDlq).Select(r => JsonDocument.Parse(Text(r)).RootElement).ToList();
        var reasons = letters.Select(l => l.GetProperty("reason").GetString()!).ToList();
        Assert.StartsWith("bad JSON", reasons[0]);
        Assert.Equal("unknown track 5000", reasons[1]);
        Assert.StartsWith("unknown action 'dance'", reasons[2]);
        Assert.Equal("missing field track_id", reasons[3]);
        Assert.Equal("{not json", letters[0].GetProperty("payload").GetString());
        Assert.All(letters, l => Assert.Equal(Topics.UserActivity, l.GetProperty("topic").GetString()));
        Assert.Equal([1L, 2L, 3L, 4L], letters.Select(l => l.GetProperty("offset").GetInt64()));
        Assert.All(letters, l => Assert.Equal(0, l.GetProperty("partition").GetInt32()));
        // the bad ones are committed too
        Assert.Equal(0, bus.Lag(Group, Topics.UserActivity));
        Assert.Equal(4, control.Metrics.EventsDeadLettered);
    }

    [Fact]
    public async Task A_user_id_with_a_trailing_newline_goes_to_the_dead_letter_topic_and_reaches_no_recommender()
    {
        // A "^...$" regex accepts "u1\n" ($ matches before a final newline): the web feed would then drop its batch.
        using var rig = PipelineRig.Create(Sys, 1);
        var (bus, transport, publisher, recommender) = rig;
        var control = ActivityPipeline.Start(Sys, transport, recommender, Catalogue, Fast);

        await publisher.PublishRawAsync("u1", """{"event_id":"n1","user_id":"u1\n","track_id":3,"action":"like","ts":"2026-01-01T00:00:00Z"}""");
        foreach (var track in new[] { 1, 2, 3 }) await publisher.PublishAsync(Event("u1", track));

        await Eventually(() => Batches(bus).Count == 1 && bus.ReadAll(Topics.UserActivityDlq).Count == 1, Wait,
            () => $"batches {Batches(bus).Count}, dead letters {bus.ReadAll(Topics.UserActivityDlq).Count}");
        await control.DrainAndShutdownAsync();

        var letter = JsonDocument.Parse(Text(bus.ReadAll(Topics.UserActivityDlq).Single())).RootElement;
        Assert.Equal($"user_id must match {UserIds.Pattern}", letter.GetProperty("reason").GetString());
        Assert.Contains("n1", letter.GetProperty("payload").GetString());
        Assert.Equal(0, letter.GetProperty("offset").GetInt64());
        Assert.All(Batches(bus), b => Assert.Equal("u1", b.UserId));
        Assert.Equal(3, control.Metrics.EventsApplied);
    }

    [Fact]
    public async Task An_event_the_recommender_refuses_goes_to_the_dead_letter_topic_with_the_reason_and_the_stream_goes_on()
    {
        using var rig = PipelineRig.Create(Sys, 1, FakeRecommender.Props(refusedTrack: 7));
        var (bus, transport, publisher, recommender) = rig;
        var control = ActivityPipeline.Start(Sys, transport, recommender, Catalogue, Fast);

        foreach (var track in new[] { 1, 7, 2, 3 }) await publisher.PublishAsync(Event("u1", track));
        await Eventually(() => Batches(bus).Count == 1 && bus.ReadAll(Topics.UserActivityDlq).Count == 1, Wait,
            () => $"batches {Batches(bus).Count}, dead letters {bus.ReadAll(Topics.UserActivityDlq).Count}");
        await control.DrainAndShutdownAsync();

        var letter = JsonDocument.Parse(Text(bus.ReadAll(Topics.UserActivityDlq).Single())).RootElement;
        Assert.Equal("the recommender refused the event: the journal rejected the write", letter.GetProperty("reason").GetString());
        Assert.Equal(1, letter.GetProperty("offset").GetInt64());
        Assert.Equal(0, bus.Lag(Group, Topics.UserActivity));
        Assert.Equal(0, control.Metrics.StreamRestarts);
    }

    [Fact]
    public async Task Abort_mid_stream_then_restart_loses_nothing_and_dedup_leaves_each_batch_once()
    {
        using var rig = PipelineRig.Create(Sys, 4);
        var (bus, transport, publisher, recommender) = rig;
        var events = Events(users: 10, perUser: 30);
        foreach (var e in events) await publisher.PublishAsync(e);

        // Small commit batches spaced out, so the abort lands with processed but uncommitted events.
        var slowCommits = Fast with { Committer = new CommitterSettings { MaxBatch = 7, MaxInterval = TimeSpan.FromMilliseconds(300) } };
        var first = ActivityPipeline.Start(Sys, transport, recommender, Catalogue, slowCommits);
        await Eventually(() => first.Metrics.EventsApplied >= 100 && bus.Lag(Group, Topics.UserActivity) < 250, Wait,
            () => $"applied {first.Metrics.EventsApplied}, lag {bus.Lag(Group, Topics.UserActivity)}");
        await first.AbortAsync();
        var lagAfterAbort = bus.Lag(Group, Topics.UserActivity);
        Assert.InRange(lagAfterAbort, 1, 299);

        var second = ActivityPipeline.Start(Sys, transport, recommender, Catalogue, Fast);
        await Eventually(() => bus.Lag(Group, Topics.UserActivity) == 0, Wait, () => $"lag {bus.Lag(Group, Topics.UserActivity)}");
        await second.DrainAndShutdownAsync();

        // every event reached the recommender: 30 per user
        for (var u = 0; u < 10; u++)
        {
            var state = await recommender.Ask<UserRecommenderProtocol.UserStateView>(new UserRecommenderProtocol.GetUserState($"u{u}"));
            Assert.Equal(30, state.EventsApplied);
        }
        // the second run re-read what the first had not committed
        Assert.Equal(lagAfterAbort, second.Metrics.EventsReceived);
        Assert.True(first.Metrics.EventsReceived > 300 - lagAfterAbort, "some events were processed but not committed before the abort");
        var deduplicated = new HashSet<string>();
        var repeats = Batches(bus).Count(b => !deduplicated.Add(b.BatchId));
        var expected = Enumerable.Range(0, 10).SelectMany(u => Enumerable.Range(1, 10).Select(n => $"u{u}-{n}")).ToHashSet();
        Assert.True(expected.SetEquals(deduplicated), "every batch id present once after dedup");
        Assert.Equal(Batches(bus).Count - deduplicated.Count, repeats);
    }

    [Fact]
    public async Task An_unanswered_ask_fails_the_stream_which_restarts_and_reads_the_event_again()
    {
        using var rig = PipelineRig.Create(Sys, 1, FakeRecommender.Props(unansweredFirst: 2));
        var (bus, transport, publisher, recommender) = rig;
        var settings = Fast with { AskTimeout = TimeSpan.FromMilliseconds(300) };
        var control = ActivityPipeline.Start(Sys, transport, recommender, Catalogue, settings);
        for (var i = 0; i < 6; i++) await publisher.PublishAsync(Event("solo", i + 1));

        await Eventually(() => Batches(bus).Count >= 2, Wait, () => $"batches {Batches(bus).Count}");
        await control.DrainAndShutdownAsync();
        // The fake applied events 3..6 while 1 and 2 went unanswered, so the ids may come in either order.
        Assert.Equal(["solo-1", "solo-2"], Batches(bus).Select(b => b.BatchId).Distinct().Order());
        Assert.InRange(control.Metrics.StreamRestarts, 1, 2);
        Assert.Equal(0, bus.Lag(Group, Topics.UserActivity));
    }

    [Fact]
    public async Task Two_pipelines_in_one_group_share_the_partitions()
    {
        using var rig = PipelineRig.Create(Sys, 4);
        var (bus, transport, publisher, recommender) = rig;
        var a = ActivityPipeline.Start(Sys, transport, recommender, Catalogue, Fast);
        var b = ActivityPipeline.Start(Sys, transport, recommender, Catalogue, Fast);
        await Eventually(() => a.Assignment.Count == 2 && b.Assignment.Count == 2, Wait,
            () => $"assignments {a.Assignment.Count} / {b.Assignment.Count}");
        foreach (var e in Events(users: 12, perUser: 6)) await publisher.PublishAsync(e);
        await Eventually(() => bus.Lag(Group, Topics.UserActivity) == 0, Wait, () => $"lag {bus.Lag(Group, Topics.UserActivity)}");
        Assert.Empty(a.Assignment.Intersect(b.Assignment));
        Assert.True(a.Metrics.EventsApplied > 0 && b.Metrics.EventsApplied > 0);
        Assert.Equal(72, a.Metrics.EventsApplied + b.Metrics.EventsApplied);
        await a.DrainAndShutdownAsync();
        await b.DrainAndShutdownAsync();
        Assert.Equal(24, Batches(bus).Select(x => x.BatchId).Distinct().Count());
    }

    [Fact]
    public async Task Recommendation_feed_reads_published_batches()
    {
        using var rig = PipelineRig.Create(Sys, 2);
        var (bus, transport, publisher, recommender) = rig;
        var control = ActivityPipeline.Start(Sys, transport, recommender, Catalogue, Fast);
        foreach (var e in Events(users: 2, perUser: 3)) await publisher.PublishAsync(e);

        var feed = new TransportRecommendationFeed(transport, new RecommendationFeedOptions { FromBeginning = true });
        using var cts = new CancellationTokenSource(Wait);
        var seen = new List<string>();
        await foreach (var batch in feed.ReadAsync(cts.Token))
        {
            seen.Add(batch.BatchId);
            if (seen.Count == 2) break;
        }
        await control.DrainAndShutdownAsync();
        Assert.Equal(["u0-1", "u1-1"], seen.Order());
    }
}
