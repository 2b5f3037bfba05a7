using Stopwatch = System.Diagnostics.Stopwatch;
using MusicRec.Contracts;

namespace MusicRec.Recommendation.Hybrid;

public sealed record EvaluationOptions
{
    public IReadOnlyList<int> Ks { get; init; } = [3, 10];
    public int Seed { get; init; } = 1;
    public BlendOptions Blend { get; init; } = new();
    public TasteReading Reading { get; init; } = new();
    public CoListeningOptions CoListening { get; init; } = new();
    public PopularityOptions Popularity { get; init; } = new();
    /// <summary>A listener's newest events kept for the sources (what the actor's history would hold).</summary>
    public int HistoryLength { get; init; } = 50;
}

/// <summary>One recommender's figures: per k, hit rate, NDCG and catalogue coverage; novelty at the largest k.</summary>
public sealed record EvaluationRow(string Recommender, IReadOnlyList<double> HitRate, IReadOnlyList<double> Ndcg,
    IReadOnlyList<double> Coverage, double Novelty);

public sealed record EvaluationReport(long Events, long Targets, int Listeners, int CatalogueTracks, IReadOnlyList<int> Ks,
    IReadOnlyList<EvaluationRow> Rows, TimeSpan Elapsed)
{
    public EvaluationRow this[string recommender] => Rows.First(r => r.Recommender == recommender);
}

/// <summary>
/// Offline replay of an activity log in time order (docs/recommender.md). Before each event that is a listener's
/// first positive play of a track (a discovery: re-plays of heard tracks cannot be hits, as heard tracks are
/// excluded), every recommender gives its top-k for that listener as the models stand; a hit is the track being in
/// it. Then the event updates the models and the listener's history. HR@k is hits over targets, NDCG@k uses the
/// hit's rank (1/log2(rank+1)), coverage is the share of the catalogue ever recommended in a top-k, novelty the mean
/// all-time popularity rank (1 = most played in the log) of recommended tracks.
/// </summary>
public static class OfflineEvaluation
{
    public static EvaluationReport Run(IReadOnlyList<ActivityEvent> events, TrackCatalog catalog, SimilarityIndex? index, EvaluationOptions? options = null)
    {
        options ??= new EvaluationOptions();
        var clock = Stopwatch.StartNew();
        var ks = options.Ks.Distinct().Order().ToArray();
        if (ks.Length == 0 || ks[0] < 1) throw new ArgumentException("k must be at least 1", nameof(options));
        var maxK = ks[^1];
        var ordered = events.Select((e, i) => (e, i)).OrderBy(x => x.e.Ts).ThenBy(x => x.i).Select(x => x.e).ToList();

        var colistening = new CoListeningModel(options.CoListening, catalog.Count);
        var trending = new PopularityModel(catalog, options.Popularity);
        var allTime = new PopularityModel(catalog, new PopularityOptions { HalfLife = TimeSpan.MaxValue, LikeWeight = 1 });
        var sources = new List<ICandidateSource>
        {
            new CachedSource(new CoListeningSource(colistening, catalog, options.Reading)),
            new CachedSource(new PopularitySource(trending, catalog, options.Reading)),
        };
        var perSource = Math.Max(options.Blend.CandidatesPerSource, maxK);
        if (index is not null)
            sources.Add(new CachedSource(new AudioSource(index, catalog, options.Reading, neighbours: index.Neighbours(perSource, options.Blend.AudioBeam))));

        var alone = options.Blend with
        {
            CoListeningWeight = 0, PopularityWeight = 0, AudioWeight = 0, GenreWeight = 0, ExplorationShare = 0, FillWithRandom = false, CandidatesPerSource = perSource,
        };
        var recommenders = new List<(string Name, Func<RecommendationContext, IReadOnlyList<int>> Rank)>();
        foreach (var s in sources)
        {
            var single = new HybridRecommender(catalog, [s], s.Name switch
            {
                "colistening" => alone with { CoListeningWeight = 1 },
                "popularity" => alone with { PopularityWeight = 1 },
                _ => alone with { AudioWeight = 1 },
            });
            recommenders.Add((s.Name, c => Ids(single.Rank(c))));
        }
        var blend = new HybridRecommender(catalog, sources, options.Blend with { CandidatesPerSource = perSource }, options.Reading);
        recommenders.Add(("blend", c => Ids(blend.Rank(c))));
        recommenders.Add(("random", c => RandomTop(catalog, c)));
        recommenders.Add(("most-popular", c => allTime.Top(null, c.IsExcluded, c.Count).Select(t => t.TrackId).ToList()));

        var ranks = PopularityRanks(ordered);
        var unplayedRank = ranks.Count + 1;
        var hits = new double[recommenders.Count, ks.Length];
        var ndcg = new double[recommenders.Count, ks.Length];
        var covered = new HashSet<int>[recommenders.Count, ks.Length];
        for (var r = 0; r < recommenders.Count; r++)
            for (var k = 0; k < ks.Length; k++) covered[r, k] = [];
        var noveltySum = new double[recommenders.Count];
        var noveltyCount = new long[recommenders.Count];

        var listeners = new Dictionary<string, Listener>(StringComparer.Ordinal);
        long targets = 0;
        for (var e = 0; e < ordered.Count; e++)
        {
            var ev = ordered[e];
            if (!listeners.TryGetValue(ev.UserId, out var listener))
                listeners[ev.UserId] = listener = new Listener(options.HistoryLength);
            var positive = ev.Action is Actions.Listen or Actions.Like;
            if (positive && !listener.Heard.Contains(ev.TrackId) && catalog.Contains(ev.TrackId))
            {
                targets++;
                var heard = listener.Heard;
                var context = new RecommendationContext(ev.UserId, listener.History, heard.Contains)
                {
                    Count = maxK, Seed = StableSeed.Of(ev.UserId, options.Seed * 1_000_003L + e),
                };
                for (var r = 0; r < recommenders.Count; r++)
                {
                    var top = recommenders[r].Rank(context);
                    var rank = IndexOf(top, ev.TrackId);
                    for (var k = 0; k < ks.Length; k++)
                    {
                        if (rank >= 0 && rank < ks[k]) { hits[r, k]++; ndcg[r, k] += 1 / Math.Log2(rank + 2); }
                        for (var i = 0; i < Math.Min(ks[k], top.Count); i++) covered[r, k].Add(top[i]);
                    }
                    foreach (var t in top) noveltySum[r] += ranks.GetValueOrDefault(t, unplayedRank);
                    noveltyCount[r] += top.Count;
                }
                foreach (var s in sources) ((CachedSource)s).Forget();
            }
            colistening.Observe(ev.UserId, ev.TrackId, ev.Action);
            trending.Observe(ev.TrackId, ev.Action, ev.Ts);
            allTime.Observe(ev.TrackId, ev.Action, ev.Ts);
            listener.Add(new HistoryEntry(ev.TrackId, ev.Action));
        }

        var rows = new List<EvaluationRow>();
        for (var r = 0; r < recommenders.Count; r++)
            rows.Add(new EvaluationRow(recommenders[r].Name,
                [.. ks.Select((_, k) => targets == 0 ? 0 : hits[r, k] / targets)],
                [.. ks.Select((_, k) => targets == 0 ? 0 : ndcg[r, k] / targets)],
                [.. ks.Select((_, k) => catalog.Count == 0 ? 0 : (double)covered[r, k].Count / catalog.Count)],
                noveltyCount[r] == 0 ? 0 : noveltySum[r] / noveltyCount[r]));
        return new EvaluationReport(ordered.Count, targets, listeners.Count, catalog.Count, ks, rows, clock.Elapsed);
    }

