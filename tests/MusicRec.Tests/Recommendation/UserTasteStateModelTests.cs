using Akka.TestKit.Xunit2;
using MusicRec.Contracts;
using MusicRec.Recommendation;
using static MusicRec.Tests.Recommendation.RecommenderTestKit;

namespace MusicRec.Tests.Recommendation;

/// <summary>
/// Random event streams (repeats, unknown tracks, small bounds) against the plain state: what it keeps agrees with a
/// naive model of the applied events, and a recovery (a serialised snapshot at any point plus the later journal rows,
/// serialised too) reaches exactly the live state.
/// </summary>
public class UserTasteStateModelTests() : TestKit(SetupFor(PersistenceOptions.InMemory()))
{
    private static readonly SimilarityIndex Index = SyntheticCatalogue.Index(15, seed: 8);

    private T RoundTrip<T>(T value) where T : notnull => Sys.RoundTrip(value);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Random_streams_agree_with_a_naive_model_and_recover_exactly_from_any_snapshot(int seed)
    {
        var random = new Random(seed);
        var settings = new TasteSettings { MaxHistory = 7, MaxRecommended = 11, MaxRecentEventIds = 9, MaxRecentBatches = 3 };
        var context = SuggestionContext.ContentBased(Index);
        var live = new UserTasteState("u", settings);
        var applied = new List<ActivityRecorded>();
        var accepted = new List<int>();
        var journal = new List<ActivitiesRecorded>();
        var snapshots = new List<(int Rows, UserTasteSnapshot Snapshot)> { (0, live.ToSnapshot(Index)) };
        string[] actions = [Actions.Listen, Actions.Like, Actions.Skip];

        for (var n = 0; n < 300; n++)
        {
            var group = new List<ActivityRecorded>();
            for (var k = random.Next(1, 4); k > 0; k--)
            {
                // Now and then a recent event again, or a track the catalogue does not know.
                var eventId = random.Next(8) == 0 && applied.Count > 0 ? applied[^random.Next(1, Math.Min(5, applied.Count) + 1)].EventId : $"e{n}-{k}";
                var track = random.Next(12) == 0 ? 900_000 + random.Next(5) : Index.Tracks[random.Next(Index.Count)].TrackId;
                var activity = new ActivityEvent(eventId, "u", track, actions[random.Next(3)], T0.AddSeconds(n));
                if (live.HasSeenEvent(eventId)) continue;
                var recorded = SuggestionPolicy.Decide(live, activity, context);
                var pendingBefore = live.Pending.Select(p => p.TrackId).ToList();
                Assert.True(live.Apply(recorded, Index));
                applied.Add(recorded);
                foreach (var c in recorded.Suggestions)
                    if (!pendingBefore.Contains(c.TrackId)) accepted.Add(c.TrackId);
                group.Add(recorded);
            }
            if (group.Count > 0) journal.Add(RoundTrip(new ActivitiesRecorded(group)));
            if (random.Next(10) == 0) snapshots.Add((journal.Count, RoundTrip(live.ToSnapshot(Index))));
            AgreesWithModel(live, settings, applied, accepted);
        }

        foreach (var (rows, snapshot) in snapshots)
        {
            var recovered = UserTasteState.FromSnapshot(snapshot, settings);
            foreach (var row in journal.Skip(rows)) recovered.Apply(row, Index);
            StateAssert.Equal(live, recovered, Index);
        }
    }

    private static void AgreesWithModel(UserTasteState state, TasteSettings settings, List<ActivityRecorded> applied, List<int> accepted)
    {
        var history = applied.TakeLast(settings.MaxHistory).Select(a => new HistoryEntry(a.TrackId, a.Action)).ToList();
        Assert.Equal(history, state.History);
        Assert.Equal(history.GroupBy(h => h.TrackId).ToDictionary(g => g.Key, g => g.Count()), state.Heard.ToDictionary());
        Assert.Equal(applied.TakeLast(settings.MaxRecentEventIds).Select(a => EventKey.Of(a.EventId)), state.RecentEventIds);
        Assert.Equal(applied.Count, state.EventsApplied);
        // Decide never proposes an excluded track, so every suggestion is accepted: three make a batch.
        Assert.Equal(applied.Sum(a => a.Suggestions.Count), accepted.Count);
        Assert.Equal(accepted.Count / 3, state.BatchSequence);
        Assert.Equal(accepted.Skip(accepted.Count / 3 * 3), state.Pending.Select(p => p.TrackId));
        Assert.Equal(accepted.TakeLast(settings.MaxRecommended), state.RecommendedOrder);
        Assert.Equal(accepted.Chunk(3).Where(c => c.Length == 3).TakeLast(settings.MaxRecentBatches).Select(c => c.ToList()),
            state.RecentBatches(Index).Select(b => b.Tracks.Select(t => t.TrackId).ToList()));
    }
}
