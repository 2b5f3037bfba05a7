using MusicRec.Contracts;
using MusicRec.Recommendation;
using MusicRec.Streaming;

namespace MusicRec.Tests.Recommendation;

public class UserTasteStateTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly SimilarityIndex Index = SyntheticCatalogue.Index(20, seed: 3);

    private static RecommendedTrack Suggestion(int id) => new(id, $"Song {id}", "A", "Rock", 0.9, "because");

    private static ActivityRecorded Recorded(int n, int track, string action = Actions.Like, RecommendedTrack? s = null, float[]? vector = null) =>
        new($"e{n}", track, action, T0.AddSeconds(n), vector, s);

    [Fact]
    public void Apply_returns_a_new_state_and_leaves_the_old_one_alone()
    {
        var s0 = UserTasteState.Empty("u1", new TasteSettings());
        var s1 = s0.Apply(Recorded(1, 5, vector: [1f, 0f], s: Suggestion(7)));
        Assert.Equal(0, s0.EventsApplied);
        Assert.Empty(s0.Pending);
        Assert.True(s0.Profile.IsEmpty);
        Assert.Equal(1, s1.EventsApplied);
        Assert.Single(s1.Pending);
        Assert.Equal([2f, 0f], s1.Profile.ToArray());
    }

    [Fact]
    public void Third_suggestion_completes_a_batch_with_a_deterministic_id_and_the_event_time()
    {
        var s = UserTasteState.Empty("u1", new TasteSettings());
        s = s.Apply(Recorded(1, 5, s: Suggestion(10)));
        s = s.Apply(Recorded(2, 6, s: Suggestion(11)));
        Assert.Empty(s.BatchesCompletedBy("e2"));
        Assert.Equal(0, s.BatchSequence);
        s = s.Apply(Recorded(3, 7, s: Suggestion(12)));
        var batch = Assert.Single(s.BatchesCompletedBy("e3"));
        Assert.Equal("u1-1", batch.BatchId);
        Assert.Equal(T0.AddSeconds(3), batch.GeneratedAt);
        Assert.Equal([10, 11, 12], batch.Tracks.Select(t => t.TrackId));
        Assert.Empty(s.Pending);
        for (var i = 4; i <= 6; i++) s = s.Apply(Recorded(i, i + 10, s: Suggestion(20 + i)));
        Assert.Equal("u1-2", Assert.Single(s.BatchesCompletedBy("e6")).BatchId);
    }

    [Fact]
    public void An_event_id_is_applied_only_once()
    {
        var s = UserTasteState.Empty("u1", new TasteSettings()).Apply(Recorded(1, 5, vector: [1f, 1f], s: Suggestion(9)));
        var again = s.Apply(Recorded(1, 5, vector: [1f, 1f], s: Suggestion(9)));
        Assert.Same(s, again);
    }

    [Fact]
    public void Like_pulls_the_profile_towards_a_track_and_skip_pushes_it_away()
    {
        var settings = new TasteSettings();
        var a = new float[] { 1, 0 };
        var b = new float[] { 0, 1 };
        var s = UserTasteState.Empty("u", settings).Apply(Recorded(1, 1, Actions.Like, vector: a));
        var liked = s.Apply(Recorded(2, 2, Actions.Like, vector: b));
        var skipped = s.Apply(Recorded(2, 2, Actions.Skip, vector: b));
        Assert.True(liked.Profile[1] > 0);
        Assert.True(skipped.Profile[1] < 0);
        Assert.Equal(settings.Decay * 2f, skipped.Profile[0], 5);
        Assert.Throws<ArgumentException>(() => settings.WeightOf("dance"));
    }

    [Fact]
    public void History_recommended_and_event_ids_stay_bounded()
    {
        var settings = new TasteSettings { MaxHistory = 5, MaxRecommended = 7, MaxRecentEventIds = 4, MaxRecentBatches = 2 };
        var s = UserTasteState.Empty("u", settings);
        for (var i = 1; i <= 30; i++) s = s.Apply(Recorded(i, 100 + i % 3, s: Suggestion(1000 + i)));
        Assert.Equal(5, s.HistoryCount);
        Assert.Equal(5, s.History.Count());
        Assert.Equal(s.History.GroupBy(h => h.TrackId).Select(g => KeyValuePair.Create(g.Key, g.Count())).OrderBy(kv => kv.Key), s.Heard);
        Assert.Equal(7, s.Recommended.Count);
        Assert.Equal(4, s.RecentEvents.Count);
        Assert.Equal(2, s.RecentBatches.Count);
        Assert.Equal(10, s.BatchSequence);
        Assert.Equal(30, s.EventsApplied);
        Assert.False(s.HasSeenEvent("e1"));
        Assert.True(s.HasSeenEvent("e30"));
    }

    [Fact]
    public void A_remembered_event_finds_its_batch_while_the_batch_is_kept()
    {
        var settings = new TasteSettings { MaxRecentEventIds = 100, MaxRecentBatches = 2 };
        var s = UserTasteState.Empty("u", settings);
        for (var i = 1; i <= 30; i++) s = s.Apply(Recorded(i, 100 + i, s: Suggestion(1000 + i)));
        Assert.Equal("u-10", Assert.Single(s.BatchesCompletedBy("e30")).BatchId);
        Assert.Equal("u-9", Assert.Single(s.BatchesCompletedBy("e27")).BatchId);
        Assert.Empty(s.BatchesCompletedBy("e24"));   // remembered, but its batch is no longer kept
        Assert.Empty(s.BatchesCompletedBy("e29"));   // completed no batch
    }

    [Fact]
    public void Snapshot_round_trip_keeps_the_state()
    {
        var s = UserTasteState.Empty("u", new TasteSettings());
        for (var i = 1; i <= 8; i++) s = s.Apply(Recorded(i, 100 + i, i % 3 == 0 ? Actions.Skip : Actions.Listen, Suggestion(200 + i), [i, 1f, -i]));
        var back = UserTasteState.FromSnapshot(s.ToSnapshot(), s.Settings);
        StateAssert.Equal(s, back);
        // Both continue identically.
        var next = Recorded(9, 300, s: Suggestion(400));
        StateAssert.Equal(s.Apply(next), back.Apply(next));
    }

    [Fact]
    public void Anchors_are_the_recent_distinct_listened_or_liked_tracks_newest_first()
    {
        var s = UserTasteState.Empty("u", new TasteSettings());
        for (var i = 1; i <= 30; i++) s = s.Apply(Recorded(i, 100 + i, Actions.Listen));
        s = s.Apply(Recorded(31, 105, Actions.Like));     // an older track again: it moves to the front
        s = s.Apply(Recorded(32, 500, Actions.Skip));     // skips are never anchors
        Assert.Equal(UserTasteState.MaxAnchors, s.Anchors.Length);
        Assert.Equal(new HistoryEntry(105, Actions.Like), s.Anchors[0]);
        Assert.Equal(new HistoryEntry(130, Actions.Listen), s.Anchors[1]);
        Assert.Single(s.Anchors, a => a.TrackId == 105);
        Assert.DoesNotContain(s.Anchors, a => a.TrackId == 500);

        // A snapshot written before anchors were kept (no Anchors field) derives the same ones from its history.
        var old = s.ToSnapshot() with { Anchors = null };
        StateAssert.Equal(s, UserTasteState.FromSnapshot(old, s.Settings));
    }

    [Fact]
    public void Decide_never_suggests_heard_recommended_or_pending_tracks()
    {
        var s = UserTasteState.Empty("u", new TasteSettings());
        var tracks = Index.Tracks.Select(t => t.TrackId).ToArray();
        var suggested = new List<int>();
        for (var i = 0; i < 60; i++)
        {
            var activity = new ActivityEvent($"e{i}", "u", tracks[i * 7 % tracks.Length], Actions.Like, T0.AddSeconds(i));
            var recorded = SuggestionPolicy.Decide(s, activity, Index);
            Assert.NotNull(recorded.Suggestion);
            var id = recorded.Suggestion!.TrackId;
            Assert.False(s.IsExcluded(id), $"event {i} suggested excluded track {id}");
            Assert.NotEqual(activity.TrackId, id);
            Assert.DoesNotContain(id, suggested);
            suggested.Add(id);
            s = s.Apply(recorded);
        }
    }

    [Fact]
    public void Decide_explains_each_suggestion()
    {
        var s = UserTasteState.Empty("u", new TasteSettings());
        var first = Index.Tracks[0];
        var recorded = SuggestionPolicy.Decide(s, new ActivityEvent("e1", "u", first.TrackId, Actions.Like, T0), Index);
        Assert.NotNull(recorded.Suggestion);
        Assert.Contains(first.Title, recorded.Suggestion!.Because);
        Assert.Contains("you liked", recorded.Suggestion.Because);
        Assert.Equal(Index.Stride, recorded.TrackVector!.Length);
        // An unknown track changes nothing in the profile and still gets no vector.
        var unknown = SuggestionPolicy.Decide(s, new ActivityEvent("e2", "u", 999_999, Actions.Listen, T0), Index);
        Assert.Null(unknown.TrackVector);
        Assert.Null(unknown.Suggestion);
    }
}