    private static int IndexOf(IReadOnlyList<int> list, int value)
    {
        for (var i = 0; i < list.Count; i++)
            if (list[i] == value) return i;
        return -1;
    }

    private static List<int> Ids(IReadOnlyList<HybridRecommender.Pick> picks) => picks.Select(p => p.Candidate.TrackId).ToList();

    private static List<int> RandomTop(TrackCatalog catalog, RecommendationContext context)
    {
        var random = new Random(context.Seed);
        var picked = new List<int>(context.Count);
        for (var attempt = 0; picked.Count < context.Count && attempt < context.Count * 20; attempt++)
        {
            var id = catalog.Tracks[random.Next(catalog.Count)].TrackId;
            if (!context.IsExcluded(id) && !picked.Contains(id)) picked.Add(id);
        }
        return picked;
    }

    /// <summary>1 for the track with the most positive events in the whole log, 2 for the next, and so on.</summary>
    private static Dictionary<int, int> PopularityRanks(List<ActivityEvent> events)
    {
        var counts = new Dictionary<int, int>();
        foreach (var e in events)
            if (e.Action is Actions.Listen or Actions.Like) counts[e.TrackId] = counts.GetValueOrDefault(e.TrackId) + 1;
        var rank = 0;
        return counts.OrderByDescending(c => c.Value).ThenBy(c => c.Key).ToDictionary(c => c.Key, _ => ++rank);
    }

    /// <summary>A listener during the replay: their newest events (newest first) and every track they have heard.</summary>
    private sealed class Listener(int historyLength)
    {
        private readonly List<HistoryEntry> _history = [];
        public HashSet<int> Heard { get; } = [];
        public IReadOnlyList<HistoryEntry> History => _history;

        public void Add(HistoryEntry item)
        {
            Heard.Add(item.TrackId);
            _history.Insert(0, item);
            if (_history.Count > historyLength) _history.RemoveAt(_history.Count - 1);
        }
    }

    /// <summary>Asks the source once per target and hands the same candidates to the blend and to the source alone.</summary>
    private sealed class CachedSource(ICandidateSource inner) : ICandidateSource
    {
        private readonly List<Candidate> _last = [];
        private RecommendationContext? _for;
        private int _limit;

        public string Name => inner.Name;

        public void Collect(RecommendationContext context, int limit, List<Candidate> into)
        {
            if (!ReferenceEquals(_for, context) || _limit != limit)
            {
                _last.Clear();
                inner.Collect(context, limit, _last);
                (_for, _limit) = (context, limit);
            }
            into.AddRange(_last);
        }

        public void Forget() => _for = null;

        public string Explain(Candidate candidate, RecommendationContext context) => inner.Explain(candidate, context);
    }
}
