using System.Runtime.CompilerServices;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.TestKit.Xunit2;
using MusicRec.Contracts;
using MusicRec.Recommendation;
using MusicRec.Recommendation.Hybrid;
using MusicRec.Streaming;
using Xunit.Abstractions;
using static MusicRec.Recommendation.UserRecommenderProtocol;
using static MusicRec.Tests.Recommendation.RecommenderTestKit;

namespace MusicRec.Tests.Recommendation;

public class UserRecommenderActorTests(ITestOutputHelper output)
    : TestKit(SetupFor(PersistenceOptions.InMemory()), output: output)
{
    private static readonly SimilarityIndex Index = SyntheticCatalogue.Index(30, seed: 5);
    private static readonly RecommenderOptions Options = new() { UseSharding = false, IdleTimeout = null };

    private int Track(int i) => Index.Tracks[i % Index.Count].TrackId;

    [Fact]
    public async Task Candidate_sources_given_in_the_options_decide_the_suggestions()
    {
        var options = Options with
        {
            Suggestions = index => new SuggestionContext(index, new HybridRecommender(new TrackCatalog(index.Tracks), [new FirstAllowed(index)],
                // No genre term: the source's own order is what this test checks.
                new BlendOptions { AudioWeight = 1, GenreWeight = 0, ExplorationShare = 0, FillWithRandom = false })),
        };
        var parent = LocalParent(Sys, Index, options);
        await Send(parent, "u1", 1, Track(0));
        await Send(parent, "u1", 2, Track(1));
        var batch = Assert.Single((await Send(parent, "u1", 3, Track(2))).Batches);
        // The batch is decided on its third event, which excludes the three heard: the next three in catalogue order.
        Assert.Equal([Track(3), Track(4), Track(5)], batch.Tracks.Select(t => t.TrackId));
        Assert.All(batch.Tracks, t => Assert.Equal(1.0, t.Score));
    }

    /// <summary>A source that proposes the catalogue's first tracks the request allows, in catalogue order.</summary>
    private sealed class FirstAllowed(SimilarityIndex index) : ICandidateSource
    {
        public string Name => "audio";

        public void Collect(RecommendationContext context, int limit, List<Candidate> into)
        {
            foreach (var t in index.Tracks)
                if (!context.IsExcluded(t.TrackId))
                {
                    into.Add(new Candidate(t.TrackId, 1, 0));
                    if (into.Count == limit) return;
                }
        }

        public string Explain(Candidate candidate, RecommendationContext context) => "first allowed";
    }

    [Fact]
    public async Task Two_events_give_no_batch_and_the_third_gives_three_distinct_tracks()
    {
        var parent = LocalParent(Sys, Index, Options);
        var first = await Send(parent, "u1", 1, Track(0));
        var second = await Send(parent, "u1", 2, Track(1), Actions.Listen);
        Assert.Empty(first.Batches);
        Assert.Empty(second.Batches);
        Assert.False(first.Duplicate);

        var third = await Send(parent, "u1", 3, Track(2), Actions.Skip);
        var batch = Assert.Single(third.Batches);
        Assert.Equal("u1-1", batch.BatchId);
        Assert.Equal("u1", batch.UserId);
        Assert.Equal(T0.AddSeconds(3), batch.GeneratedAt);
        Assert.Equal(3, batch.Tracks.Count);
        Assert.Equal(3, batch.Tracks.Select(t => t.TrackId).Distinct().Count());
        foreach (var t in batch.Tracks)
        {
            Assert.True(Index.TryGetInfo(t.TrackId, out var info));
            Assert.Equal(info.Title, t.Title);
            Assert.Equal(info.Artist, t.Artist);
            Assert.Equal(info.Genre, t.Genre);
            Assert.InRange(t.Score, -1.0, 1.0);
            Assert.False(string.IsNullOrWhiteSpace(t.Because));
        }
        var view = await View(parent, "u1");
        Assert.Equal(3, view.EventsApplied);
        Assert.Equal(1, view.BatchesEmitted);
        Assert.Empty(view.PendingSuggestions);
        Assert.Empty((await Send(parent, "u1", 4, Track(3))).Batches);
    }

    [Fact]
    public async Task Never_recommends_heard_or_already_recommended_tracks()
    {
        var parent = LocalParent(Sys, Index, Options);
        // The user keeps playing the same ten tracks of one genre: without exclusions those would be the nearest.
        var favourites = Index.Tracks.Where(t => t.Genre == "Rock").Take(10).Select(t => t.TrackId).ToArray();
        var heardUpTo = new List<HashSet<int>> { new() };   // heardUpTo[i]: tracks heard in events 1..i
        var recommended = new List<int>();
        for (var i = 1; i <= 45; i++)
        {
            var track = favourites[(i - 1) % favourites.Length];
            heardUpTo.Add([.. heardUpTo[i - 1], track]);
            var applied = await Send(parent, "u2", i, track, i % 4 == 0 ? Actions.Listen : Actions.Like);
            foreach (var b in applied.Batches)
            {
                // This batch's suggestions were chosen at events i-2, i-1 and i: none may have been heard by event i-2.
                Assert.Empty(b.Tracks.Select(t => t.TrackId).Intersect(heardUpTo[i - 2]));
                recommended.AddRange(b.Tracks.Select(t => t.TrackId));
            }
        }
        Assert.Equal(45, recommended.Count);
        Assert.Equal(recommended.Count, recommended.Distinct().Count());
        // Once all ten were heard (event 10) they never come back.
        Assert.Empty(recommended.Skip(12).Intersect(favourites));
        // Taste shows: most suggestions are of the genre played.
        var rock = recommended.Count(id => Index.TryGetInfo(id, out var info) && info.Genre == "Rock");
        Assert.True(rock >= 15, $"only {rock} of 45 suggestions are Rock");
    }

    [Fact]
    public async Task Batch_ids_and_contents_are_the_same_on_a_fresh_system()
    {
        async Task<List<RecommendationBatch>> Run(ActorSystem system)
        {
            var parent = LocalParent(system, Index, Options);
            var batches = new List<RecommendationBatch>();
            for (var i = 1; i <= 9; i++) batches.AddRange((await Send(parent, "u3", i, Track(i * 5), i % 3 == 0 ? Actions.Skip : Actions.Like)).Batches);
            return batches;
        }
        var here = await Run(Sys);
        using var other = ActorSystem.Create("other", SetupFor(PersistenceOptions.InMemory()));
        var there = await Run(other);
        Assert.Equal(["u3-1", "u3-2", "u3-3"], here.Select(b => b.BatchId));
        BatchAssert.Equal(here, there);
        await other.Terminate();
    }

    [Fact]
    public async Task A_redelivered_event_is_not_applied_twice_and_gets_the_same_batch()
    {
        var parent = LocalParent(Sys, Index, Options);
        await Send(parent, "u4", 1, Track(10));
        await Send(parent, "u4", 2, Track(11));
        var original = await Send(parent, "u4", 3, Track(12));
        var before = await View(parent, "u4");

        var again = await Send(parent, "u4", 3, Track(12));
        Assert.True(again.Duplicate);
        BatchAssert.Equal(original.Batches, again.Batches);
        var firstAgain = await Send(parent, "u4", 1, Track(10));
        Assert.True(firstAgain.Duplicate);
        Assert.Empty(firstAgain.Batches);

        AssertSameView(before, await View(parent, "u4"));
        Assert.Equal(3, before.EventsApplied);
    }

    [Fact]
    public async Task An_idle_user_is_passivated_and_comes_back_with_its_state()
    {
        var parent = LocalParent(Sys, Index, Options with { IdleTimeout = TimeSpan.FromMilliseconds(300) }, "passivating");
        for (var i = 1; i <= 4; i++) await Send(parent, "u5", i, Track(i));
        var before = await View(parent, "u5");
        var entity = await Sys.ActorSelection("/user/passivating/u5").ResolveOne(TimeSpan.FromSeconds(3));
        Watch(entity);
        ExpectTerminated(entity, TimeSpan.FromSeconds(10));

        AssertSameView(before, await View(parent, "u5"));
        var revived = await Sys.ActorSelection("/user/passivating/u5").ResolveOne(TimeSpan.FromSeconds(3));
        Assert.NotEqual(entity, revived);
        var next = await Send(parent, "u5", 5, Track(5));
        Assert.False(next.Duplicate);
        Assert.Equal(5, (await View(parent, "u5")).EventsApplied);
    }

    [Fact]
    public async Task Messages_arriving_while_an_entity_passivates_reach_its_next_incarnation()
    {
        var probe = CreateTestProbe();
        // A stand-in entity that asks to passivate on its first message and takes 500 ms to stop.
        var incarnations = new StrongBox<int>(0);
        var parent = Sys.ActorOf(UserRecommenderParent.Props(_ => Props.Create(() => new SlowToPassivate(probe.Ref, incarnations))));
        parent.Tell(new GetUserState("u6"));
        probe.ExpectMsg<GetUserState>(TimeSpan.FromSeconds(5));
        var first = probe.LastSender;
        await Task.Delay(100);
        for (var i = 0; i < 49; i++) parent.Tell(new GetUserState("u6"));
        probe.ExpectMsg<string>(s => s == "stopping", TimeSpan.FromSeconds(5));
        for (var i = 0; i < 49; i++)
        {
            probe.ExpectMsg<GetUserState>(TimeSpan.FromSeconds(5));
            Assert.NotEqual(first, probe.LastSender);
        }
        probe.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public async Task An_event_for_another_user_is_refused()
    {
        var parent = LocalParent(Sys, Index, Options);
        var wrong = new ApplyActivity("u7", Event("someone-else", 1, Track(1)));
        await Assert.ThrowsAsync<ArgumentException>(() => parent.Ask<ActivityApplied>(wrong, AskTimeout));
        Assert.Equal(0, (await View(parent, "u7")).EventsApplied);
    }

    [Fact]
    public void A_correlated_event_is_answered_with_its_correlation_id_and_a_refusal_is_a_message_not_a_failure()
    {
        var parent = LocalParent(Sys, Index, Options);
        parent.Tell(new ApplyActivity("u8", Event("u8", 1, Track(1))) { CorrelationId = 41 }, TestActor);
        parent.Tell(new ApplyActivity("u8", Event("someone-else", 2, Track(2))) { CorrelationId = 42 }, TestActor);
        var applied = ExpectMsg<ActivityApplied>(AskTimeout);
        Assert.Equal((41L, false), (applied.CorrelationId, applied.Duplicate));
        var refused = ExpectMsg<ActivityRefused>(AskTimeout);
        Assert.Equal(42, refused.CorrelationId);
        Assert.Contains("is for user 'someone-else'", refused.Reason);
    }

    /// <summary>The first incarnation passivates after its first message and stops 500 ms after the stop message; reports to the probe.</summary>
    private sealed class SlowToPassivate : ReceiveActor, IWithTimers
    {
        public ITimerScheduler Timers { get; set; } = null!;

        public SlowToPassivate(IActorRef probe, StrongBox<int> incarnations)
        {
            // Only the first incarnation passivates.
            var asked = Interlocked.Increment(ref incarnations.Value) > 1;
            Receive<GetUserState>(m =>
            {
                probe.Tell(m, Self);
                if (asked) return;
                asked = true;
                Context.Parent.Tell(new Passivate(StopEntity.Instance));
            });
            Receive<StopEntity>(_ =>
            {
                probe.Tell("stopping", Self);
                Timers.StartSingleTimer("stop", "stop-now", TimeSpan.FromMilliseconds(500));
            });
            Receive<string>(s => s == "stop-now", _ => Context.Stop(Self));
        }
    }
}
