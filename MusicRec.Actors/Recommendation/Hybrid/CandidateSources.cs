using System.Runtime.InteropServices;
using MusicRec.Contracts;

namespace MusicRec.Recommendation.Hybrid;

/// <summary>How the sources read a listener's history: how many recent events count and how much each kind weighs.</summary>
public sealed record TasteReading
{
    /// <summary>Most recent positive (and, with <see cref="SkipPolicy.Negative"/>, skipped) events a source looks at.</summary>
    public int MaxAnchors { get; init; } = 10;
    /// <summary>Each older anchor counts this much less than the one after it.</summary>
    public double Recency { get; init; } = 0.9;
    public double LikeWeight { get; init; } = 1.0;
    public double ListenWeight { get; init; } = 0.7;
    /// <summary>Used only with <see cref="SkipPolicy.Negative"/>.</summary>
    public double SkipWeight { get; init; } = -0.5;
    public SkipPolicy Skips { get; init; } = SkipPolicy.Seen;

    /// <summary>The weight of one history item, or 0 when it does not count.</summary>
    public double WeightOf(string action) => action switch
    {
        Actions.Like => LikeWeight,
        Actions.Listen => ListenWeight,
        Actions.Skip when Skips == SkipPolicy.Negative => SkipWeight,
        _ => 0,
    };

    /// <summary>The anchors: the newest distinct tracks that count, with their weights (recency included).</summary>
    public List<(int TrackId, double Weight, string Action)> Anchors(IReadOnlyList<HistoryEntry> history)
    {
        var anchors = new List<(int, double, string)>(MaxAnchors);
        var factor = 1.0;
        for (var i = 0; i < history.Count && anchors.Count < MaxAnchors; i++)
        {
            var h = history[i];
            var w = WeightOf(h.Action);
            if (w == 0 || Holds(anchors, h.TrackId)) continue;
            anchors.Add((h.TrackId, w * factor, h.Action));
            factor *= Recency;
        }
        return anchors;
    }

    // A loop, not List.Exists: a lambda capturing the track was a closure and a delegate per history entry.
    private static bool Holds(List<(int TrackId, double Weight, string Action)> anchors, int trackId)
    {
        foreach (var a in anchors)
            if (a.TrackId == trackId) return true;
        return false;
    }

    /// <summary>
    /// Each genre's share of the weight of the positive <paramref name="anchors"/> (<see cref="Anchors"/>), best first
    /// (ties: ordinal name), "unknown" included; empty when no positive anchor counts.
    /// </summary>
    public static List<(string Genre, double Share)> GenreShares(List<(int TrackId, double Weight, string Action)> anchors, TrackCatalog catalog)
    {
        var shares = new List<(string Genre, double Share)>(anchors.Count);
        var total = 0.0;
        foreach (var (track, weight, _) in anchors)
        {
            if (weight <= 0) continue;
            total += weight;
            var genre = catalog.GenreOf(track);
            var i = 0;
            while (i < shares.Count && shares[i].Genre != genre) i++;
            if (i == shares.Count) shares.Add((genre, weight));
            else shares[i] = (genre, shares[i].Share + weight);
        }
        for (var i = 0; i < shares.Count; i++) shares[i] = (shares[i].Genre, shares[i].Share / total);
        shares.Sort((x, y) => x.Share != y.Share ? y.Share.CompareTo(x.Share) : string.CompareOrdinal(x.Genre, y.Genre));
        return shares;
    }

    public static string Verb(string action) => action == Actions.Like ? "liked" : "listened to";

    /// <summary>How the listener last played a positive <paramref name="track"/> ("liked" when the history no longer says).</summary>
    public static string VerbFor(int track, IReadOnlyList<HistoryEntry> history)
    {
        foreach (var h in history)
            if (h.TrackId == track && h.IsPositive) return Verb(h.Action);
        return "liked";
    }
}

