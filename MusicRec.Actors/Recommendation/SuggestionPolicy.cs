using MusicRec.Streaming;

namespace MusicRec.Recommendation;

/// <summary>
/// Decides what one activity means for a user: the track's vector and the next suggestion (with its reason).
/// Runs only live (never on replay); its result is persisted as <see cref="ActivityRecorded"/>.
/// </summary>
public static class SuggestionPolicy
{
    /// <summary>How many recent listened/liked tracks are compared with a suggestion to explain it.</summary>
    private const int ReasonAnchors = 20;
    /// <summary>Above this cosine similarity a suggestion is "close in timbre" to the anchor track.</summary>
    private const float CloseInTimbre = 0.8f;

    /// <param name="candidates">The user's reusable result of the last similarity query (null: query the index every time).</param>
    public static ActivityRecorded Decide(UserTasteState state, ActivityEvent activity, SimilarityIndex index, SuggestionCandidates? candidates = null)
    {
        var vector = index.VectorOf(activity.TrackId);
        var profile = UserTasteState.NextProfile(state.Profile, activity.Action, vector, state.Settings);
        RecommendedTrack? suggestion = null;
        if (!profile.IsDefaultOrEmpty && profile.Length == index.Stride)
        {
            var query = profile.ToArray();
            if (SimilarityIndex.Normalise(query))
            {
                Func<int, bool> excluded = id => id == activity.TrackId || state.IsExcluded(id);
                Span<ScoredTrack> top = stackalloc ScoredTrack[1];
                var found = candidates is null ? index.TopK(query, top, excluded) : candidates.Best(query, index, excluded, out top[0]) ? 1 : 0;
                if (found == 1 && index.TryGetInfo(top[0].TrackId, out var info))
                    suggestion = new RecommendedTrack(info.TrackId, info.Title, info.Artist, info.Genre,
                        Math.Round(top[0].Score, 4), Explain(info, state, activity, index));
            }
        }
        return new ActivityRecorded(activity.EventId, activity.TrackId, activity.Action, activity.Ts,
            vector.IsEmpty ? null : vector.ToArray(), suggestion);
    }

    /// <summary>A short human reason, anchored on the most similar track the user recently listened to or liked.</summary>
    public static string Explain(TrackInfo suggestion, UserTasteState state, ActivityEvent current, SimilarityIndex index)
    {
        var anchors = new List<HistoryEntry>(ReasonAnchors);
        if (current.Action != Actions.Skip) anchors.Add(new HistoryEntry(current.TrackId, current.Action));
        foreach (var h in state.History.Reverse())
        {
            if (anchors.Count >= ReasonAnchors) break;
            if (h.Action != Actions.Skip && anchors.TrueForAll(a => a.TrackId != h.TrackId)) anchors.Add(h);
        }
        if (anchors.Count == 0) return "unlike the tracks you skipped";

        var target = index.VectorOf(suggestion.TrackId);
        HistoryEntry? closest = null, sameGenre = null;
        TrackInfo? closestInfo = null, sameGenreInfo = null;
        var bestSimilarity = float.NegativeInfinity;
        foreach (var a in anchors)
        {
            if (!index.TryGetInfo(a.TrackId, out var info)) continue;
            var sim = SimilarityIndex.Similarity(target, index.VectorOf(a.TrackId));
            if (sim > bestSimilarity) { bestSimilarity = sim; closest = a; closestInfo = info; }
            if (sameGenre is null && info.Genre == suggestion.Genre && info.Genre != "unknown") { sameGenre = a; sameGenreInfo = info; }
        }
        if (closest is { } c && bestSimilarity >= CloseInTimbre)
            return $"close in timbre to {closestInfo!.Display}, which you {Verb(c.Action)}";
        if (sameGenre is { } g)
            return $"same genre ({suggestion.Genre}) as {sameGenreInfo!.Display}, which you {Verb(g.Action)}";
        if (closest is { } n)
            return $"nearest to your recent taste, like {closestInfo!.Display}, which you {Verb(n.Action)}";
        return "nearest to your recent taste";
    }

    private static string Verb(string action) => action == Actions.Like ? "liked" : "listened to";
}

/// <summary>How a user's suggestions reuse the last similarity query.</summary>
public sealed record CandidateSettings
{
    /// <summary>Nearest tracks kept from one query (0: no reuse, every event queries the index).</summary>
    public int Keep { get; init; } = 32;
    /// <summary>Reuse them only while the taste has hardly moved: cosine between the query now and the query then.</summary>
    public float MinCosine { get; init; } = 0.98f;
    /// <summary>Reuse them for at most this many events, then query again.</summary>
    public int MaxReuse { get; init; } = 8;
}

/// <summary>
/// The nearest tracks to a user's taste from the last similarity query, re-ranked against the current taste while
/// it stays close. A taste moves a little with each event (it decays at 0.95), so consecutive queries mostly return
/// the same neighbourhood; one index query (tens of µs over 100,000 tracks with the HNSW graph) then serves several events
/// (about 1 µs each). Transient: it lives in the actor, is never persisted, and recovery never needs it (persisted events carry
/// the suggestion chosen). How often a reused pick equals a fresh query's is measured in the recommender-pipeline
/// benchmark.
/// </summary>
public sealed class SuggestionCandidates
{
    private readonly CandidateSettings _settings;
    private readonly ScoredTrack[] _found;
    private float[] _query = [];
    private int _count;
    private int _uses;

    public SuggestionCandidates(CandidateSettings settings)
    {
        _settings = settings;
        _found = new ScoredTrack[Math.Max(1, settings.Keep)];
    }

    /// <summary>Index queries made and suggestions served from kept candidates (diagnostics).</summary>
    public long Queries { get; private set; }
    public long Reused { get; private set; }

    /// <summary>The best track for the normalised <paramref name="query"/> that is not excluded; false when there is none.</summary>
    public bool Best(ReadOnlySpan<float> query, SimilarityIndex index, Func<int, bool> excluded, out ScoredTrack best)
    {
        if (_settings.Keep > 0 && _count > 0 && _uses < _settings.MaxReuse && _query.Length == query.Length
            && SimilarityIndex.Similarity(_query, query) >= _settings.MinCosine && Rerank(query, index, excluded, out best))
        {
            _uses++;
            Reused++;
            return true;
        }
        Queries++;
        _query = query.ToArray();
        _uses = 1;
        _count = index.TopK(query, _found, excluded);
        return Rerank(query, index, excluded, out best);
    }

    private bool Rerank(ReadOnlySpan<float> query, SimilarityIndex index, Func<int, bool> excluded, out ScoredTrack best)
    {
        best = default;
        var found = false;
        for (var i = 0; i < _count; i++)
        {
            var id = _found[i].TrackId;
            if (excluded(id)) continue;
            var score = SimilarityIndex.Similarity(index.VectorOf(id), query);
            // Ties keep the lower track id, as the index does.
            if (!found || score > best.Score || (score == best.Score && id < best.TrackId))
            {
                best = new ScoredTrack(id, score);
                found = true;
            }
        }
        return found;
    }
}
