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
        return model.Read(() =>
        {
            var ids = model.Popularity.PopularNow(UserTasteState.BatchSize);
            if (ids.Count < UserTasteState.BatchSize) return null;
            var tracks = new RecommendedTrack[ids.Count];
            for (var i = 0; i < ids.Count; i++)
            {
                var candidate = new Candidate(ids[i], Math.Round(1.0 - (double)i / (ids.Count + 1), 4), 0);
                model.Catalog.TryGet(ids[i], out var info);
                tracks[i] = new RecommendedTrack(ids[i], info?.Title ?? "", info?.Artist ?? "", model.Catalog.GenreOf(ids[i]),
                    candidate.Score, source.Explain(candidate, nobody), source.Name);
            }
            return new RecommendationBatch(UserTasteState.BatchId(userId, 0), userId, now, tracks);
        });
    }
}
