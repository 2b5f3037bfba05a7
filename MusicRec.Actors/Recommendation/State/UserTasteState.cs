using System.Runtime.InteropServices;
using Nito.Collections;
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
    /// Emitted batches kept so a redelivered event gets the same batch again. The service checks at start-up that the
    /// pipeline never has more than three times as many of a user's events undelivered
    /// (ActivityPipelineSettings.MaxInFlightPerUser), so every batch a crash could have cut off is still here.
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
/// The track <see cref="SuggestionPolicy.Decide"/> chose for an activity, its score, the source that chose it and the
/// reason (kept: both depend on the shared model at that moment).
/// </summary>
public readonly record struct Choice(int TrackId, double Score, string Source = "audio", string Because = "");

/// <summary>
/// The persisted event: one applied activity and the tracks chosen with it (none, or the slots of the batch it
/// completes). Replay takes the tracks' vectors and titles from the catalogue again, so only what the catalogue cannot
/// give is stored.
/// </summary>
public sealed record ActivityRecorded(string EventId, int TrackId, string Action, DateTimeOffset Ts, IReadOnlyList<Choice> Suggestions);

/// <summary>What one journal write holds: the activities of one group commit, in the order they were decided.</summary>
public sealed record ActivitiesRecorded(IReadOnlyList<ActivityRecorded> Activities);

/// <summary>One of the listener's own events (newest first in <see cref="Hybrid.RecommendationContext.History"/>).</summary>
public readonly record struct HistoryEntry(int TrackId, string Action)
{
    public bool IsPositive => Action is Actions.Listen or Actions.Like;
}

/// <summary>
/// A user's recommender state, owned by one actor and changed in place by <see cref="Apply(ActivityRecorded, SimilarityIndex)"/>
/// only: replaying the journal (after a snapshot) reaches exactly the state the live actor had.
/// </summary>
public sealed class UserTasteState
{
    public const int BatchSize = 3;

    // A deque, not a queue: a decision reads the newest entries by index, in place.
    private readonly Deque<HistoryEntry> _history = new();
    private readonly Dictionary<int, int> _heard = new();
    private readonly Queue<int> _recommendedOrder = new();
    private readonly HashSet<int> _recommended = new();
    private readonly List<Choice> _pending = new(BatchSize);
    private readonly Queue<EventKey> _recentEventIds = new();
    private readonly Dictionary<EventKey, long> _recentEvents = new();
    // What each kept batch was decided from, not its text: the catalogue describes it again when it is asked for, so
    // a user's 64 batches are values in one list instead of seven objects each (docs/benchmarks.md).
    private readonly List<KeptBatch> _recentBatches = new();

    public UserTasteState(string userId, TasteSettings settings)
    {
        UserId = userId;
        Settings = settings;
    }

    public string UserId { get; }
    public TasteSettings Settings { get; }
    /// <summary>Decayed weighted sum of track vectors (not normalised; cosine ignores scale). Empty before the first vector.</summary>
    public float[] Profile { get; private set; } = [];
    /// <summary>Recent activities, oldest first (at most <see cref="TasteSettings.MaxHistory"/>).</summary>
    public IReadOnlyCollection<HistoryEntry> History => _history;
    /// <summary>The <paramref name="i"/>th most recent activity (0: the newest).</summary>
    public HistoryEntry RecentHistory(int i) => _history[_history.Count - 1 - i];
    /// <summary>How often each track occurs in <see cref="History"/> (the heard set).</summary>
    public IReadOnlyDictionary<int, int> Heard => _heard;
    public IReadOnlyCollection<int> RecommendedOrder => _recommendedOrder;
    public IReadOnlySet<int> Recommended => _recommended;
    /// <summary>The suggestions chosen for the open batch, in order.</summary>
    public IReadOnlyList<Choice> Pending => _pending;
    public long EventsApplied { get; private set; }
    /// <summary>Events applied since the last batch was emitted (a batch is due on the <see cref="BatchSize"/>th).</summary>
    public int EventsSinceBatch { get; private set; }
    /// <summary>Whether the next event completes a batch, so <see cref="SuggestionPolicy.Decide"/> fills its open slots.</summary>
    public bool BatchDue => EventsSinceBatch + 1 >= BatchSize;
    /// <summary>Sequence number of the last emitted batch; batch ids are "{user}-{seq}" from 1.</summary>
    public long BatchSequence { get; private set; }
    /// <summary>Recent event ids (as keys), oldest first.</summary>
    public IReadOnlyCollection<EventKey> RecentEventIds => _recentEventIds;
    /// <summary>Recent event id → the batch sequence it completed (0 when none).</summary>
    public IReadOnlyDictionary<EventKey, long> RecentEvents => _recentEvents;
    /// <summary>How many emitted batches are kept (the last ones, consecutive, ending at <see cref="BatchSequence"/>).</summary>
    public int RecentBatchCount => _recentBatches.Count;

    /// <summary>The kept batches, oldest first, described by <paramref name="catalogue"/>.</summary>
    public IReadOnlyList<RecommendationBatch> RecentBatches(SimilarityIndex catalogue) =>
        _recentBatches.Select(b => Describe(b, catalogue)).ToArray();