internal static class StateAssert
{
    public static void Equal(UserTasteState expected, UserTasteState actual)
    {
        Assert.Equal(expected.UserId, actual.UserId);
        Assert.Equal(expected.Profile.ToArray(), actual.Profile.ToArray());
        Assert.Equal(expected.History.ToArray(), actual.History.ToArray());
        Assert.Equal(expected.HistoryCount, actual.HistoryCount);
        Assert.Equal(expected.Anchors.ToArray(), actual.Anchors.ToArray());
        Assert.Equal(expected.Heard.OrderBy(k => k.Key), actual.Heard.OrderBy(k => k.Key));
        Assert.Equal(expected.RecommendedOrder.ToArray(), actual.RecommendedOrder.ToArray());
        Assert.Equal(expected.Recommended.Keys, actual.Recommended.Keys);
        Assert.Equal(expected.Pending.ToArray(), actual.Pending.ToArray());
        Assert.Equal(expected.EventsApplied, actual.EventsApplied);
        Assert.Equal(expected.BatchSequence, actual.BatchSequence);
        Assert.Equal(expected.RecentEventIds.ToArray(), actual.RecentEventIds.ToArray());
        Assert.Equal(expected.RecentEvents.OrderBy(k => k.Key), actual.RecentEvents.OrderBy(k => k.Key));
        BatchAssert.Equal(expected.RecentBatches, actual.RecentBatches);
    }
}

internal static class BatchAssert
{
    public static void Equal(IEnumerable<RecommendationBatch> expected, IEnumerable<RecommendationBatch> actual)
    {
        var e = expected.ToList();
        var a = actual.ToList();
        Assert.Equal(e.Count, a.Count);
        for (var i = 0; i < e.Count; i++)
        {
            Assert.Equal(e[i].BatchId, a[i].BatchId);
            Assert.Equal(e[i].UserId, a[i].UserId);
            Assert.Equal(e[i].GeneratedAt, a[i].GeneratedAt);
            Assert.Equal(e[i].Tracks, a[i].Tracks);
        }
    }
}
