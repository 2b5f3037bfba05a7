using MusicRec.Contracts;
using MusicRec.Recommendation.Hybrid;

namespace MusicRec.Recommendation.Model;

/// <summary>
/// "More like this" and the popular charts over the node's models, for the web API: the same sources and blend the
/// listeners' recommenders use, without exploration or random fill (a query about a track, not a listener).
/// </summary>
public sealed class TrackSuggestions
{
    public static readonly IReadOnlyList<string> Sources = ["colistening", "audio", "blend"];

    private readonly SimilarityIndex _index;
    private readonly ListeningModel _model;
    private readonly SuggestionContext _context;
    private readonly CoListeningSource _coListening;
    private readonly PopularitySource _popularity;
    private readonly AudioSource _audio;
    private readonly HashSet<string> _genres;

    public TrackSuggestions(SimilarityIndex index, ListeningModel model, BlendOptions? blend = null, TasteReading? reading = null)
    {
        _index = index;
        _model = model;
        _context = SuggestionContext.Hybrid(index, model, (blend ?? new BlendOptions()) with { ExplorationShare = 0, FillWithRandom = false }, reading);
        _coListening = (CoListeningSource)_context.Blend.Sources[0];
        _popularity = (PopularitySource)_context.Blend.Sources[1];
        _audio = (AudioSource)_context.Blend.Sources[2];
        _genres = model.Catalog.Tracks.Select(t => t.Genre).ToHashSet(StringComparer.Ordinal);
    }

    public bool HasTrack(int trackId) => _model.Catalog.Contains(trackId);
    public bool HasGenre(string genre) => _genres.Contains(genre);

    /// <summary>Up to <paramref name="limit"/> tracks like <paramref name="trackId"/> by one of <see cref="Sources"/>.</summary>
    public IReadOnlyList<RecommendedTrack> Similar(int trackId, string source, int limit)
    {
        // A listener who has just liked the track: what each source makes of that one anchor.
        var asked = new RecommendationContext("", [new HistoryEntry(trackId, Actions.Like)], id => id == trackId) { Count = limit };
        return source switch
        {
            "colistening" => _model.CoListening.Neighbours(trackId, limit)
                .Select(n => Describe(n.TrackId, n.Score, _coListening, new Candidate(n.TrackId, n.Score, trackId), asked)).ToList(),
            "audio" => _audio.Similar(trackId, limit)
                .Select(n => Describe(n.TrackId, n.Score, _audio, new Candidate(n.TrackId, n.Score, trackId), asked)).ToList(),
            "blend" => _context.Recommend(asked).Select(s => Track(s.TrackId, s.Score, s.Because, s.Source)).ToList(),
            _ => throw new ArgumentException($"unknown source '{source}' (expected {string.Join(", ", Sources)})", nameof(source)),
        };
    }

    /// <summary>The most popular tracks now, overall (<paramref name="genre"/> null) or in one genre.</summary>
    public IReadOnlyList<RecommendedTrack> Popular(string? genre, int limit)
    {
        var nobody = new RecommendationContext("", [], _ => false);
        var top = _model.Popularity.Top(genre, limit: limit);
        // Decayed counts grow with time between rebases: shown relative to the chart's top.
        var best = top.Count > 0 ? top[0].Score : 1;
        return top.Select(p => Describe(p.TrackId, p.Score / best, _popularity, new Candidate(p.TrackId, p.Score / best, 0), nobody)).ToList();
    }

    private RecommendedTrack Describe(int trackId, double score, ICandidateSource source, Candidate candidate, RecommendationContext context) =>
        Track(trackId, score, source.Explain(candidate, context), source.Name);

    private RecommendedTrack Track(int trackId, double score, string because, string source) =>
        SuggestionPolicy.Describe(new Choice(trackId, Math.Round(score, 4), source, because), _index);
}