    public bool HasSeenEvent(string eventId) => _recentEvents.ContainsKey(EventKey.Of(eventId));

    /// <summary>True when the track must not be suggested: heard recently, already recommended or pending.</summary>
    public bool IsExcluded(int trackId) => _heard.ContainsKey(trackId) || _recommended.Contains(trackId) || IsPending(trackId);

    /// <summary>The batch the given event completed, if it completed one that is still remembered.</summary>
    public IReadOnlyList<RecommendationBatch> BatchesCompletedBy(string eventId, SimilarityIndex catalogue)
    {
        if (!_recentEvents.TryGetValue(EventKey.Of(eventId), out var seq) || seq == 0) return [];
        var index = _recentBatches.Count - 1 - (BatchSequence - seq);
        if (index < 0 || index >= _recentBatches.Count) return [];
        var batch = _recentBatches[(int)index];
        return batch.Sequence == seq ? [Describe(batch, catalogue)] : [];
    }

    private RecommendationBatch Describe(KeptBatch b, SimilarityIndex catalogue) =>
        new(BatchId(UserId, b.Sequence), UserId, b.GeneratedAt,
            [SuggestionPolicy.Describe(b.First, catalogue), SuggestionPolicy.Describe(b.Second, catalogue), SuggestionPolicy.Describe(b.Third, catalogue)]);

    public static string BatchId(string userId, long sequence) => $"{userId}-{sequence}";

    /// <summary>
    /// The profile after one more activity (decay, then add the weighted track vector), written into
    /// <paramref name="into"/> (the vector's length; it may be <paramref name="profile"/> itself); false when the track
    /// has no vector. A profile of another length (a catalogue of another width) starts afresh.
    /// </summary>
    public static bool NextProfile(ReadOnlySpan<float> profile, string action, ReadOnlySpan<float> trackVector, TasteSettings settings, Span<float> into)
    {
        var weight = settings.WeightOf(action);
        if (trackVector.IsEmpty) return false;
        var keep = profile.Length == trackVector.Length;
        for (var i = 0; i < trackVector.Length; i++)
            into[i] = (keep ? settings.Decay * profile[i] : 0f) + weight * trackVector[i];
        return true;
    }

    /// <summary>Applies a group of persisted activities in order.</summary>
    public void Apply(ActivitiesRecorded e, SimilarityIndex catalogue)
    {
        foreach (var a in e.Activities) Apply(a, catalogue);
    }

    /// <summary>
    /// Applies one persisted event; an event id seen recently is ignored (false). The suggestions' titles and genres
    /// come from <paramref name="catalogue"/>; their sources and reasons are as decided.
    /// </summary>
    public bool Apply(ActivityRecorded e, SimilarityIndex catalogue)
    {
        var key = EventKey.Of(e.EventId);
        if (_recentEvents.ContainsKey(key)) return false;

        var vector = catalogue.VectorOf(e.TrackId);
        if (!vector.IsEmpty)
        {
            // In place when the length stays (the usual case); a new catalogue of another width starts afresh.
            if (Profile.Length != vector.Length) Profile = new float[vector.Length];
            NextProfile(Profile, e.Action, vector, Settings, Profile);
        }

        _history.AddToBack(new HistoryEntry(e.TrackId, e.Action));
        CollectionsMarshal.GetValueRefOrAddDefault(_heard, e.TrackId, out _)++;
        while (_history.Count > Settings.MaxHistory)
        {
            var old = _history.RemoveFromFront();
            if (--CollectionsMarshal.GetValueRefOrNullRef(_heard, old.TrackId) == 0) _heard.Remove(old.TrackId);
        }

        // A track recommended long ago may come back (the blend's replacement); never twice in the pending batch.
        foreach (var choice in e.Suggestions)
        {
            if (IsPending(choice.TrackId)) continue;
            _pending.Add(SuggestionPolicy.WithReason(choice)); // as a snapshot reads it back
            if (_recommended.Add(choice.TrackId)) _recommendedOrder.Enqueue(choice.TrackId);
            while (_recommended.Count > Settings.MaxRecommended) _recommended.Remove(_recommendedOrder.Dequeue());
        }

        long completed = 0;
        EventsSinceBatch++;
        if (_pending.Count >= BatchSize)
        {
            EventsSinceBatch = 0;
            completed = ++BatchSequence;
            // generated_at comes from the event, so a replay produces the identical batch.
            _recentBatches.Add(new KeptBatch(completed, e.Ts, _pending[0], _pending[1], _pending[2]));
            if (_recentBatches.Count > Settings.MaxRecentBatches) _recentBatches.RemoveAt(0);
            _pending.RemoveRange(0, BatchSize);
        }

        _recentEventIds.Enqueue(key);
        _recentEvents[key] = completed;
        while (_recentEventIds.Count > Settings.MaxRecentEventIds) _recentEvents.Remove(_recentEventIds.Dequeue());
        EventsApplied++;
        return true;
    }

