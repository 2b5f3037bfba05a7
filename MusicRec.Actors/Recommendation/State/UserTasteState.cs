using System.Collections.Immutable;
using System.Runtime.InteropServices;
using MusicRec.Contracts;

namespace MusicRec.Recommendation;

/// <summary>How a user's taste profile and bounded memories evolve. Weights are per action; the profile decays so recent taste counts more.</summary>
public sealed record TasteSettings
{
    public float ListenWeight { get; init; } = 1.0f;
    public float LikeWeight { get; init; } = 2.0f;
    /// <summary>Negative: a skip pushes the profile away from the skipped track.</summary>
    public float SkipWeight { get; init; } = -0.5f;
    /// <summary>Profile ← Decay·profile + weight·track (0.95: a half-life of about 14 events).</summary>
    public float Decay { get; init; } = 0.95f;
    /// <summary>Recent history kept (and excluded from suggestions).</summary>
    public int MaxHistory { get; init; } = 500;
    /// <summary>Already recommended tracks kept (and excluded from suggestions).</summary>
    public int MaxRecommended { get; init; } = 2000;
    /// <summary>Event ids remembered to recognise a redelivered event.</summary>
    public int MaxRecentEventIds { get; init; } = 512;
    /// <summary>
    /// Emitted batches kept so a redelivered event gets the same batch again. The pipeline lets at most three times as
    /// many of a user's events be undelivered at once (ActivityPipelineSettings.MaxInFlightPerUser), so after a crash
    /// every batch that might not have reached the topic is still here (was 8: a user with more than 24 events in
    /// flight at a crash could miss one).
    /// </summary>
    public int MaxRecentBatches { get; init; } = 64;

    public float WeightOf(string action) => action switch
    {
        Actions.Listen => ListenWeight,
        Actions.Like => LikeWeight,
        Actions.Skip => SkipWeight,
        _ => throw new ArgumentException($"unknown action '{action}' (expected listen, like or skip)", nameof(action)),
    };
}

/// <summary>
/// The persisted event: one applied activity with everything its effect depends on (the track's vector in index
/// space and the suggestion chosen), so replaying it never consults the similarity index.
/// </summary>
public sealed record ActivityRecorded(
    string EventId, int TrackId, string Action, DateTimeOffset Ts, float[]? TrackVector, RecommendedTrack? Suggestion);

/// <summary>What one journal write holds: the activities of one group commit, in the order they were decided.</summary>
public sealed record ActivitiesRecorded(IReadOnlyList<ActivityRecorded> Activities);

public readonly record struct HistoryEntry(int TrackId, string Action);

/// <summary>
/// A user's recommender state. Immutable: <see cref="Apply"/> returns the next state and is the only way it changes,
/// so recovery (snapshot + replayed events) reaches exactly the state the live actor had.
/// </summary>
public sealed record UserTasteState
{
    public const int BatchSize = 3;
    /// <summary>How many recent listened/liked tracks a suggestion's reason is compared with.</summary>
    public const int MaxAnchors = 20;

    public required string UserId { get; init; }
    public required TasteSettings Settings { get; init; }
    /// <summary>Decayed weighted sum of track vectors (not normalised; cosine ignores scale). Empty before the first vector.</summary>
    public ImmutableArray<float> Profile { get; init; } = [];
    public ChunkedQueue<HistoryEntry> History { get; init; } = ChunkedQueue<HistoryEntry>.Empty;
    public int HistoryCount => History.Count;
    /// <summary>
    /// The most recent distinct tracks the user listened to or liked (newest first, at most <see cref="MaxAnchors"/>):
    /// what a suggestion's reason is anchored on, kept apart so explaining never walks the whole history.
    /// </summary>
    public ImmutableArray<HistoryEntry> Anchors { get; init; } = [];
    /// <summary>How often each track occurs in <see cref="History"/> (the heard set).</summary>
    public IntMap<int> Heard { get; init; } = IntMap<int>.Empty;
    public ChunkedQueue<int> RecommendedOrder { get; init; } = ChunkedQueue<int>.Empty;
    /// <summary>The tracks of <see cref="RecommendedOrder"/> as a set (the value is unused).</summary>
    public IntMap<bool> Recommended { get; init; } = IntMap<bool>.Empty;
    public ImmutableArray<RecommendedTrack> Pending { get; init; } = [];
    public long EventsApplied { get; init; }
    /// <summary>Sequence number of the last emitted batch; batch ids are "{user}-{seq}" from 1.</summary>
    public long BatchSequence { get; init; }
    public ChunkedQueue<string> RecentEventIds { get; init; } = ChunkedQueue<string>.Empty;
    /// <summary>Recent event id → the batch sequence it completed (0 when none).</summary>
    /// <remarks>Keyed by the id's hash (<see cref="EventKey"/>); ids that share a hash are chained.</remarks>
    public IntMap<RecentEventEntry> RecentEvents { get; init; } = IntMap<RecentEventEntry>.Empty;
    public ChunkedQueue<RecommendationBatch> RecentBatches { get; init; } = ChunkedQueue<RecommendationBatch>.Empty;

