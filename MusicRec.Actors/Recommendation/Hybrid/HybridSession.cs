using MusicRec.Contracts;

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
    /// <summary>Null: a recommended track is never suggested again (the actor today); N: not within the next N batches.</summary>
    private readonly int? _rememberBatches;

    public HybridSession(TrackCatalog catalog, SimilarityIndex? index, BlendOptions? blend = null, TasteReading? reading = null,
        CoListeningOptions? coListening = null, PopularityOptions? popularity = null, int historyLength = 50, int recentBatches = 5,
        int? rememberRecommendedBatches = null)
    {
        _rememberBatches = rememberRecommendedBatches;
        Catalog = catalog;
        CoListening = new CoListeningModel(coListening, catalog.Count);
        Popularity = new PopularityModel(catalog, popularity);
        var sources = new List<ICandidateSource> { new CoListeningSource(CoListening, catalog, reading), new PopularitySource(Popularity, catalog, reading) };
        var options = blend ?? new BlendOptions();
        if (index is not null) sources.Add(new AudioSource(index, catalog, reading, neighbours: index.Neighbours(options.CandidatesPerSource, options.AudioBeam)));
        Recommender = new HybridRecommender(catalog, sources, blend, reading);
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
        Learn(e);
        return Next(e.UserId);
    }

    /// <summary>Applies the event without recommending (replaying history nobody was shown batches for).</summary>
    public void Learn(ActivityEvent e)
    {
        CoListening.Observe(e.UserId, e.TrackId, e.Action);
        Popularity.Observe(e.TrackId, e.Action, e.Ts);
        Listener(e.UserId).Add(new HistoryEntry(e.TrackId, e.Action), _historyLength);
    }

    /// <summary>The listener's next batch as things stand (a new listener gets the "popular now" batch).</summary>
    public IReadOnlyList<Suggestion> Next(string userId)
    {
        var listener = Listener(userId);
        var context = new RecommendationContext(userId, listener.History, listener.IsExcluded)
        {
            Seed = StableSeed.Of(userId, listener.Batches),
            IsRecentlyRecommended = t => listener.WasRecentlyRecommended(t, _recentBatches),
        };
        var batch = Recommender.Recommend(context);
        listener.Recommended(batch.Select(s => s.TrackId), Math.Max(_recentBatches, _rememberBatches ?? 0), _rememberBatches is null);
        return batch;
    }

    private ListenerState Listener(string userId) =>
        _listeners.TryGetValue(userId, out var l) ? l : _listeners[userId] = new ListenerState();

    private sealed class ListenerState
    {
        private readonly List<HistoryEntry> _history = [];
        private readonly HashSet<int> _heard = [];
        private readonly HashSet<int> _recommended = [];
        private readonly Queue<int[]> _recent = new();

        public IReadOnlyList<HistoryEntry> History => _history;
        public int Batches { get; private set; }

        public bool IsExcluded(int track) => _heard.Contains(track) || _recommended.Contains(track);

        /// <summary>Whether one of the last <paramref name="batches"/> batches held the track.</summary>
        public bool WasRecentlyRecommended(int track, int batches)
        {
            var skip = _recent.Count - batches;
            foreach (var b in _recent)
                if (skip-- <= 0 && Array.IndexOf(b, track) >= 0) return true;
            return false;
        }

        public void Add(HistoryEntry item, int historyLength)
        {
            _heard.Add(item.TrackId);
            _history.Insert(0, item);
            if (_history.Count > historyLength) _history.RemoveAt(_history.Count - 1);
        }

        /// <param name="forever">Keep every recommended track excluded; otherwise only those of the kept recent batches.</param>
        public void Recommended(IEnumerable<int> tracks, int keepBatches, bool forever)
        {
            var batch = tracks.ToArray();
            _recent.Enqueue(batch);
            while (_recent.Count > keepBatches) _recent.Dequeue();
            if (forever) _recommended.UnionWith(batch);
            else
            {
                _recommended.Clear();
                foreach (var b in _recent) _recommended.UnionWith(b);
            }
            Batches++;
        }
    }
}