/// <summary>Best first, ties to the lower track id: the order every source and the blend share.</summary>
internal static class CandidateOrder
{
    public static void SortAndTrim(List<Candidate> list, int start, int limit)
    {
        list.Sort(start, list.Count - start, Comparer.Instance);
        if (list.Count - start > limit) list.RemoveRange(start + limit, list.Count - start - limit);
    }

    private sealed class Comparer : IComparer<Candidate>
    {
        public static readonly Comparer Instance = new();

        public int Compare(Candidate x, Candidate y) => x.Score != y.Score ? y.Score.CompareTo(x.Score) : x.TrackId.CompareTo(y.TrackId);
    }
}

/// <summary>The best <c>limit</c> candidates seen, in <see cref="CandidateOrder"/>: a bounded heap whose root is the worst kept.</summary>
internal sealed class TopCandidates
{
    // One per thread, emptied for each query: a source asks for one ranking at a time.
    [ThreadStatic] private static TopCandidates? _perThread;
    // Priority (score, -track): the smallest is the worst kept (lower score, then the higher track id). A value-type
    // priority with the default comparer is compared inline; a comparer object was an interface call per comparison.
    private readonly PriorityQueue<Candidate, (double Score, int NegatedTrackId)> _heap = new();
    private int _limit;
    /// <summary>The root once the heap is full: what a newcomer has to beat.</summary>
    private Candidate _worst;

    /// <summary>This thread's (empty) instance, keeping the best <paramref name="limit"/>.</summary>
    public static TopCandidates Start(int limit)
    {
        var top = _perThread ??= new TopCandidates();
        top._heap.Clear();
        top._limit = limit;
        return top;
    }

    /// <summary>Whether a candidate with this track and score would be kept (cheap: check it before the exclusions).</summary>
    public bool Admits(int trackId, double score) =>
        _limit > 0 && (_heap.Count < _limit || score > _worst.Score || (score == _worst.Score && trackId < _worst.TrackId));

    public void Add(Candidate c)
    {
        if (_heap.Count < _limit) _heap.Enqueue(c, (c.Score, -c.TrackId));
        else _heap.EnqueueDequeue(c, (c.Score, -c.TrackId));
        if (_heap.Count == _limit) _worst = _heap.Peek();
    }

    /// <summary>Appends the kept candidates to <paramref name="into"/>, best first.</summary>
    public void AddTo(List<Candidate> into)
    {
        var start = into.Count;
        while (_heap.TryDequeue(out var c, out _)) into.Add(c);
        into.Reverse(start, into.Count - start);
    }
}

/// <summary>
/// The item-to-item sum that co-listening and audio both make: the sources add each anchor's neighbours (relative to
/// that anchor's strongest, times the anchor's weight), summed here per track; the anchor that gave a track the most
/// explains it.
/// </summary>
internal sealed class AnchorSums
{
    // One per thread, emptied for each ranking: a source asks for one at a time.
    [ThreadStatic] private static AnchorSums? _perThread;
    private readonly Dictionary<int, (double Score, int Anchor, double Best)> _sums = [];

    public static AnchorSums Start()
    {
        var sums = _perThread ??= new AnchorSums();
        sums._sums.Clear();
        return sums;
    }

    public void Add(int track, double contribution, int anchor)
    {
        ref var sum = ref CollectionsMarshal.GetValueRefOrAddDefault(_sums, track, out var existed);
        if (!existed) sum = (contribution, anchor, contribution);
        else if (contribution > sum.Best) sum = (sum.Score + contribution, anchor, contribution);
        else sum.Score += contribution;
    }

    /// <summary>Appends the best <paramref name="limit"/> sums the context allows to <paramref name="into"/>, best first.</summary>
    public void AddBestTo(RecommendationContext context, int limit, List<Candidate> into)
    {
        // An anchor set can have hundreds of neighbours, of which only the best few are kept.
        var top = TopCandidates.Start(limit);
        foreach (var (track, (score, anchor, _)) in _sums)
            if (score > 0 && top.Admits(track, score) && !context.IsExcluded(track)) top.Add(new Candidate(track, score, anchor));
        top.AddTo(into);
    }
}

