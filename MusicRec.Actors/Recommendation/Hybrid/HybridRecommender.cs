using MusicRec.Contracts;

namespace MusicRec.Recommendation.Hybrid;

/// <summary>The blend's settings (HOCON musicrec.recommender.blend; defaults chosen by the evaluation, docs/recommender.md).</summary>
public sealed record BlendOptions
{
    public double CoListeningWeight { get; init; } = 1.0;
    public double PopularityWeight { get; init; } = 0.3;
    public double AudioWeight { get; init; } = 0.1;
    /// <summary>
    /// Added to a source candidate's blended score, times the share of the listener's positive anchors in its genre:
    /// keeps a listener in the genres their recent plays agree on, whichever source found the candidate (0: off).
    /// </summary>
    public double GenreWeight { get; init; } = 0.6;
    /// <summary>Candidates asked of each source per suggestion (more: a better blend, a slower one).</summary>
    public int CandidatesPerSource { get; init; } = 30;
    /// <summary>
    /// HNSW beam with which each track's audio neighbour list is searched, once when the service starts
    /// (<see cref="SimilarityIndex.Neighbours"/>); the blend's audio source sums its anchors' lists.
    /// </summary>
    public int AudioBeam { get; init; } = 40;
    /// <summary>Chance that a slot is given to a random catalogue track instead (seeded), so the loop cannot collapse.</summary>
    public double ExplorationShare { get; init; } = 0.05;
    /// <summary>Tracks of one artist in a batch of three (longer lists allow this many per three).</summary>
    public int MaxPerArtist { get; init; } = 1;
    /// <summary>Gorse's positive replacement decay: a liked track heard long ago comes back at this share of its weight.</summary>
    public double LikedReplacementDecay { get; init; } = 0.8;
    /// <summary>Gorse's read replacement decay, for tracks only listened to.</summary>
    public double ListenedReplacementDecay { get; init; } = 0.6;
    /// <summary>A track comes back only when at least this many of the listener's events have passed since they played it.</summary>
    public int ReplacementAfterEvents { get; init; } = 20;
    /// <summary>Random catalogue picks fill what the sources and replacement leave short (off to measure a source alone).</summary>
    public bool FillWithRandom { get; init; } = true;

    /// <summary>
    /// What is out of range, in the words of HOCON <c>musicrec.recommender.blend</c> (its keys), or null when nothing is:
    /// the one rule set the blend and the service's config both check.
    /// </summary>
    public string? Problem()
    {
        if (CoListeningWeight < 0 || PopularityWeight < 0 || AudioWeight < 0 || GenreWeight < 0) return "a weight is negative (0 turns a source off)";
        if (ExplorationShare is < 0 or > 1) return $"exploration-share {ExplorationShare} is not within 0..1";
        if (CandidatesPerSource < 1 || MaxPerArtist < 1 || AudioBeam < 1) return "candidates-per-source, audio-beam and max-per-artist must be at least 1";
        return null;
    }

    /// <summary>The weight of the source named <paramref name="name"/> (0 for an unknown name).</summary>
    public double WeightOf(string name) => name switch
    {
        "colistening" => CoListeningWeight,
        "popularity" => PopularityWeight,
        "audio" => AudioWeight,
        _ => 0,
    };
}

/// <summary>
/// Scores every source's candidates together (each source's scores relative to its best, times its weight), excludes
/// heard and recommended tracks (the context says which), keeps a batch's artists diverse, gives a small seeded share
/// to exploration, and, when no fresh candidate is left, brings back tracks the listener played long ago (Gorse's
/// replacement) before filling with random picks. Each suggestion names its source and says why.
/// </summary>
public sealed class HybridRecommender
{
    public const string Replacement = "replacement";
    public const string Exploration = "exploration";

    private readonly IReadOnlyList<ICandidateSource> _sources;
    [ThreadStatic] private static Dictionary<int, (double Score, ICandidateSource Source, Candidate Candidate, double Best)>? _blended;
    [ThreadStatic] private static List<Candidate>? _list;
    [ThreadStatic] private static List<KeyValuePair<int, (double Score, ICandidateSource Source, Candidate Candidate, double Best)>>? _ordered;
    [ThreadStatic] private static List<KeyValuePair<int, (double Score, ICandidateSource Source, Candidate Candidate, double Best)>>? _passedOver;
    private readonly TrackCatalog _catalog;
    private readonly TasteReading _reading;