    public static UserTasteState Empty(string userId, TasteSettings settings) => new() { UserId = userId, Settings = settings };

    public bool HasSeenEvent(string eventId) => TryGetRecentEvent(eventId, out _);

    /// <summary>The batch a recent event completed (0: none), if the event is among the recent ones.</summary>
    public bool TryGetRecentEvent(string eventId, out long completedBatch) =>
        RecentEventChains.TryGet(RecentEvents, EventKey(eventId), eventId, out completedBatch);

    /// <summary>Where an event id sits in <see cref="RecentEvents"/> (the map lives in memory only, so the per-process string hash will do).</summary>
    private static int EventKey(string eventId) => StringComparer.Ordinal.GetHashCode(eventId);

    private static IntMap<RecentEventEntry> WithRecentEvent(IntMap<RecentEventEntry> events, string eventId, long completedBatch) =>
        RecentEventChains.With(events, EventKey(eventId), eventId, completedBatch);

    private static IntMap<RecentEventEntry> WithoutRecentEvent(IntMap<RecentEventEntry> events, string eventId) =>
        RecentEventChains.Without(events, EventKey(eventId), eventId);

    /// <summary>True when the track must not be suggested: heard recently, already recommended or pending.</summary>
    public bool IsExcluded(int trackId)
    {
        if (Heard.ContainsKey(trackId) || Recommended.ContainsKey(trackId)) return true;
        return IsPending(Pending, trackId);
    }

    // A loop, not Exists(lambda): this runs for every candidate of every query and a capturing lambda allocates.
    private static bool IsPending(ImmutableArray<RecommendedTrack> pending, int trackId)
    {
        foreach (var p in pending)
            if (p.TrackId == trackId) return true;
        return false;
    }

    /// <summary>The anchors after one more activity: a listened or liked track moves to the front.</summary>
    public static ImmutableArray<HistoryEntry> NextAnchors(ImmutableArray<HistoryEntry> anchors, int trackId, string action)
    {
        if (action == Actions.Skip) return anchors;
        var next = ImmutableArray.CreateBuilder<HistoryEntry>(MaxAnchors);
        next.Add(new HistoryEntry(trackId, action));
        foreach (var a in anchors)
            if (a.TrackId != trackId && next.Count < MaxAnchors) next.Add(a);
        return next.DrainToImmutable();
    }

    /// <summary>The batch the given event completed, if it completed one that is still remembered.</summary>
    public IReadOnlyList<RecommendationBatch> BatchesCompletedBy(string eventId)
    {
        if (!TryGetRecentEvent(eventId, out var seq) || seq == 0) return [];
        // The kept batches are consecutive and end at BatchSequence: index, do not search (this runs for every event).
        var index = RecentBatches.Count - 1 - (BatchSequence - seq);
        if (index < 0 || index >= RecentBatches.Count) return [];
        var batch = RecentBatches[(int)index];
        return batch.BatchId == BatchId(UserId, seq) ? [batch] : [];
    }

    public static string BatchId(string userId, long sequence) => $"{userId}-{sequence}";

    /// <summary>The profile after one more activity: decay, then add the weighted track vector.</summary>
    public static ImmutableArray<float> NextProfile(ImmutableArray<float> profile, string action, ReadOnlySpan<float> trackVector, TasteSettings settings) =>
        NextProfileArray(profile, action, trackVector, settings) is { } next ? ImmutableCollectionsMarshal.AsImmutableArray(next) : profile;

    /// <summary><see cref="NextProfile"/> as a new array nobody else holds; null when the track has no vector (the profile stays).</summary>
    internal static float[]? NextProfileArray(ImmutableArray<float> profile, string action, ReadOnlySpan<float> trackVector, TasteSettings settings)
    {
        var weight = settings.WeightOf(action);
        if (trackVector.IsEmpty) return null;
        var next = new float[trackVector.Length];
        var keep = !profile.IsDefaultOrEmpty && profile.Length == trackVector.Length;
        for (var i = 0; i < next.Length; i++)
            next[i] = (keep ? settings.Decay * profile[i] : 0f) + weight * trackVector[i];
        return next;
    }

