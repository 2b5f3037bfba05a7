using MusicRec.Streaming;

namespace MusicRec.Recommendation.Hybrid;

/// <summary>
/// The hybrid recommender in one process, without actors: the shared models plus each listener's history, heard and
/// recommended tracks, as the per-user actor will hold them in phase 2. Each event updates the models and gives the
/// listener's next batch. Used by the closed-loop simulation and the quality benchmark; not thread-safe.
/// </summary>
public sealed class HybridSession
{
    private readonly Dictionary<string, ListenerState> _listeners = new(StringComparer.Ordinal);
    private readonly int _historyLength;
    private readonly int _recentBatches;

    public HybridSession(TrackCatalog catalog, SimilarityIndex? index, BlendOptions? blend = null, TasteReading? reading = null,
        CoListeningOptions? coListening = null, PopularityOptions? popularity = null, int historyLength = 50, int recentBatches = 5)
    {
        Catalog = catalog;
        CoListening = new CoListeningModel(coListening);
        Popularity = new PopularityModel(catalog, popularity);
        var sources = new List<ICandidateSource> { new CoListeningSource(CoListening, catalog, reading), new PopularitySource(Popularity, catalog, reading) };
        if (index is not null) sources.Add(new AudioSource(index, catalog, reading));
        Recommender = new HybridRecommender(catalog, sources, blend);
        _historyLength = historyLength;
        _recentBatches = recentBatches;
    }

    public TrackCatalog Catalog { get; }
    public CoListeningModel CoListening { get; }
    public PopularityModel Popularity { get; }
    public HybridRecommender Recommender { get; }

    /// <summary>Applies the event to the models and the listener's state and returns their next batch.</summary>
    public IReadOnlyList<Suggestion> Observe(ActivityEvent e)
    {
        CoListening.Observe(e.UserId, e.TrackId, e.Action);
        Popularity.Observe(e.TrackId, e.Action, e.Ts);
        var listener = Listener(e.UserId);
        listener.Add(new HistoryItem(e.TrackId, e.Action, e.Ts), _historyLength);
        return Next(e.UserId);
    }

    /// <summary>The listener's next batch as things stand (a new listener gets the "popular now" batch).</summary>
    public IReadOnlyList<Suggestion> Next(string userId)
    {
        var listener = Listener(userId);
        var context = new RecommendationContext(userId, listener.History, listener.IsExcluded)
        {
            Seed = HashCode.Combine(StringComparer.Ordinal.GetHashCode(userId), listener.Batches),
            IsRecentlyRecommended = listener.WasRecentlyRecommended,
        };
        var batch = Recommender.Recommend(context);
        listener.Recommended(batch.Select(s => s.TrackId), _recentBatches);
        return batch;
    }

    private ListenerState Listener(string userId) =>
        _listeners.TryGetValue(userId, out var l) ? l : _listeners[userId] = new ListenerState();

    private sealed class ListenerState
    {
        private readonly List<HistoryItem> _history = [];
        private readonly HashSet<int> _heard = [];
        private readonly HashSet<int> _recommended = [];
        private readonly Queue<int[]> _recent = new();

        public IReadOnlyList<HistoryItem> History => _history;
        public int Batches { get; private set; }

        public bool IsExcluded(int track) => _heard.Contains(track) || _recommended.Contains(track);

        public bool WasRecentlyRecommended(int track)
        {
            foreach (var b in _recent)
                if (Array.IndexOf(b, track) >= 0) return true;
            return false;
        }

        public void Add(HistoryItem item, int historyLength)
        {
            _heard.Add(item.TrackId);
            _history.Insert(0, item);
            if (_history.Count > historyLength) _history.RemoveAt(_history.Count - 1);
        }

        public void Recommended(IEnumerable<int> tracks, int recentBatches)
        {
            var batch = tracks.ToArray();
            foreach (var t in batch) _recommended.Add(t);
            _recent.Enqueue(batch);
            while (_recent.Count > recentBatches) _recent.Dequeue();
            Batches++;
        }
    }
}