    /// <param name="reading">How the anchors of the genre term are read (the sources' own reading, so both agree).</param>
    public HybridRecommender(TrackCatalog catalog, IEnumerable<ICandidateSource> sources, BlendOptions? options = null, TasteReading? reading = null)
    {
        _catalog = catalog;
        _reading = reading ?? new TasteReading();
        Options = options ?? new BlendOptions();
        _sources = [.. sources];
        if (Options.Problem() is { } problem) throw new ArgumentException($"blend options: {problem}", nameof(options));
    }

    public BlendOptions Options { get; }
    public IReadOnlyList<ICandidateSource> Sources => _sources;
    public TrackCatalog Catalog => _catalog;

    /// <summary>Up to <see cref="RecommendationContext.Count"/> suggestions, best first, each with its source and reason.</summary>
    public IReadOnlyList<Suggestion> Recommend(RecommendationContext context)
    {
        var picks = Rank(context);
        var result = new List<Suggestion>(picks.Count);
        foreach (var p in picks) result.Add(Describe(p, context));
        return result;
    }

    /// <summary>One pick of <see cref="Rank"/> as a suggestion, with its reason (a caller that keeps one pick explains one).</summary>
    public Suggestion Describe(Pick p, RecommendationContext context)
    {
        var because = p.Kind switch
        {
            Exploration => "something different, to explore",
            Replacement => ReplacementReason(p.Candidate, context),
            _ => p.Source!.Explain(p.Candidate, context),
        };
        return new Suggestion(p.Candidate.TrackId, Math.Round(p.Score, 4), p.Kind, because);
    }

    /// <summary>A pick of <see cref="Rank"/>: its candidate, the source that contributed most (null for exploration) and the blended score.</summary>
    public readonly record struct Pick(Candidate Candidate, ICandidateSource? Source, string Kind, double Score);

    /// <summary>The ranking without reasons (what the offline evaluation asks many times a second).</summary>
    public IReadOnlyList<Pick> Rank(RecommendationContext context)
    {
        var count = context.Count;
        // Kept per thread and cleared, as CoListeningSource's sums: a ranking is asked about once per batch per user.
        var blended = _blended ??= [];
        var list = _list ??= [];
        var ordered = _ordered ??= [];
        var passedOver = _passedOver ??= [];
        blended.Clear();
        foreach (var source in _sources)
        {
            var weight = Options.WeightOf(source.Name);
            if (weight <= 0) continue;
            list.Clear();
            source.Collect(context, Options.CandidatesPerSource, list);
            var max = 0.0;
            foreach (var c in list) max = Math.Max(max, c.Score);
            if (max <= 0) continue;
            foreach (var c in list)
            {
                var contribution = weight * c.Score / max;
                blended[c.TrackId] = blended.TryGetValue(c.TrackId, out var b)
                    ? (b.Score + contribution, contribution > b.Best ? source : b.Source, contribution > b.Best ? c : b.Candidate, Math.Max(contribution, b.Best))
                    : (contribution, source, c, contribution);
            }
        }

        ordered.Clear();
        ordered.AddRange(blended);
        if (Options.GenreWeight > 0 && context.GenreShares(_reading, _catalog) is { Count: > 0 } shares)
            for (var i = 0; i < ordered.Count; i++)
            {
                var (id, b) = ordered[i];
                var genre = _catalog.GenreOf(id);
                foreach (var (g, share) in shares)
                    // An unknown genre is no common ground: it lifts nothing.
                    if (g == genre && g != "unknown") { ordered[i] = new(id, b with { Score = b.Score + Options.GenreWeight * share }); break; }
            }
        var picks = new List<Pick>(count);
        var perArtist = Options.MaxPerArtist * (int)Math.Ceiling(count / 3.0);
        var artists = new Dictionary<int, int>();
        var inBatch = new HashSet<int>();
        bool Take(Pick p, bool diverse)
        {
            var artist = _catalog.ArtistOf(p.Candidate.TrackId);
            if (inBatch.Contains(p.Candidate.TrackId) || (diverse && artists.GetValueOrDefault(artist) >= perArtist)) return false;
            inBatch.Add(p.Candidate.TrackId);
            artists[artist] = artists.GetValueOrDefault(artist) + 1;
            picks.Add(p);
            return true;
        }
        // Best first, picked one at a time rather than sorted: a batch takes a handful of the ~90 candidates. A
        // diverse pass first; then the candidates it passed over (best first) and the rest accept a repeated artist
        // rather than a shorter batch.
        static Pick Of(KeyValuePair<int, (double Score, ICandidateSource Source, Candidate Candidate, double Best)> e) =>
            new(e.Value.Candidate, e.Value.Source, e.Value.Source.Name, e.Value.Score);
        passedOver.Clear();
        while (picks.Count < count && ordered.Count > 0)
            if (TakeBest(ordered) is var best && !Take(Of(best), diverse: true)) passedOver.Add(best);
        foreach (var e in passedOver)
        {
            if (picks.Count == count) break;
            Take(Of(e), diverse: false);
        }
        while (picks.Count < count && ordered.Count > 0) Take(Of(TakeBest(ordered)), diverse: false);

        var random = new Random(context.Seed);
        if (Options.ExplorationShare > 0)
            for (var i = 0; i < picks.Count; i++)
                if (random.NextDouble() < Options.ExplorationShare && RandomTrack(random, context, inBatch) is { } explore)
                {
                    inBatch.Add(explore);
                    picks[i] = new Pick(new Candidate(explore, 0, 0), null, Exploration, 0);
                }

        if (picks.Count < count)
            foreach (var r in Replacements(context))
            {
                if (picks.Count == count) break;
                Take(new Pick(r, null, Replacement, r.Score), diverse: false);
            }
        while (Options.FillWithRandom && picks.Count < count && RandomTrack(random, context, inBatch) is { } fill)
            Take(new Pick(new Candidate(fill, 0, 0), null, Exploration, 0), diverse: false);
        return picks;
    }