    /// <summary>Applies a group of persisted activities in order.</summary>
    public UserTasteState Apply(ActivitiesRecorded e)
    {
        var state = this;
        foreach (var a in e.Activities) state = state.Apply(a);
        return state;
    }

    /// <summary>Applies one persisted event. An event id seen recently is ignored (the state is returned unchanged).</summary>
    public UserTasteState Apply(ActivityRecorded e)
    {
        if (HasSeenEvent(e.EventId)) return this;

        var profile = NextProfile(Profile, e.Action, e.TrackVector ?? ReadOnlySpan<float>.Empty, Settings);

        var history = History.Enqueue(new HistoryEntry(e.TrackId, e.Action));
        var anchors = NextAnchors(Anchors, e.TrackId, e.Action);
        var heard = Heard.SetItem(e.TrackId, Heard.GetValueOrDefault(e.TrackId) + 1);
        while (history.Count > Settings.MaxHistory)
        {
            history = history.Dequeue(out var old);
            var left = heard[old.TrackId] - 1;
            heard = left == 0 ? heard.Remove(old.TrackId) : heard.SetItem(old.TrackId, left);
        }

        var pending = Pending;
        var recommendedOrder = RecommendedOrder;
        var recommended = Recommended;
        if (e.Suggestion is { } s && !recommended.ContainsKey(s.TrackId) && !IsPending(pending, s.TrackId))
        {
            pending = pending.Add(s);
            recommended = recommended.SetItem(s.TrackId, true);
            recommendedOrder = recommendedOrder.Enqueue(s.TrackId);
            while (recommended.Count > Settings.MaxRecommended)
            {
                recommendedOrder = recommendedOrder.Dequeue(out var oldest);
                recommended = recommended.Remove(oldest);
            }
        }

        var sequence = BatchSequence;
        var batches = RecentBatches;
        long completed = 0;
        if (pending.Length >= BatchSize)
        {
            sequence++;
            completed = sequence;
            // generated_at comes from the event, so a replay produces the identical batch.
            batches = batches.Enqueue(new RecommendationBatch(BatchId(UserId, sequence), UserId, e.Ts, pending.Take(BatchSize).ToArray()));
            while (batches.Count > Settings.MaxRecentBatches) batches = batches.Dequeue(out _);
            pending = pending.RemoveRange(0, BatchSize);
        }

        var eventIds = RecentEventIds.Enqueue(e.EventId);
        var events = WithRecentEvent(RecentEvents, e.EventId, completed);
        while (eventIds.Count > Settings.MaxRecentEventIds)
        {
            eventIds = eventIds.Dequeue(out var oldId);
            events = WithoutRecentEvent(events, oldId);
        }

        return this with
        {
            Profile = profile,
            History = history,
            Anchors = anchors,
            Heard = heard,
            Pending = pending,
            Recommended = recommended,
            RecommendedOrder = recommendedOrder,
            EventsApplied = EventsApplied + 1,
            BatchSequence = sequence,
            RecentBatches = batches,
            RecentEventIds = eventIds,
            RecentEvents = events,
        };
    }

    public UserRecommenderProtocol.UserStateView ToView() =>
        new(UserId, EventsApplied, BatchSequence,
            History.Select(h => h.TrackId).ToArray(),
            RecommendedOrder.ToArray(),
            Pending.Select(p => p.TrackId).ToArray())
        {
            TasteProfile = Profile.IsDefaultOrEmpty ? [] : Profile.ToArray(),
            LatestBatches = RecentBatches.ToArray(),
        };

    public UserTasteSnapshot ToSnapshot() => new(
        UserId,
        Profile.IsDefaultOrEmpty ? [] : Profile.ToArray(),
        History.ToArray(),
        RecommendedOrder.ToArray(),
        Pending.ToArray(),
        EventsApplied,
        BatchSequence,
        RecentEventIds.Select(id => new RecentEvent(id, TryGetRecentEvent(id, out var batch) ? batch : 0)).ToArray(),
        RecentBatches.ToArray())
    {
        Anchors = Anchors.ToArray(),
    };

