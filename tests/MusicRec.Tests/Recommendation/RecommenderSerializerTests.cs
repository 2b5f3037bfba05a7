using Akka.TestKit.Xunit2;
using MusicRec.Contracts;
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
        Assert.Equal(7, RoundTrip(new ActivityApplied("e3", [], false) { CorrelationId = 7 }).CorrelationId);
        Assert.Equal(8, RoundTrip(activity with { CorrelationId = 8 }).CorrelationId);
        Assert.Equal(new ActivityRefused(9, "e4", "the journal rejected the write"), RoundTrip(new ActivityRefused(9, "e4", "the journal rejected the write")));
        Assert.Equal(new GetUserState("u"), RoundTrip(new GetUserState("u")));
        var view = state.ToView();
        AssertSameView(view, RoundTrip(view));
        Assert.Same(StopEntity.Instance, RoundTrip(StopEntity.Instance));
    }

    [Fact]
    public void Stored_activities_are_binary_and_round_trip_every_field()
    {
        var track = new RecommendedTrack(5, "Tïtle", "", "Rock", 0.9312, "close in timbre to X, which you liked");
        var plus2 = new DateTimeOffset(2026, 3, 4, 5, 6, 7, 891, TimeSpan.FromHours(2)).AddTicks(3);
        var value = new ActivitiesRecorded([
            new ActivityRecorded("e1", 2, Actions.Like, T0, [0.5f, -0.25f, float.Epsilon], track),
            new ActivityRecorded("e2", 3, Actions.Skip, plus2, null, null),
            new ActivityRecorded("e3", 4, Actions.Listen, T0, [], track with { Title = null! }),
            new ActivityRecorded("e4", 5, "replay", T0, [1f], null),
        ]);
        var serializer = Sys.Serialization.FindSerializerFor(value);
        Assert.Equal("arb", Akka.Serialization.Serialization.ManifestFor(serializer, value));
        var json = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(value);
        Assert.True(serializer.ToBinary(value).Length < json.Length / 2, "the binary form should be well under half the JSON");

        var back = RoundTrip(value);
        Assert.Equal(value.Activities.Count, back.Activities.Count);
        for (var i = 0; i < value.Activities.Count; i++)
        {
            var (e, a) = (value.Activities[i], back.Activities[i]);
            Assert.Equal(e.TrackVector, a.TrackVector);
            Assert.Equal(e.Ts.Offset, a.Ts.Offset);
            Assert.Equal(e.Ts.UtcTicks, a.Ts.UtcTicks);
            Assert.Equal(e with { TrackVector = null }, a with { TrackVector = null });
        }
    }

    [Fact]
    public void Activities_stored_as_json_before_the_binary_form_still_recover()
    {
        var value = new ActivitiesRecorded([new ActivityRecorded("e1", 2, Actions.Like, T0, [0.5f], null)]);
        var serializer = (RecommenderSerializer)Sys.Serialization.FindSerializerFor(value);
        var json = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(value);
        var back = (ActivitiesRecorded)serializer.FromBinary(json, "ars");
        Assert.Equal("e1", Assert.Single(back.Activities).EventId);
        Assert.Throws<System.Runtime.Serialization.SerializationException>(() => serializer.FromBinary([9, 0], "arb"));
    }
}
