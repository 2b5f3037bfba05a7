using MusicRec.Contracts;

namespace MusicRec.Recommendation;

/// <summary>
/// Proposes the next track for a user. <see cref="SuggestionPolicy.Decide"/> asks every source of its
/// <see cref="SuggestionContext"/> and keeps the best-scored proposal, so sources (content similarity today) can be
/// added beside each other.
/// </summary>
public interface ICandidateSource
{
    /// <summary>The best track for <paramref name="request"/> that <see cref="CandidateRequest.IsExcluded"/> allows; false when none.</summary>
    bool TryPropose(in CandidateRequest request, out ScoredTrack best);
}

/// <summary>
/// What a candidate source is asked: the user's state before the activity, the activity, the normalised taste profile
/// after it (empty while the user has none) and the tracks that may not be proposed.
/// </summary>
public readonly ref struct CandidateRequest(UserTasteState state, ActivityEvent activity, ReadOnlySpan<float> query, Func<int, bool> isExcluded)
{
    public UserTasteState State { get; } = state;
    public ActivityEvent Activity { get; } = activity;
    public ReadOnlySpan<float> Query { get; } = query;
    public Func<int, bool> IsExcluded { get; } = isExcluded;
}

/// <summary>
/// What deciding and applying an activity consult: the catalogue (track vectors, titles, genres: what events need not
/// carry) and the candidate sources, asked in order (on equal scores the earlier wins).
/// </summary>
public sealed record SuggestionContext(SimilarityIndex Catalogue, IReadOnlyList<ICandidateSource> Sources)
{
    /// <summary>Suggestions from the catalogue's own similarity index (<paramref name="searchBeam"/>: see <see cref="RecommenderOptions.SuggestionBeam"/>).</summary>
    public static SuggestionContext ContentBased(SimilarityIndex catalogue, int? searchBeam = null) =>
        new(catalogue, [new SimilarTracks(catalogue, searchBeam)]);
}

/// <summary>The track nearest in timbre to the taste profile (one best hit through the index's graph).</summary>
public sealed class SimilarTracks(SimilarityIndex index, int? searchBeam) : ICandidateSource
{
    public bool TryPropose(in CandidateRequest request, out ScoredTrack best)
    {
        best = default;
        if (request.Query.IsEmpty) return false;
        Span<ScoredTrack> top = stackalloc ScoredTrack[1];
        if (index.TopK(request.Query, top, request.IsExcluded, searchBeam) != 1) return false;
        best = top[0];
        return true;
    }
}

/// <summary>
/// Decides what one activity means for a user (the track to suggest) and describes a chosen track. Pure: the same
/// state, activity and catalogue give the same answer, live or on replay.
/// </summary>
public static class SuggestionPolicy
{
    /// <summary>Above this cosine similarity a suggestion is "close in timbre" to the anchor track.</summary>
    private const float CloseInTimbre = 0.8f;

    /// <summary>The event to persist for <paramref name="activity"/>: it and the best proposal of the context's sources.</summary>
    public static ActivityRecorded Decide(UserTasteState state, ActivityEvent activity, SuggestionContext context)
    {
        var request = new CandidateRequest(state, activity, Query(state, activity, context.Catalogue), Exclusions(state, activity));
        ScoredTrack? best = null;
        foreach (var source in context.Sources)
            if (source.TryPropose(request, out var proposed) && context.Catalogue.Contains(proposed.TrackId)
                && (best is null || proposed.Score > best.Value.Score))
                best = proposed;
        return new ActivityRecorded(activity.EventId, activity.TrackId, activity.Action, activity.Ts,
            best is { } b ? new Choice(b.TrackId, Math.Round(b.Score, 4)) : null);
    }

    /// <summary>
    /// What the suggestion for <paramref name="activity"/> searches with: the taste profile after it, normalised; null
    /// while the user has no profile (no known track yet) or it is zero.
    /// </summary>
    public static float[]? Query(UserTasteState state, ActivityEvent activity, SimilarityIndex index)
    {
        var vector = index.VectorOf(activity.TrackId);
        float[] query;
        if (!vector.IsEmpty) UserTasteState.NextProfile(state.Profile, activity.Action, vector, state.Settings, query = new float[vector.Length]);
        // A track without a vector leaves the profile as it was: the query is then a copy of it.
        else if (state.Profile.Length > 0) query = state.Profile.ToArray();
        else return null;
        return query.Length == index.Stride && SimilarityIndex.Normalise(query) ? query : null;
    }

    /// <summary>What the suggestion for <paramref name="activity"/> may not be: its own track, and what the state excludes.</summary>
    public static Func<int, bool> Exclusions(UserTasteState state, ActivityEvent activity) =>
        id => id == activity.TrackId || state.IsExcluded(id);

    /// <summary>
    /// The chosen track as it goes into a batch: title, artist and genre from the catalogue, and the reason, explained
    /// against <paramref name="state"/> before the activity (<paramref name="trackId"/>, <paramref name="action"/>).
    /// </summary>
    public static RecommendedTrack Describe(Choice choice, UserTasteState state, int trackId, string action, SimilarityIndex catalogue) =>
        catalogue.TryGetInfo(choice.TrackId, out var info)
            ? new RecommendedTrack(info.TrackId, info.Title, info.Artist, info.Genre, choice.Score, Explain(info, state, trackId, action, catalogue))
            // Replayed on a catalogue that no longer has the track: it is kept (batch contents and ids stay) without text.
            : new RecommendedTrack(choice.TrackId, "", "", "unknown", choice.Score, "nearest to your recent taste");

    /// <summary>A short human reason, anchored on the most similar track the user recently listened to or liked.</summary>
    public static string Explain(TrackInfo suggestion, UserTasteState state, int currentTrack, string currentAction, SimilarityIndex index)
    {
        var target = index.VectorOf(suggestion.TrackId);
        HistoryEntry? closest = null, sameGenre = null;
        TrackInfo? closestInfo = null, sameGenreInfo = null;
        var bestSimilarity = float.NegativeInfinity;
        // The current event first (unless a skip), then the state's anchors newest first: at most MaxAnchors tracks.
        var currentCounts = currentAction != Actions.Skip;
        var anchors = state.Anchors;
        var seen = 0;
        for (var i = currentCounts ? -1 : 0; i < anchors.Count && seen < UserTasteState.MaxAnchors; i++)
        {
            var a = i < 0 ? new HistoryEntry(currentTrack, currentAction) : anchors[i];
            if (i >= 0 && currentCounts && a.TrackId == currentTrack) continue;
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
