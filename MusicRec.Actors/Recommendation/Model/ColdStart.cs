using MusicRec.Contracts;
using MusicRec.Recommendation.Hybrid;

namespace MusicRec.Recommendation.Model;

/// <summary>
/// The "popular now" batch for a listener who has no batch yet: the top track of each genre in turn (genre-diverse),
/// from the node's popularity model. Batch id "{user}-0": sequence 0 comes before the listener's first real batch
/// ("{user}-1"), so a client that orders or de-duplicates by batch id keeps both.
/// </summary>
public static class ColdStart
{
    /// <summary>Null while the model knows fewer than three popular tracks (nothing was played yet).</summary>
    public static RecommendationBatch? PopularNow(ListeningModel model, string userId, DateTimeOffset now)
    {
        var source = new PopularitySource(model.Popularity, model.Catalog);
        var nobody = new RecommendationContext(userId, [], _ => false);
        // With no history the popularity source gives the genre-diverse chart (PopularityModel.PopularNow).
        var candidates = new List<Candidate>(UserTasteState.BatchSize);
        source.Collect(nobody, UserTasteState.BatchSize, candidates);
        if (candidates.Count < UserTasteState.BatchSize) return null;
        var tracks = candidates.Select(c =>
        {
            model.Catalog.TryGet(c.TrackId, out var info);
            return new RecommendedTrack(c.TrackId, info?.Title ?? "", info?.Artist ?? "", model.Catalog.GenreOf(c.TrackId),
                Math.Round(c.Score, 4), source.Explain(c, nobody), source.Name);
        }).ToArray();
        return new RecommendationBatch(UserTasteState.BatchId(userId, 0), userId, now, tracks);
    }
}