    /// <summary>Tracks a replacement may not bring back: pending, or in one of the last <paramref name="batches"/> batches.</summary>
    public bool WasRecentlyRecommended(int trackId) => WasRecentlyRecommended(trackId, 5);

    public bool WasRecentlyRecommended(int trackId, int batches)
    {
        if (IsPending(trackId)) return true;
        for (var b = Math.Max(0, _recentBatches.Count - batches); b < _recentBatches.Count; b++)
            if (_recentBatches[b].Holds(trackId)) return true;
        return false;
    }

    private bool IsPending(int trackId)
    {
        foreach (var p in _pending)
            if (p.TrackId == trackId) return true;
        return false;
    }

    public UserRecommenderProtocol.UserStateView ToView(SimilarityIndex catalogue) =>
        new(UserId, EventsApplied, BatchSequence,
            _history.Select(h => h.TrackId).ToArray(),
            _recommendedOrder.ToArray(),
            _pending.Select(p => p.TrackId).ToArray())
        {
            TasteProfile = Profile.ToArray(),
            LatestBatches = RecentBatches(catalogue),
        };

    public UserTasteSnapshot ToSnapshot(SimilarityIndex catalogue) => new(
        UserId,
        Profile.ToArray(),
        _history.ToArray(),
        _recommendedOrder.ToArray(),
        _pending.Select(c => SuggestionPolicy.Describe(c, catalogue)).ToArray(),
        EventsApplied,
        BatchSequence,
        _recentEventIds.Select(key => new RecentEvent(key.ToString(), _recentEvents[key])).ToArray(),
        RecentBatches(catalogue),
        EventsSinceBatch);

    public static UserTasteState FromSnapshot(UserTasteSnapshot s, TasteSettings settings)
    {
        var state = new UserTasteState(s.UserId, settings)
        {
            Profile = s.Profile.ToArray(),
            EventsApplied = s.EventsApplied,
            BatchSequence = s.BatchSequence,
            EventsSinceBatch = s.EventsSinceBatch,
        };
        foreach (var h in s.History)
        {
            state._history.AddToBack(h);
            CollectionsMarshal.GetValueRefOrAddDefault(state._heard, h.TrackId, out _)++;
        }
        foreach (var id in s.Recommended)
        {
            state._recommendedOrder.Enqueue(id);
            state._recommended.Add(id);
        }
        state._pending.AddRange(s.Pending.Select(ChoiceOf));
        foreach (var r in s.RecentEvents)
        {
            var key = EventKey.Of(r.EventId);
            state._recentEventIds.Enqueue(key);
            state._recentEvents[key] = r.CompletedBatch;
        }
        // Consecutive, ending at the batch sequence.
        for (var i = 0; i < s.RecentBatches.Count; i++)
        {
            var b = s.RecentBatches[i];
            var tracks = b.Tracks.Select(ChoiceOf).ToArray();
            if (tracks.Length != BatchSize) throw new ArgumentException($"batch {b.BatchId} has {tracks.Length} tracks, not {BatchSize}", nameof(s));
            state._recentBatches.Add(new KeptBatch(s.BatchSequence - (s.RecentBatches.Count - 1 - i), b.GeneratedAt, tracks[0], tracks[1], tracks[2]));
        }
        return state;
    }

    private static Choice ChoiceOf(RecommendedTrack t) => new(t.TrackId, t.Score, t.Source, t.Because);

    private readonly record struct KeptBatch(long Sequence, DateTimeOffset GeneratedAt, Choice First, Choice Second, Choice Third)
    {
        public bool Holds(int trackId) => First.TrackId == trackId || Second.TrackId == trackId || Third.TrackId == trackId;
    }
}

public sealed record RecentEvent(string EventId, long CompletedBatch);

/// <summary>
/// An event id in 16 bytes, as a user's state remembers it: a GUID (what the pipeline and the web API give) as its own
/// value, any other id as the first 16 bytes of its SHA-256. A string per remembered id was half of what the latency
/// run's collections copied (docs/benchmarks.md). A snapshot stores the key as GUID text, which reads back as itself.
/// </summary>
public readonly record struct EventKey(Guid Value)
{
    public static EventKey Of(string eventId)
    {
        if (Guid.TryParse(eventId, out var guid)) return new EventKey(guid);
        Span<byte> hash = stackalloc byte[32];
        System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(eventId), hash);
        return new EventKey(new Guid(hash[..16]));
    }

    public override string ToString() => Value.ToString();
}

/// <summary>The snapshot form of <see cref="UserTasteState"/> (plain arrays, oldest first).</summary>
public sealed record UserTasteSnapshot(
    string UserId,
    float[] Profile,
    IReadOnlyList<HistoryEntry> History,
    IReadOnlyList<int> Recommended,
    IReadOnlyList<RecommendedTrack> Pending,
    long EventsApplied,
    long BatchSequence,
    IReadOnlyList<RecentEvent> RecentEvents,
    IReadOnlyList<RecommendationBatch> RecentBatches,
    int EventsSinceBatch = 0);