/// <summary>"Listeners who liked X also liked this": the co-listened neighbours of the listener's recent tracks, summed.</summary>
public sealed class CoListeningSource(CoListeningModel model, TrackCatalog catalog, TasteReading? reading = null) : ICandidateSource
{
    private readonly TasteReading _reading = reading ?? new TasteReading();
    [ThreadStatic] private static List<(int Track, double Score)>? _neighbours;

    public string Name => "colistening";
    public CoListeningModel Model => model;

    public void Collect(RecommendationContext context, int limit, List<Candidate> into)
    {
        var sums = AnchorSums.Start();
        var neighbours = _neighbours ??= [];
        foreach (var (anchor, weight, _) in context.Anchors(_reading))
        {
            neighbours.Clear();
            model.AddNeighbours(anchor, neighbours);
            // Each anchor's neighbours relative to its strongest, so a much-played anchor does not drown the others.
            var max = 0.0;
            foreach (var (_, s) in neighbours) max = Math.Max(max, s);
            foreach (var (track, s) in neighbours) sums.Add(track, weight * s / max, anchor);
        }
        sums.AddBestTo(context, limit, into);
    }

    public string Explain(Candidate candidate, RecommendationContext context) =>
        $"listeners who {TasteReading.VerbFor(candidate.Anchor, context.History)} {catalog.Display(candidate.Anchor)} also liked this";
}

/// <summary>
/// "Popular this week in Rock": what is trending in the genres the listener plays most, and overall. With no history
/// it is the cold-start source (a genre-diverse batch through <see cref="PopularityModel.PopularNow"/>).
/// </summary>
public sealed class PopularitySource(PopularityModel model, TrackCatalog catalog, TasteReading? reading = null) : ICandidateSource
{
    private readonly TasteReading _reading = reading ?? new TasteReading();
    /// <summary>The overall chart's weight beside the listener's genres' charts (a genre's weight is its share of the anchors).</summary>
    private const double OverallShare = 0.5;
    private const int GenresAsked = 3;
    [ThreadStatic] private static Dictionary<int, double>? _best;
    [ThreadStatic] private static List<(int TrackId, double Score)>? _chart;

    public string Name => "popularity";
    public PopularityModel Model => model;

    public void Collect(RecommendationContext context, int limit, List<Candidate> into)
    {
        var start = into.Count;
        var shares = context.GenreShares(_reading, catalog);
        if (shares.Count == 0)
        {
            // Cold start: one track per genre first, best first.
            var batch = model.PopularNow(limit, context.IsExcluded);
            for (var i = 0; i < batch.Count; i++) into.Add(new Candidate(batch[i], 1.0 - (double)i / (batch.Count + 1), 0));
            return;
        }
        var best = _best ??= [];
        best.Clear();
        var chart = _chart ??= [];
        void Chart(string? genre, double share)
        {
            chart.Clear();
            model.Top(genre, context.IsExcluded, limit, chart);
            foreach (var (id, s) in chart)
            {
                var score = share * s / chart[0].Score;
                if (score > best.GetValueOrDefault(id)) best[id] = score;
            }
        }
        for (var i = 0; i < shares.Count && i < GenresAsked; i++)
            if (shares[i].Genre != "unknown") Chart(shares[i].Genre, shares[i].Share);
        Chart(null, OverallShare);
        foreach (var (id, score) in best) into.Add(new Candidate(id, score, 0));
        CandidateOrder.SortAndTrim(into, start, limit);
    }

