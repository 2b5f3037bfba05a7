using MusicRec.Contracts;
using MusicRec.Recommendation.Hybrid;
using MusicRec.Recommendation.Model;

namespace MusicRec.Recommendation;

/// <summary>
/// What deciding and applying an activity consult: the catalogue (track vectors, titles, genres: what events need not
/// carry), the blend of candidate sources, and the node's shared <see cref="ListeningModel"/> those sources read (null
/// when no source reads one, as with <see cref="ContentBased"/>).
/// </summary>
public sealed record SuggestionContext(SimilarityIndex Catalogue, HybridRecommender Blend, ListeningModel? Model = null)
{
    /// <summary>
    /// Audio similarity alone, without exploration (<paramref name="searchBeam"/>: see
    /// <see cref="RecommenderOptions.SuggestionBeam"/>): what a node without a listening model serves. A listener with
    /// no listened or liked track yet (only skips, or tracks without features) gets random allowed tracks, so batches
    /// keep coming one every third event.
    /// </summary>
    public static SuggestionContext ContentBased(SimilarityIndex catalogue, int? searchBeam = null, TasteReading? reading = null)
    {
        var tracks = new TrackCatalog(catalogue.Tracks);
        return new(catalogue, new HybridRecommender(tracks, [new AudioSource(catalogue, tracks, reading, searchBeam)],
            // One source and one batch: its top three are all Decide can use, and a wider query costs a wider search.
            new BlendOptions { CoListeningWeight = 0, PopularityWeight = 0, AudioWeight = 1, GenreWeight = 0, ExplorationShare = 0,
                CandidatesPerSource = UserTasteState.BatchSize }));
    }

    /// <summary>
    /// The hybrid recommender: co-listening and popularity from <paramref name="model"/>, audio from the catalogue's
    /// neighbour lists (<see cref="SimilarityIndex.Neighbours"/>, searched once with <see cref="BlendOptions.AudioBeam"/>).
    /// </summary>
    public static SuggestionContext Hybrid(SimilarityIndex catalogue, ListeningModel model, BlendOptions? blend = null, TasteReading? reading = null)
    {
        var options = blend ?? new BlendOptions();
        ICandidateSource[] sources =
        [
            new CoListeningSource(model.CoListening, model.Catalog, reading),
            new PopularitySource(model.Popularity, model.Catalog, reading),
            new AudioSource(catalogue, model.Catalog, reading, neighbours: catalogue.Neighbours(options.CandidatesPerSource, options.AudioBeam)),
        ];
        return new(catalogue, new HybridRecommender(model.Catalog, sources, blend, reading), model);
    }

    /// <summary>The blend's suggestions from the shared model as it stands (its owner may be writing meanwhile).</summary>
    public IReadOnlyList<Suggestion> Recommend(RecommendationContext request) => Blend.Recommend(request);
}

/// <summary>
/// Decides what one activity means for a user (the track to suggest) and describes a chosen track. Pure over the state,
/// the activity and the models as they stand; the decision (track, score, source, reason) is persisted, so replay never
/// asks the models again and reproduces the batch even after the shared model has moved on.
/// </summary>
public static class SuggestionPolicy
{
    /// <summary>
    /// The event to persist for <paramref name="activity"/>: it, and when it completes a batch, the blend's choices for
    /// the batch's open slots. The blend is asked once per batch, not once per event: a batch is what the listener sees,
    /// and one ranking of three costs about what a ranking of one does.
    /// </summary>
    public static ActivityRecorded Decide(UserTasteState state, ActivityEvent activity, SuggestionContext context)
    {
        var open = UserTasteState.BatchSize - state.Pending.Count;
        if (!state.BatchDue) return new ActivityRecorded(activity.EventId, activity.TrackId, activity.Action, activity.Ts, []);
        var own = Exclusions(state, activity);
        var excluded = own;
        // The model reads the topic ahead of this actor: what it already saw this listener play (events still on
        // their way here) is heard too, or a batch could suggest the next tracks the listener is about to be told
        // they heard. Copied once: the exclusion is asked for every candidate.
        if (context.Model?.CoListening.RecentTracks(state.UserId) is { Length: > 0 } ahead)
            excluded = id => own(id) || Array.IndexOf(ahead, id) >= 0;
        var request = new RecommendationContext(state.UserId, HistoryWith(state, activity), excluded)
        {
            Count = open,
            // Per event: a redelivered event is not decided again, so the seed never needs to repeat across events.
            Seed = StableSeed.Of(state.UserId, state.EventsApplied),
            IsRecentlyRecommended = state.WasRecentlyRecommended,
        };
        var chosen = new List<Choice>(open);
        foreach (var p in context.Blend.Rank(request))
        {
            if (!context.Catalogue.Contains(p.Candidate.TrackId)) continue;
            var s = context.Blend.Describe(p, request);
            chosen.Add(new Choice(s.TrackId, s.Score, s.Source, s.Because));
        }
        return new ActivityRecorded(activity.EventId, activity.TrackId, activity.Action, activity.Ts, chosen);
    }

    /// <summary>The user's history with <paramref name="activity"/> in front, newest first (what the sources read), read in place.</summary>
    public static IReadOnlyList<HistoryEntry> HistoryWith(UserTasteState state, ActivityEvent activity) => new HistoryWithEvent(state, activity);

    /// <summary>A view, not a copy: a decision reads only the first few entries unless replacement needs them all.</summary>
    private sealed class HistoryWithEvent(UserTasteState state, ActivityEvent activity) : IReadOnlyList<HistoryEntry>
    {
        public int Count => state.History.Count + 1;

        public HistoryEntry this[int index] => index == 0
            ? new HistoryEntry(activity.TrackId, activity.Action)
            : state.RecentHistory(index - 1);

        public IEnumerator<HistoryEntry> GetEnumerator()
        {
            for (var i = 0; i < Count; i++) yield return this[i];
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }

    /// <summary>What the suggestion for <paramref name="activity"/> may not be: its own track, and what the state excludes.</summary>
    public static Func<int, bool> Exclusions(UserTasteState state, ActivityEvent activity) =>
        id => id == activity.TrackId || state.IsExcluded(id);

    /// <summary>The choice with a generic reason when it was decided without one (a format-2 journal row).</summary>
    public static Choice WithReason(Choice choice) => choice.Because.Length > 0 ? choice : choice with { Because = "nearest to your recent taste" };

    /// <summary>
    /// The chosen track as it goes into a batch: title, artist and genre from the catalogue, source and reason as
    /// decided (a format-2 row has no reason: it gets a generic one).
    /// </summary>
    public static RecommendedTrack Describe(Choice choice, SimilarityIndex catalogue)
    {
        var because = WithReason(choice).Because;
        return catalogue.TryGetInfo(choice.TrackId, out var info)
            ? new RecommendedTrack(info.TrackId, info.Title, info.Artist, info.Genre, choice.Score, because, choice.Source)
            // Replayed on a catalogue that no longer has the track: it is kept (batch contents and ids stay) without text.
            : new RecommendedTrack(choice.TrackId, "", "", "unknown", choice.Score, because, choice.Source);
    }
}