    public static UserTasteState FromSnapshot(UserTasteSnapshot s, TasteSettings settings)
    {
        var heard = new Dictionary<int, int>();
        foreach (var h in s.History) heard[h.TrackId] = heard.GetValueOrDefault(h.TrackId) + 1;
        // Built in one go (a recovery of a thousand users should not copy a leaf per remembered event).
        var recentEvents = new Dictionary<int, RecentEventEntry>();
        foreach (var r in s.RecentEvents)
            recentEvents[EventKey(r.EventId)] = new RecentEventEntry(r.EventId, r.CompletedBatch, recentEvents.GetValueOrDefault(EventKey(r.EventId)));
        return new UserTasteState
        {
            UserId = s.UserId,
            Settings = settings,
            Profile = s.Profile.Length == 0 ? [] : ImmutableArray.Create(s.Profile),
            History = ChunkedQueue<HistoryEntry>.CreateRange(s.History),
            // Snapshots from before anchors were kept: the same tracks, found by walking the history newest first.
            Anchors = s.Anchors is { } kept ? [.. kept] : AnchorsFrom(s.History),
            Heard = IntMap<int>.CreateRange(heard),
            RecommendedOrder = ChunkedQueue<int>.CreateRange(s.Recommended),
            Recommended = IntMap<bool>.CreateRange(s.Recommended.Select(id => KeyValuePair.Create(id, true))),
            Pending = [.. s.Pending],
            EventsApplied = s.EventsApplied,
            BatchSequence = s.BatchSequence,
            RecentEventIds = ChunkedQueue<string>.CreateRange(s.RecentEvents.Select(r => r.EventId)),
            RecentEvents = IntMap<RecentEventEntry>.CreateRange(recentEvents),
            RecentBatches = ChunkedQueue<RecommendationBatch>.CreateRange(s.RecentBatches),
        };
    }

    private static ImmutableArray<HistoryEntry> AnchorsFrom(IReadOnlyList<HistoryEntry> oldestFirst)
    {
        var anchors = ImmutableArray<HistoryEntry>.Empty;
        foreach (var h in oldestFirst) anchors = NextAnchors(anchors, h.TrackId, h.Action);
        return anchors;
    }
}

public sealed record RecentEvent(string EventId, long CompletedBatch);

/// <summary>A recent event id and the batch it completed (0: none); <paramref name="Next"/> chains ids of the same hash.</summary>
public sealed record RecentEventEntry(string EventId, long CompletedBatch, RecentEventEntry? Next);

/// <summary>Recent event ids by hash, ids of the same hash chained newest first (the key is the caller's).</summary>
internal static class RecentEventChains
{
    public static bool TryGet(IntMap<RecentEventEntry> events, int key, string eventId, out long completedBatch)
    {
        if (events.TryGetValue(key, out var chain))
            for (var e = chain; e is not null; e = e.Next)
                if (e.EventId == eventId)
                {
                    completedBatch = e.CompletedBatch;
                    return true;
                }
        completedBatch = 0;
        return false;
    }

    public static IntMap<RecentEventEntry> With(IntMap<RecentEventEntry> events, int key, string eventId, long completedBatch) =>
        events.SetItem(key, new RecentEventEntry(eventId, completedBatch, events.GetValueOrDefault(key)));

    public static IntMap<RecentEventEntry> Without(IntMap<RecentEventEntry> events, int key, string eventId)
    {
        if (!events.TryGetValue(key, out var chain)) return events;
        if (chain.Next is null) return chain.EventId == eventId ? events.Remove(key) : events;
        // The chain without the id, in the same order.
        var others = new List<RecentEventEntry>();
        for (var e = chain; e is not null; e = e.Next)
            if (e.EventId != eventId) others.Add(e);
        RecentEventEntry? kept = null;
        for (var i = others.Count - 1; i >= 0; i--) kept = others[i] with { Next = kept };
        return events.SetItem(key, kept!);
    }
}

/// <summary>The snapshot form of <see cref="UserTasteState"/>: plain arrays, serialised by <see cref="RecommenderSerializer"/>.</summary>
public sealed record UserTasteSnapshot(
    string UserId,
    float[] Profile,
    IReadOnlyList<HistoryEntry> History,
    IReadOnlyList<int> Recommended,
    IReadOnlyList<RecommendedTrack> Pending,
    long EventsApplied,
    long BatchSequence,
    IReadOnlyList<RecentEvent> RecentEvents,
    IReadOnlyList<RecommendationBatch> RecentBatches)
{
    /// <summary>Recent listened/liked tracks, newest first; null in snapshots written before they were kept.</summary>
    public IReadOnlyList<HistoryEntry>? Anchors { get; init; }
}
