using Akka.TestKit.Xunit2;
using MusicRec.Recommendation;
using MusicRec.Streaming;
using static MusicRec.Recommendation.UserRecommenderProtocol;
using static MusicRec.Tests.Recommendation.RecommenderTestKit;

namespace MusicRec.Tests.Recommendation;

public class RecommenderSerializerTests() : TestKit(ConfigFor(PersistenceOptions.InMemory()))
{
    private T RoundTrip<T>(T value) where T : notnull
    {
        var serializer = Sys.Serialization.FindSerializerFor(value);
        Assert.IsType<RecommenderSerializer>(serializer);
        var manifest = Akka.Serialization.Serialization.ManifestFor(serializer, value);
        return (T)Sys.Serialization.Deserialize(serializer.ToBinary(value), serializer.Identifier, manifest);
    }

    [Fact]
    public void Events_snapshots_and_protocol_messages_round_trip()
    {
        var track = new RecommendedTrack(5, "Title", "Artist", "Rock", 0.93, "close in timbre to X, which you liked");
        var recorded = new ActivityRecorded("e1", 2, Actions.Like, T0, [0.5f, -0.25f], track);
        var back = RoundTrip(recorded);
        Assert.Equal(recorded.TrackVector, back.TrackVector);
        Assert.Equal(recorded with { TrackVector = null }, back with { TrackVector = null });
        Assert.Null(RoundTrip(recorded with { TrackVector = null, Suggestion = null }).Suggestion);

        var state = UserTasteState.Empty("u", new TasteSettings());
        for (var i = 1; i <= 4; i++) state = state.Apply(recorded with { EventId = $"e{i}", Suggestion = track with { TrackId = 10 + i } });
        StateAssert.Equal(state, UserTasteState.FromSnapshot(RoundTrip(state.ToSnapshot()), state.Settings));

        var activity = new ApplyActivity("u", Event("u", 1, 2));
        Assert.Equal(activity, RoundTrip(activity));
        var applied = RoundTrip(new ActivityApplied("e3", state.BatchesCompletedBy("e3"), true));
        BatchAssert.Equal(state.BatchesCompletedBy("e3"), applied.Batches);
        Assert.True(applied.Duplicate);
        Assert.Equal(new GetUserState("u"), RoundTrip(new GetUserState("u")));
        var view = state.ToView();
        AssertSameView(view, RoundTrip(view));
        Assert.Same(StopEntity.Instance, RoundTrip(StopEntity.Instance));
    }
}
