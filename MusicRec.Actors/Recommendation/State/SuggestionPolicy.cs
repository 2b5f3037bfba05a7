using MusicRec.Contracts;

namespace MusicRec.Recommendation;

/// <summary>
/// Decides what one activity means for a user: the track's vector and the next suggestion (with its reason).
/// Runs only live (never on replay); its result is persisted as <see cref="ActivityRecorded"/>.
/// </summary>
public static class SuggestionPolicy
{
    /// <summary>Above this cosine similarity a suggestion is "close in timbre" to the anchor track.</summary>
    private const float CloseInTimbre = 0.8f;

    /// <param name="searchBeam">The graph's beam for the suggestion query (null: the index's default); see <see cref="RecommenderOptions.SuggestionBeam"/>.</param>
    public static ActivityRecorded Decide(UserTasteState state, ActivityEvent activity, SimilarityIndex index, int? searchBeam = null)
    {
        var vector = index.VectorOf(activity.TrackId);
        RecommendedTrack? suggestion = null;
        if (Query(state, activity, index) is { } query)
        {
            Span<ScoredTrack> top = stackalloc ScoredTrack[1];
            var found = index.TopK(query, top, Exclusions(state, activity), searchBeam);
            if (found == 1 && index.TryGetInfo(top[0].TrackId, out var info))
                suggestion = new RecommendedTrack(info.TrackId, info.Title, info.Artist, info.Genre,
                    Math.Round(top[0].Score, 4), Explain(info, state, activity, index));
        }
        return new ActivityRecorded(activity.EventId, activity.TrackId, activity.Action, activity.Ts,
            vector.IsEmpty ? null : vector.ToArray(), suggestion);
    }

    /// <summary>
    /// What the suggestion for <paramref name="activity"/> searches with: the taste profile after it, normalised; null
    /// while the user has no profile (no known track yet) or it is zero.
    /// </summary>
    public static float[]? Query(UserTasteState state, ActivityEvent activity, SimilarityIndex index)
    {
        // A track without a vector leaves the profile as it was: the query is then a copy of it.
        var query = UserTasteState.NextProfileArray(state.Profile, activity.Action, index.VectorOf(activity.TrackId), state.Settings)
            ?? (state.Profile.IsDefaultOrEmpty ? null : state.Profile.ToArray());
        return query is not null && query.Length == index.Stride && SimilarityIndex.Normalise(query) ? query : null;
    }

    /// <summary>What the suggestion for <paramref name="activity"/> may not be: its own track, and what the state excludes.</summary>
    public static Func<int, bool> Exclusions(UserTasteState state, ActivityEvent activity) =>
        id => id == activity.TrackId || state.IsExcluded(id);

    /// <summary>A short human reason, anchored on the most similar track the user recently listened to or liked.</summary>
    public static string Explain(TrackInfo suggestion, UserTasteState state, ActivityEvent current, SimilarityIndex index)
    {
        var target = index.VectorOf(suggestion.TrackId);
        HistoryEntry? closest = null, sameGenre = null;
        TrackInfo? closestInfo = null, sameGenreInfo = null;
        var bestSimilarity = float.NegativeInfinity;
        // The current event first (unless a skip), then the state's anchors newest first: at most MaxAnchors tracks.
        var currentCounts = current.Action != Actions.Skip;
        var anchors = state.Anchors;
        var seen = 0;
        for (var i = currentCounts ? -1 : 0; i < anchors.Length && seen < UserTasteState.MaxAnchors; i++)
        {
            var a = i < 0 ? new HistoryEntry(current.TrackId, current.Action) : anchors[i];
            if (i >= 0 && currentCounts && a.TrackId == current.TrackId) continue;
            seen++;
            if (!index.TryGetInfo(a.TrackId, out var info)) continue;
            var sim = SimilarityIndex.Similarity(target, index.VectorOf(a.TrackId));
            if (sim > bestSimilarity) { bestSimilarity = sim; closest = a; closestInfo = info; }
            if (sameGenre is null && info.Genre == suggestion.Genre && info.Genre != "unknown") { sameGenre = a; sameGenreInfo = info; }
        }
        if (seen == 0) return "unlike the tracks you skipped";
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