    public string Explain(Candidate candidate, RecommendationContext context)
    {
        var when = model.Options.HalfLife == TimeSpan.MaxValue ? "" : model.Options.HalfLife <= TimeSpan.FromDays(1) ? " today" : " this week";
        var genre = catalog.GenreOf(candidate.TrackId);
        return genre == "unknown" ? $"popular{when}" : $"popular{when} in {genre}";
    }
}

/// <summary>
/// "Close in timbre to X, which you liked": tracks near the listener's recent tracks in the similarity index's
/// audio-feature space. With <see cref="AudioNeighbours"/> (the blend) it sums the anchors' precomputed neighbour
/// lists; without (audio alone, a node with no listening model) it searches the index for the nearest tracks to the
/// recency-weighted sum of the anchors' vectors, as exactly as the search beam allows.
/// </summary>
public sealed class AudioSource(SimilarityIndex index, TrackCatalog catalog, TasteReading? reading = null, int? searchBeam = null,
    AudioNeighbours? neighbours = null) : ICandidateSource
{
    private readonly TasteReading _reading = reading ?? new TasteReading();

    public string Name => "audio";
    public SimilarityIndex Index => index;

    public void Collect(RecommendationContext context, int limit, List<Candidate> into)
    {
        if (neighbours is not null)
        {
            var sums = AnchorSums.Start();
            foreach (var (anchor, weight, _) in context.Anchors(_reading))
            {
                var near = neighbours.Of(anchor);
                // Best first: relative to the anchor's nearest, as co-listening is to its strongest.
                if (near.IsEmpty || near[0].Score <= 0) continue;
                foreach (var n in near)
                    if (n.Score > 0) sums.Add(n.TrackId, weight * n.Score / near[0].Score, anchor);
            }
            sums.AddBestTo(context, limit, into);
            return;
        }
        if (Profile(context.History) is not { } query) return;
        var hits = new ScoredTrack[limit];
        var found = index.TopK(query, hits, context.IsExcluded, searchBeam);
        for (var i = 0; i < found; i++) into.Add(new Candidate(hits[i].TrackId, Math.Max(hits[i].Score, 0), 0));
    }

    /// <summary>The normalised taste vector, or null when no history track is in the index.</summary>
    public float[]? Profile(IReadOnlyList<HistoryEntry> history)
    {
        float[]? query = null;
        foreach (var (track, weight, _) in _reading.Anchors(history))
        {
            var v = index.VectorOf(track);
            if (v.IsEmpty) continue;
            query ??= new float[index.Stride];
            for (var i = 0; i < v.Length; i++) query[i] += (float)weight * v[i];
        }
        return query is not null && SimilarityIndex.Normalise(query) ? query : null;
    }

    /// <summary>Tracks that sound most like one track ("more like this").</summary>
    public IReadOnlyList<ScoredTrack> Similar(int trackId, int limit)
    {
        var v = index.VectorOf(trackId);
        return v.IsEmpty ? [] : index.TopK(v, limit, id => id == trackId);
    }

    public string Explain(Candidate candidate, RecommendationContext context)
    {
        // A summed candidate names its anchor; a searched one is explained by the history track nearest to it.
        if (candidate.Anchor != 0)
            return $"close in timbre to {catalog.Display(candidate.Anchor)}, which you {TasteReading.VerbFor(candidate.Anchor, context.History)}";
        var target = index.VectorOf(candidate.TrackId);
        var best = float.NegativeInfinity;
        HistoryEntry? anchor = null;
        var seen = 0;
        foreach (var h in context.History)
        {
            if (!h.IsPositive || seen++ >= _reading.MaxAnchors * 2) continue;
            var v = index.VectorOf(h.TrackId);
            if (v.IsEmpty || target.IsEmpty) continue;
            var s = SimilarityIndex.Similarity(target, v);
            if (s > best) { best = s; anchor = h; }
        }
        return anchor is { } a
            ? $"close in timbre to {catalog.Display(a.TrackId)}, which you {TasteReading.Verb(a.Action)}"
            : "close in timbre to your recent taste";
    }
}
