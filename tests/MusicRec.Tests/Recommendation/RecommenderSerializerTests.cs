using Akka.TestKit.Xunit2;
using MusicRec.Contracts;
using MusicRec.Recommendation;
using static MusicRec.Recommendation.UserRecommenderProtocol;
using static MusicRec.Tests.Recommendation.RecommenderTestKit;

namespace MusicRec.Tests.Recommendation;

public class RecommenderSerializerTests() : TestKit(SetupFor(PersistenceOptions.InMemory()))
{
    private static readonly SimilarityIndex Index = SyntheticCatalogue.Index(10, seed: 4);

    private T RoundTrip<T>(T value) where T : notnull => Sys.RoundTrip(value);

    [Fact]
    public void Events_snapshots_and_protocol_messages_round_trip()
    {
        var state = new UserTasteState("u", new TasteSettings());
        for (var i = 1; i <= 4; i++)
            state.Apply(new ActivityRecorded($"e{i}", Index.Tracks[i].TrackId, Actions.Like, T0.AddSeconds(i), [new Choice(Index.Tracks[10 + i].TrackId, 0.93)]), Index);
        StateAssert.Equal(state, UserTasteState.FromSnapshot(RoundTrip(state.ToSnapshot(Index)), state.Settings), Index);

        var activity = new ApplyActivity("u", Event("u", 1, 2));
        Assert.Equal(activity, RoundTrip(activity));
        var applied = RoundTrip(new ActivityApplied("e3", state.BatchesCompletedBy("e3", Index), true));
        BatchAssert.Equal(state.BatchesCompletedBy("e3", Index), applied.Batches);
        Assert.True(applied.Duplicate);
        Assert.Equal(7, RoundTrip(new ActivityApplied("e3", [], false) { CorrelationId = 7 }).CorrelationId);
        Assert.Equal(8, RoundTrip(activity with { CorrelationId = 8 }).CorrelationId);
        Assert.Equal(new ActivityRefused(9, "e4", "the journal rejected the write"), RoundTrip(new ActivityRefused(9, "e4", "the journal rejected the write")));
        Assert.Equal(new GetUserState("u"), RoundTrip(new GetUserState("u")));
        var view = state.ToView(Index);
        AssertSameView(view, RoundTrip(view));
        Assert.Same(StopEntity.Instance, RoundTrip(StopEntity.Instance));
    }

    [Fact]
    public void Stored_activities_are_protobuf_round_trip_every_field_and_carry_no_catalogue_text()
    {
        var plus2 = new DateTimeOffset(2026, 3, 4, 5, 6, 7, 891, TimeSpan.FromHours(2)).AddTicks(3);
        var value = new ActivitiesRecorded([
            new ActivityRecorded("e1", 2, Actions.Like, T0, [new Choice(5, 0.9312, "colistening", "listeners who liked A also liked this")]),
            new ActivityRecorded("e2", 3, Actions.Skip, plus2, []),
            new ActivityRecorded("e3", 4, Actions.Listen, T0.ToOffset(TimeSpan.FromMinutes(-330)),
                [new Choice(6, -0.25), new Choice(7, 0.5, "popularity", "popular this week in Rock"), new Choice(8, 0.1, "exploration", "")]),
        ]);
        var serializer = Sys.Serialization.FindSerializerFor(value);
        Assert.Equal("activities-v2", Akka.Serialization.Serialization.ManifestFor(serializer, value));
        // About 25 bytes an activity: ids, action, time and the choice; plus the chosen track's source and reason.
        Assert.True(serializer.ToBinary(value).Length < 5 * 40 + 80, $"{serializer.ToBinary(value).Length} bytes");

        var back = RoundTrip(value);
        Assert.Equal(value.Activities.Select(Flat), back.Activities.Select(Flat));
        Assert.Equal(value.Activities.Select(a => a.Ts.Offset), back.Activities.Select(a => a.Ts.Offset));
        Assert.Same(Actions.Like, back.Activities[0].Action);
    }

    [Fact]
    public void A_choice_written_before_sources_existed_reads_as_audio_with_no_reason()
    {
        // A row as a format-2 build wrote it, byte for byte: event "e1", track 2, like, T0, and one choice (track 5,
        // score 0.5, no source or reason) in what was then the singular field 5.
        var old = Convert.FromHexString("0a210a02653110021802220a088080e0a78b9992ef082a0b080511000000000000e03f");
        var serializer = (Akka.Serialization.SerializerWithStringManifest)Sys.Serialization.FindSerializerFor(new ActivitiesRecorded([]));
        var back = (ActivitiesRecorded)serializer.FromBinary(old, "activities-v2");
        Assert.Equal(("e1", 2, Actions.Like, T0), (back.Activities[0].EventId, back.Activities[0].TrackId, back.Activities[0].Action, back.Activities[0].Ts));
        Assert.Equal(new Choice(5, 0.5, "audio", ""), Assert.Single(back.Activities[0].Suggestions));
    }

    [Fact]
    public void Journal_rows_of_the_unreleased_format_1_are_refused_with_a_clear_error()
    {
        var serializer = (RecommenderSerializer)Sys.Serialization.FindSerializerFor(new ActivitiesRecorded([]));
        foreach (var manifest in new[] { "ar", "ars", "arb", "snap" })
        {
            var e = Assert.Throws<System.Runtime.Serialization.SerializationException>(() => serializer.FromBinary([1, 0], manifest));
            Assert.Contains($"format {JournalFormat.Version}", e.Message);
        }
    }

    private static string Flat(ActivityRecorded a) => $"{a.EventId}|{a.TrackId}|{a.Action}|{a.Ts:O}|{string.Join(";", a.Suggestions)}";
}