    /// <summary>Removes and returns the best entry (higher score, then lower track id); the list's order is not kept.</summary>
    private static KeyValuePair<int, (double Score, ICandidateSource Source, Candidate Candidate, double Best)> TakeBest(
        List<KeyValuePair<int, (double Score, ICandidateSource Source, Candidate Candidate, double Best)>> list)
    {
        var best = 0;
        for (var i = 1; i < list.Count; i++)
        {
            var (x, y) = (list[i], list[best]);
            if (x.Value.Score > y.Value.Score || (x.Value.Score == y.Value.Score && x.Key < y.Key)) best = i;
        }
        var taken = list[best];
        list[best] = list[^1];
        list.RemoveAt(list.Count - 1);
        return taken;
    }

    /// <summary>
    /// Tracks the listener played at least <see cref="BlendOptions.ReplacementAfterEvents"/> events ago, liked ones at
    /// <see cref="BlendOptions.LikedReplacementDecay"/>, listened ones at <see cref="BlendOptions.ListenedReplacementDecay"/>,
    /// older ones lower; never a track recommended recently. A track's newest event decides (a later skip drops it).
    /// </summary>
    private List<Candidate> Replacements(RecommendationContext context)
    {
        var latest = new Dictionary<int, (int Age, string Action)>();
        for (var i = 0; i < context.History.Count; i++)
            latest.TryAdd(context.History[i].TrackId, (i, context.History[i].Action));
        var result = new List<Candidate>();
        foreach (var (track, (age, action)) in latest)
        {
            if (age < Options.ReplacementAfterEvents || context.IsRecentlyRecommended?.Invoke(track) == true) continue;
            var decay = action switch { Actions.Like => Options.LikedReplacementDecay, Actions.Listen => Options.ListenedReplacementDecay, _ => 0 };
            if (decay > 0) result.Add(new Candidate(track, decay / (1 + age / 100.0), track));
        }
        CandidateOrder.SortAndTrim(result, 0, context.Count);
        return result;
    }

    private string ReplacementReason(Candidate c, RecommendationContext context)
    {
        var liked = context.History.Any(h => h.TrackId == c.TrackId && h.Action == Actions.Like);
        return $"you {(liked ? "liked" : "listened to")} {_catalog.Display(c.TrackId)} a while ago";
    }

    /// <summary>A random catalogue track the context allows and the batch does not hold; null after a few misses.</summary>
    private int? RandomTrack(Random random, RecommendationContext context, HashSet<int> inBatch)
    {
        var tracks = _catalog.Tracks;
        if (tracks.Count == 0) return null;
        for (var attempt = 0; attempt < 32; attempt++)
        {
            var id = tracks[random.Next(tracks.Count)].TrackId;
            if (!inBatch.Contains(id) && !context.IsExcluded(id)) return id;
        }
        return null;
    }
}
