using MusicRec.Contracts;
using MusicRec.Recommendation;
using MusicRec.Recommendation.Hybrid;
using MusicRec.Recommendation.Model;

namespace MusicRec.Tests.Recommendation;

public class UserTasteStateTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly SimilarityIndex Index = SyntheticCatalogue.Index(20, seed: 3);
    private static int Track(int i) => Index.Tracks[i % Index.Count].TrackId;

    /// <summary>A row as format 2.1 wrote it: at most one suggestion per event (replay still reads it).</summary>
    private static ActivityRecorded Recorded(int n, int track, string action = Actions.Like, int? suggestion = null) =>
        new($"e{n}", track, action, T0.AddSeconds(n), suggestion is { } s ? [new Choice(s, 0.9, "colistening", $"because of event {n}")] : []);

    private static UserTasteState Fresh(TasteSettings? settings = null) => new("u1", settings ?? new TasteSettings());

    /// <summary>A listener whose next event completes a batch: two events applied (of <paramref name="track"/>).</summary>
    private static UserTasteState Due(int track)
    {
        var s = Fresh();
        s.Apply(Recorded(-2, track), Index);
        s.Apply(Recorded(-1, track), Index);
        Assert.True(s.BatchDue);
        return s;
    }

    [Fact]
    public void A_batch_is_decided_on_its_third_event_all_slots_at_once()
    {
        var s = Fresh();
        var context = SuggestionContext.ContentBased(Index);
        for (var i = 1; i <= 9; i++)
        {
            var recorded = SuggestionPolicy.Decide(s, new ActivityEvent($"e{i}", "u1", Track(i), Actions.Like, T0.AddSeconds(i)), context);
            Assert.Equal(i % 3 == 0 ? 3 : 0, recorded.Suggestions.Count);
            s.Apply(recorded, Index);
            Assert.Equal(i % 3 == 0 ? 1 : 0, s.BatchesCompletedBy($"e{i}", Index).Count);
            Assert.Empty(s.Pending);
        }
        Assert.Equal(3, s.BatchSequence);
    }

    [Fact]
    public void A_batch_left_short_is_completed_on_the_next_event()
    {
        // A 2.1 journal: the third event found nothing to suggest, so one slot is still open after it.
        var s = Fresh();
        s.Apply(Recorded(1, Track(0), suggestion: Track(10)), Index);
        s.Apply(Recorded(2, Track(1), suggestion: Track(11)), Index);
        s.Apply(Recorded(3, Track(2)), Index);
        Assert.True(s.BatchDue);
        var recorded = SuggestionPolicy.Decide(s, new ActivityEvent("e4", "u1", Track(3), Actions.Like, T0.AddSeconds(4)), SuggestionContext.ContentBased(Index));
        var open = Assert.Single(recorded.Suggestions);
        s.Apply(recorded, Index);
        Assert.Equal([Track(10), Track(11), open.TrackId], Assert.Single(s.BatchesCompletedBy("e4", Index)).Tracks.Select(t => t.TrackId));
        Assert.False(s.BatchDue);
    }

    [Fact]
    public void Third_suggestion_completes_a_batch_with_a_deterministic_id_the_event_time_and_the_catalogues_text()
    {
        var s = Fresh();
        s.Apply(Recorded(1, Track(0), suggestion: Track(10)), Index);
        s.Apply(Recorded(2, Track(1), suggestion: Track(11)), Index);
        Assert.Empty(s.BatchesCompletedBy("e2", Index));
        Assert.Equal(0, s.BatchSequence);
        s.Apply(Recorded(3, Track(2), suggestion: Track(12)), Index);
        var batch = Assert.Single(s.BatchesCompletedBy("e3", Index));
        Assert.Equal("u1-1", batch.BatchId);
        Assert.Equal(T0.AddSeconds(3), batch.GeneratedAt);
        Assert.Equal([Track(10), Track(11), Track(12)], batch.Tracks.Select(t => t.TrackId));
        Index.TryGetInfo(Track(10), out var info);
        Assert.Equal((info.Title, info.Artist, info.Genre), (batch.Tracks[0].Title, batch.Tracks[0].Artist, batch.Tracks[0].Genre));
        // Source and reason are as decided (persisted), not explained again.
        Assert.Equal(("colistening", "because of event 1"), (batch.Tracks[0].Source, batch.Tracks[0].Because));
        Assert.Empty(s.Pending);
        for (var i = 4; i <= 6; i++) s.Apply(Recorded(i, Track(i + 10), suggestion: Track(20 + i)), Index);
        Assert.Equal("u1-2", Assert.Single(s.BatchesCompletedBy("e6", Index)).BatchId);
    }

    [Fact]
    public void An_event_id_is_applied_only_once()
    {
        var s = Fresh();
        Assert.True(s.Apply(Recorded(1, Track(5), suggestion: Track(9)), Index));
        var profile = s.Profile.ToArray();
        Assert.False(s.Apply(Recorded(1, Track(5), suggestion: Track(9)), Index));
        Assert.Equal(1, s.EventsApplied);
        Assert.Single(s.Pending);
        Assert.Equal(profile, s.Profile);
    }

    [Fact]
    public void Like_pulls_the_profile_towards_a_track_and_skip_pushes_it_away()
    {
        var (a, b) = (Track(1), Track(2));
        float Towards(UserTasteState s, int track) => SimilarityIndex.Similarity(s.Profile, Index.VectorOf(track));
        var before = Fresh();
        before.Apply(Recorded(1, a), Index);
        var liked = Fresh();
        liked.Apply(Recorded(1, a), Index);
        liked.Apply(Recorded(2, b, Actions.Like), Index);
        var skipped = Fresh();
        skipped.Apply(Recorded(1, a), Index);
        skipped.Apply(Recorded(2, b, Actions.Skip), Index);
        Assert.True(Towards(liked, b) > Towards(before, b));
        Assert.True(Towards(skipped, b) < Towards(before, b));
        // Profile = Decay·profile + weight·vector.
        var settings = new TasteSettings();
        Assert.Equal(settings.Decay * 2f * Index.VectorOf(a)[0] - 0.5f * Index.VectorOf(b)[0], skipped.Profile[0], 5);
        Assert.Throws<ArgumentException>(() => settings.WeightOf("dance"));
    }

    [Fact]
    public void An_unknown_track_leaves_the_profile_and_still_counts_as_heard()
    {
        var s = Fresh();
        s.Apply(Recorded(1, Track(1)), Index);
        var profile = s.Profile.ToArray();
        s.Apply(Recorded(2, 999_999, Actions.Listen), Index);
        Assert.Equal(profile, s.Profile);
        Assert.True(s.IsExcluded(999_999));
        // No known track to be near to: random allowed tracks fill the batch, and say so.
        var filled = SuggestionPolicy.Decide(Due(999_999), new ActivityEvent("e", "u1", 999_999, Actions.Listen, T0), SuggestionContext.ContentBased(Index)).Suggestions;
        Assert.Equal(3, filled.Count);
        Assert.All(filled, f => Assert.True(Index.Contains(f.TrackId)));
        Assert.All(filled, f => Assert.Equal("exploration", f.Source));
    }

    [Fact]
    public void Recent_history_reads_newest_first_while_the_history_is_bounded()
    {
        var s = Fresh(new TasteSettings { MaxHistory = 40 });
        var model = new List<HistoryEntry>();
        for (var i = 1; i <= 100; i++)
        {
            s.Apply(Recorded(i, Track(i), i % 2 == 0 ? Actions.Like : Actions.Skip), Index);
            model.Add(new HistoryEntry(Track(i), i % 2 == 0 ? Actions.Like : Actions.Skip));
            if (model.Count > 40) model.RemoveAt(0);
            Assert.Equal(model, s.History);
            for (var k = 0; k < model.Count; k++) Assert.Equal(model[^(k + 1)], s.RecentHistory(k));
        }
    }

    [Fact]
    public void History_recommended_and_event_ids_stay_bounded()
    {
        var settings = new TasteSettings { MaxHistory = 5, MaxRecommended = 7, MaxRecentEventIds = 4, MaxRecentBatches = 2 };
        var s = Fresh(settings);
        for (var i = 1; i <= 30; i++) s.Apply(Recorded(i, Track(100 + i % 3), suggestion: Track(i)), Index);
        Assert.Equal(5, s.History.Count);
        Assert.Equal(s.History.GroupBy(h => h.TrackId).ToDictionary(g => g.Key, g => g.Count()), s.Heard.ToDictionary());
        Assert.Equal(7, s.Recommended.Count);
        Assert.Equal(s.RecommendedOrder.Order(), s.Recommended.Order());
        Assert.Equal(4, s.RecentEvents.Count);
        Assert.Equal(2, s.RecentBatchCount);
        Assert.Equal(10, s.BatchSequence);
        Assert.Equal(30, s.EventsApplied);
        Assert.False(s.HasSeenEvent("e1"));
        Assert.True(s.HasSeenEvent("e30"));
    }

    [Fact]
    public void Event_ids_are_remembered_as_keys_that_come_back_from_a_snapshot()
    {
        var guid = Guid.NewGuid();
        Assert.Equal(EventKey.Of(guid.ToString()), EventKey.Of(guid.ToString("B").ToUpperInvariant()));
        Assert.NotEqual(EventKey.Of("e1"), EventKey.Of("e2"));
        var s = Fresh();
        s.Apply(Recorded(1, Track(1)), Index);
        s.Apply(Recorded(2, Track(2)) with { EventId = guid.ToString() }, Index);
        var restored = UserTasteState.FromSnapshot(s.ToSnapshot(Index), s.Settings);
        foreach (var state in new[] { s, restored })
        {
            Assert.True(state.HasSeenEvent("e1"));
            Assert.True(state.HasSeenEvent(guid.ToString().ToUpperInvariant()));
            Assert.False(state.HasSeenEvent("e3"));
            Assert.False(state.Apply(Recorded(1, Track(5)), Index)); // a redelivery changes nothing
        }
        Assert.Equal(s.RecentEventIds, restored.RecentEventIds);
    }

    [Fact]
    public void A_remembered_event_finds_its_batch_while_the_batch_is_kept()
    {
        var s = Fresh(new TasteSettings { MaxRecentEventIds = 100, MaxRecentBatches = 2 });
        for (var i = 1; i <= 30; i++) s.Apply(Recorded(i, Track(100 + i), suggestion: Track(i)), Index);
        Assert.Equal("u1-10", Assert.Single(s.BatchesCompletedBy("e30", Index)).BatchId);
        Assert.Equal("u1-9", Assert.Single(s.BatchesCompletedBy("e27", Index)).BatchId);
        Assert.Empty(s.BatchesCompletedBy("e24", Index));   // remembered, but its batch is no longer kept
        Assert.Empty(s.BatchesCompletedBy("e29", Index));   // completed no batch
    }

    [Fact]
    public void Snapshot_round_trip_keeps_the_state_and_both_continue_identically()
    {
        var s = Fresh();
        for (var i = 1; i <= 8; i++) s.Apply(Recorded(i, Track(100 + i), i % 3 == 0 ? Actions.Skip : Actions.Listen, Track(i)), Index);
        var back = UserTasteState.FromSnapshot(s.ToSnapshot(Index), s.Settings);
        StateAssert.Equal(s, back, Index);
        s.Apply(Recorded(9, Track(50), suggestion: Track(60)), Index);
        back.Apply(Recorded(9, Track(50), suggestion: Track(60)), Index);
        StateAssert.Equal(s, back, Index);
    }

    [Fact]
    public void Decide_never_suggests_heard_recommended_or_pending_tracks_and_does_not_change_the_state()
    {
        var s = Fresh();
        var context = SuggestionContext.ContentBased(Index);
        var suggested = new List<int>();
        for (var i = 0; i < 60; i++)
        {
            var activity = new ActivityEvent($"e{i}", "u1", Track(i * 7), Actions.Like, T0.AddSeconds(i));
            var recorded = SuggestionPolicy.Decide(s, activity, context);
            Assert.Equal(i, s.EventsApplied);
            Assert.Equal(s.BatchDue ? 3 : 0, recorded.Suggestions.Count);
            foreach (var id in recorded.Suggestions.Select(c => c.TrackId))
            {
                Assert.False(s.IsExcluded(id), $"event {i} suggested excluded track {id}");
                Assert.NotEqual(activity.TrackId, id);
                Assert.DoesNotContain(id, suggested);
                suggested.Add(id);
            }
            s.Apply(recorded, Index);
        }
    }

    [Fact]
    public void The_blend_scores_every_source_together_by_weight()
    {
        var s = Due(Track(1));
        var activity = new ActivityEvent("e1", "u1", Track(1), Actions.Like, T0);
        var content = SuggestionPolicy.Decide(s, activity, SuggestionContext.ContentBased(Index)).Suggestions[0];
        Assert.Equal("audio", content.Source);
        Assert.NotEqual(Track(12), content.TrackId);
        SuggestionContext With(ICandidateSource other, double weight)
        {
            var tracks = new TrackCatalog(Index.Tracks);
            var blend = new BlendOptions { CoListeningWeight = weight, PopularityWeight = 0, AudioWeight = 1, ExplorationShare = 0 };
            return new SuggestionContext(Index, new HybridRecommender(tracks, [new AudioSource(Index, tracks), other], blend));
        }
        // Each source's scores are relative to its best: the heavier source's best candidate wins.
        var heavier = SuggestionPolicy.Decide(s, activity, With(new FixedSource(Track(12)), 2)).Suggestions[0];
        Assert.Equal((Track(12), "colistening", "fixed"), (heavier.TrackId, heavier.Source, heavier.Because));
        Assert.Equal(content.TrackId, SuggestionPolicy.Decide(s, activity, With(new FixedSource(Track(12)), 0.5)).Suggestions[0].TrackId);
        // A proposal the catalogue does not know is not taken.
        var unknown = SuggestionPolicy.Decide(s, activity, With(new FixedSource(999_999), 2)).Suggestions;
        Assert.Equal(content.TrackId, unknown[0].TrackId);
        Assert.DoesNotContain(999_999, unknown.Select(c => c.TrackId));
    }

    private sealed class FixedSource(int trackId) : ICandidateSource
    {
        public string Name => "colistening";

        public void Collect(RecommendationContext context, int limit, List<Candidate> into)
        {
            if (!context.IsExcluded(trackId)) into.Add(new Candidate(trackId, 5, 0));
        }

        public string Explain(Candidate candidate, RecommendationContext context) => "fixed";
    }

    [Fact]
    public void Tracks_the_shared_model_already_saw_the_listener_play_are_not_suggested()
    {
        var model = new ListeningModel(new TrackCatalog(Index.Tracks));
        var ahead = Enumerable.Range(2, 8).Select(Track).ToArray();
        // Another listener pairs this listener's track with the tracks ahead, so co-listening would suggest them first.
        var events = new List<ActivityEvent> { new("w0", "w", Track(0), Actions.Like, T0) };
        events.AddRange(ahead.Select((t, i) => new ActivityEvent($"w{i + 1}", "w", t, Actions.Like, T0.AddSeconds(i + 1))));
        // The model has read this listener's next plays; the actor has not been told yet.
        events.AddRange(ahead.Select((t, i) => new ActivityEvent($"a{i}", "u1", t, Actions.Listen, T0.AddSeconds(20 + i))));
        model.Observe(events);
        var context = SuggestionContext.Hybrid(Index, model, new BlendOptions { ExplorationShare = 0 });

        var suggested = SuggestionPolicy.Decide(Due(Track(0)), new ActivityEvent("e", "u1", Track(1), Actions.Like, T0.AddSeconds(40)), context)
            .Suggestions.Select(c => c.TrackId).ToList();

        Assert.Equal(3, suggested.Count);
        Assert.Empty(suggested.Intersect(ahead));
    }
}

