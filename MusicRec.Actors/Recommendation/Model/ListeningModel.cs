using MusicRec.Contracts;
using MusicRec.Recommendation.Hybrid;

namespace MusicRec.Recommendation.Model;

/// <summary>
/// The node's shared models of everybody's listening: co-listening and popularity, learned from the full
/// <c>user_activity</c> stream by <see cref="ListeningModelActor"/> (the one writer), read by every user's recommender.
/// A reader-writer lock keeps reads from overlapping a write: the models are plain, not thread-safe, classes.
/// </summary>
public sealed class ListeningModel : IDisposable
{
    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.NoRecursion);
    private long _events;

    public ListeningModel(TrackCatalog catalog, CoListeningOptions? coListening = null, PopularityOptions? popularity = null)
    {
        Catalog = catalog;
        CoListening = new CoListeningModel(coListening);
        Popularity = new PopularityModel(catalog, popularity);
    }

    public TrackCatalog Catalog { get; }
    /// <summary>Read only inside <see cref="Read{T}"/>.</summary>
    public CoListeningModel CoListening { get; }
    /// <summary>Read only inside <see cref="Read{T}"/>.</summary>
    public PopularityModel Popularity { get; }
    /// <summary>Activities applied so far (every action, also skips, which the models ignore).</summary>
    public long EventsObserved => Interlocked.Read(ref _events);

    /// <summary>Applies activities in order; only the model's owner calls this.</summary>
    public void Observe(IReadOnlyList<ActivityEvent> events)
    {
        if (events.Count == 0) return;
        _lock.EnterWriteLock();
        try
        {
            foreach (var e in events)
            {
                CoListening.Observe(e.UserId, e.TrackId, e.Action);
                Popularity.Observe(e.TrackId, e.Action, e.Ts);
            }
        }
        finally { _lock.ExitWriteLock(); }
        Interlocked.Add(ref _events, events.Count);
    }

    /// <summary>Runs <paramref name="read"/> while no write is in progress (many readers at once).</summary>
    public T Read<T>(Func<T> read)
    {
        _lock.EnterReadLock();
        try { return read(); }
        finally { _lock.ExitReadLock(); }
    }

    public void Dispose() => _lock.Dispose();
}
