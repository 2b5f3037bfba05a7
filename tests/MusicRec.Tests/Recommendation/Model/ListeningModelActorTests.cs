using Akka.Actor;
using Akka.TestKit.Xunit2;
using MusicRec.Contracts;
using MusicRec.Recommendation;
using MusicRec.Recommendation.Hybrid;
using MusicRec.Recommendation.Model;
using MusicRec.Streaming;
using MusicRec.Streaming.Transport;
using Xunit.Abstractions;
using static MusicRec.Tests.Recommendation.RecommenderTestKit;

namespace MusicRec.Tests.Recommendation.Model;

/// <summary>The node's model owner learns from the whole activity topic, and every listener's recommender reads it.</summary>
public class ListeningModelActorTests(ITestOutputHelper output)
    : TestKit(SetupFor(PersistenceOptions.InMemory()), output: output)
{
    private static readonly SimilarityIndex Index = SyntheticCatalogue.Index(60, seed: 11);

    [Fact]
    public async Task Other_listeners_co_listening_changes_a_listeners_suggestions_within_ten_seconds()
    {
        using var transport = new InProcessTransport(new InProcessBus());
        using var publisher = new TransportActivityPublisher(transport);
        var model = new ListeningModel(new TrackCatalog(Index.Tracks));
        var owner = Sys.ActorOf(ListeningModelActor.Props(model, transport, Index.Contains, new ListeningModelOptions()));
        var options = new RecommenderOptions
        {
            UseSharding = false,
            IdleTimeout = null,
            Model = model,
            Blend = new BlendOptions { ExplorationShare = 0 },
        };
        var parent = LocalParent(Sys, Index, options);

        var anchor = Index.Tracks[0].TrackId;
        // The track that sounds least like the anchor: audio similarity would never pick it first.
        var target = Index.Tracks.Skip(3)
            .MinBy(t => SimilarityIndex.Similarity(Index.VectorOf(anchor), Index.VectorOf(t.TrackId)))!.TrackId;
        async Task<RecommendationBatch> FirstBatch(string user)
        {
            await Send(parent, user, 1, anchor);
            await Send(parent, user, 2, Index.Tracks[1].TrackId, Actions.Listen);
            return Assert.Single((await Send(parent, user, 3, Index.Tracks[2].TrackId, Actions.Listen)).Batches);
        }

        Assert.DoesNotContain(target, (await FirstBatch("before")).Tracks.Select(t => t.TrackId));

        // Five other listeners like the anchor and then the target, through the topic only.
        for (var u = 0; u < 5; u++)
        {
            await publisher.PublishAsync(new ActivityEvent($"o{u}-1", $"other{u}", anchor, Actions.Like, T0));
            await publisher.PublishAsync(new ActivityEvent($"o{u}-2", $"other{u}", target, Actions.Like, T0.AddSeconds(1)));
        }
        await AwaitAssertAsync(async () =>
        {
            var status = await owner.Ask<ListeningModelActor.Status>(ListeningModelActor.GetStatus.Instance, TimeSpan.FromSeconds(3));
            Assert.Equal(10, status.Events);
        }, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(100));

        // The same first events of a new listener now get the co-listened track first, and say why.
        var batch = await FirstBatch("after");
        Assert.Equal(target, batch.Tracks[0].TrackId);
        Assert.Equal("colistening", batch.Tracks[0].Source);
        Assert.StartsWith("listeners who liked", batch.Tracks[0].Because);
    }

    [Fact]
    public async Task A_new_owner_rebuilds_the_model_from_the_start_of_the_topic()
    {
        using var transport = new InProcessTransport(new InProcessBus());
        using var publisher = new TransportActivityPublisher(transport);
        for (var i = 0; i < 30; i++)
            await publisher.PublishAsync(new ActivityEvent($"e{i}", $"u{i % 3}", Index.Tracks[i % 10].TrackId, Actions.Listen, T0.AddSeconds(i)));
        await publisher.PublishRawAsync("u0", "{not json");

        async Task<(ListeningModelActor.Status Status, IReadOnlyList<ScoredTrack> Neighbours)> Build(string name)
        {
            var model = new ListeningModel(new TrackCatalog(Index.Tracks));
            var owner = Sys.ActorOf(ListeningModelActor.Props(model, transport, Index.Contains, new ListeningModelOptions()), name);
            ListeningModelActor.Status status = null!;
            await AwaitAssertAsync(async () =>
            {
                status = await owner.Ask<ListeningModelActor.Status>(ListeningModelActor.GetStatus.Instance, TimeSpan.FromSeconds(3));
                Assert.Equal(30, status.Events);
            }, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(100));
            await owner.GracefulStop(TimeSpan.FromSeconds(5));
            return (status, model.CoListening.Neighbours(Index.Tracks[0].TrackId, 10));
        }

        var first = await Build("first");
        // Same group id again: nothing was committed, so the restarted owner reads everything again.
        var second = await Build("second");
        Assert.Equal(first.Status, second.Status);
        Assert.Equal(1, first.Status.Skipped);
        Assert.NotEmpty(first.Neighbours);
        Assert.Equal(first.Neighbours, second.Neighbours);
    }
}