internal static class StateAssert
{
    public static void Equal(UserTasteState expected, UserTasteState actual, SimilarityIndex catalogue)
    {
        Assert.Equal(expected.UserId, actual.UserId);
        Assert.Equal(expected.Profile, actual.Profile);
        Assert.Equal(expected.History, actual.History);
        Assert.Equal(expected.Heard.OrderBy(k => k.Key), actual.Heard.OrderBy(k => k.Key));
        Assert.Equal(expected.RecommendedOrder, actual.RecommendedOrder);
        Assert.Equal(expected.Recommended.Order(), actual.Recommended.Order());
        Assert.Equal(expected.Pending, actual.Pending);
        Assert.Equal(expected.EventsApplied, actual.EventsApplied);
        Assert.Equal(expected.EventsSinceBatch, actual.EventsSinceBatch);
        Assert.Equal(expected.BatchSequence, actual.BatchSequence);
        Assert.Equal(expected.RecentEventIds, actual.RecentEventIds);
        Assert.Equal(expected.RecentEvents.OrderBy(k => k.Key.Value), actual.RecentEvents.OrderBy(k => k.Key.Value));
        BatchAssert.Equal(expected.RecentBatches(catalogue), actual.RecentBatches(catalogue));
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
            Assert.Equal(e[i].GeneratedAt.Offset, a[i].GeneratedAt.Offset);
            Assert.Equal(e[i].Tracks, a[i].Tracks);
        }
    }
}
