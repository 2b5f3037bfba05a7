using MusicRec.Contracts;
using MusicRec.Recommendation.Hybrid;

namespace MusicRec.Recommendation.Model;

/// <summary>
/// The node's shared models of everybody's listening: co-listening and popularity, learned from the full
/// <c>user_activity</c> stream by <see cref="ListeningModelActor"/> (the one writer), read by every user's recommender
/// at the same time. Neither side waits for the other: co-listening is read without locks (see
/// <see cref="CoListeningModel"/>), popularity under its own lock held for one event or one chart.
/// </summary>
public sealed class ListeningModel
{
    private long _events;

    public ListeningModel(TrackCatalog catalog, CoListeningOptions? coListening = null, PopularityOptions? popularity = null)
    {
        Catalog = catalog;
        CoListening = new CoListeningModel(coListening, catalog.Count);
        Popularity = new PopularityModel(catalog, popularity);
    }

    public TrackCatalog Catalog { get; }
    public CoListeningModel CoListening { get; }
    public PopularityModel Popularity { get; }
    /// <summary>Activities applied so far (every action, also skips, which the models ignore).</summary>
    public long EventsObserved => Interlocked.Read(ref _events);

    /// <summary>Applies activities in order; only the model's owner calls this.</summary>
    public void Observe(IReadOnlyList<ActivityEvent> events)
    {
        foreach (var e in events)
        {
            CoListening.Observe(e.UserId, e.TrackId, e.Action);
            Popularity.Observe(e.TrackId, e.Action, e.Ts);
        }
        Interlocked.Add(ref _events, events.Count);
    }
}
