using MusicRec.Contracts;

namespace MusicRec.Recommendation.Hybrid;

/// <summary>How a skip counts (docs/recommender.md): only as "seen" (Gorse's read feedback) or as a negative signal.</summary>
public enum SkipPolicy
{
    /// <summary>A skipped track is excluded from suggestions; it neither adds to nor subtracts from the taste.</summary>
    Seen,
    /// <summary>A skipped track also pushes away: its co-listeners and its timbre score lower for this listener.</summary>
    Negative,
}

public static class SkipPolicies
{
    /// <summary>"seen" or "negative", as the CLI and the service config spell them; false for anything else.</summary>
    public static bool TryParse(string text, out SkipPolicy policy)
    {
        policy = text == "negative" ? SkipPolicy.Negative : SkipPolicy.Seen;
        return text is "seen" or "negative";
    }
}

/// <summary>
/// What the blend needs to know about one listener at the moment of a suggestion. The predicates come from the
/// caller's own state (the actor's heard/recommended sets, or the offline evaluation's), so the sources stay pure.
/// </summary>
public sealed record RecommendationContext(string UserId, IReadOnlyList<HistoryEntry> History, Func<int, bool> IsExcluded)
{
    /// <summary>Tracks asked for (the product's batch is three; the evaluation asks for its largest k).</summary>
    public int Count { get; init; } = 3;
    /// <summary>Seeds the exploration share and the random fills: same seed, same suggestions.</summary>
    public int Seed { get; init; }
    /// <summary>Tracks a replacement may not bring back (recommended in the last few batches); null: none.</summary>
    public Func<int, bool>? IsRecentlyRecommended { get; init; }

    private (TasteReading Reading, List<(int TrackId, double Weight, string Action)> Anchors)? _anchors;
    private (TasteReading Reading, TrackCatalog Catalog, List<(string Genre, double Share)> Shares)? _genreShares;

    /// <summary>
    /// <see cref="TasteReading.Anchors"/> of this history, read once per context: co-listening, audio and the genre
    /// shares all start from them (a context lives for one ranking, so its history does not change under it). Read only.
    /// </summary>
    internal List<(int TrackId, double Weight, string Action)> Anchors(TasteReading reading)
    {
        if (_anchors is { } kept && kept.Reading == reading) return kept.Anchors;
        var anchors = reading.Anchors(History);
        _anchors = (reading, anchors);
        return anchors;
    }

    /// <summary>
    /// <see cref="TasteReading.GenreShares"/> of this history's anchors, worked out once per context: the popularity
    /// source and the blend's genre term both ask for it in every ranking. Read only.
    /// </summary>
    internal List<(string Genre, double Share)> GenreShares(TasteReading reading, TrackCatalog catalog)
    {
        if (_genreShares is { } kept && ReferenceEquals(kept.Catalog, catalog) && kept.Reading == reading) return kept.Shares;
        var shares = TasteReading.GenreShares(Anchors(reading), catalog);
        _genreShares = (reading, catalog, shares);
        return shares;
    }
}

/// <summary>One candidate of one source: <paramref name="Anchor"/> is the track that explains it (0 when none).</summary>
public readonly record struct Candidate(int TrackId, double Score, int Anchor);

/// <summary>One suggestion of the blend: which source chose it, and why, in words a listener reads.</summary>
public sealed record Suggestion(int TrackId, double Score, string Source, string Because);

/// <summary>A place candidates come from (co-listening, popularity, audio); pure and cheap to ask.</summary>
public interface ICandidateSource
{
    /// <summary>"colistening", "popularity" or "audio": the source a suggestion names.</summary>
    string Name { get; }

    /// <summary>Adds up to <paramref name="limit"/> candidates the context does not exclude, best first, to <paramref name="into"/>.</summary>
    void Collect(RecommendationContext context, int limit, List<Candidate> into);

    /// <summary>The reason a listener reads for one of this source's candidates.</summary>
    string Explain(Candidate candidate, RecommendationContext context);
}

/// <summary>The catalogue as the blend sees it: genre and artist of each track, artists numbered for the diversity rule.</summary>
public sealed class TrackCatalog
{
    /// <summary>
    /// Row + 1 by track id (0: not in the catalogue) when ids are dense, as FMA's are (106,574 tracks up to id 155,320):
    /// the blend looks up a genre or artist per candidate, and an array read is several times cheaper than a hash
    /// lookup. Sparse ids (a log's, say) use <see cref="_sparseRowOf"/>.
    /// </summary>
    private readonly int[]? _rowByIdPlusOne;
    private readonly Dictionary<int, int>? _sparseRowOf;
    private readonly TrackInfo[] _tracks;
    private readonly int[] _artistOf;
    /// <summary>Per row, one string instance per genre name: a lookup reads no track, and equal genres compare by reference.</summary>
    private readonly string[] _genreOf;

    public TrackCatalog(IEnumerable<TrackInfo> tracks)
    {
        _tracks = tracks.DistinctBy(t => t.TrackId).OrderBy(t => t.TrackId).ToArray();
        var dense = _tracks.Length == 0 || (_tracks[0].TrackId >= 0 && _tracks[^1].TrackId < 4L * _tracks.Length + 4096);
        if (dense) _rowByIdPlusOne = new int[_tracks.Length == 0 ? 0 : _tracks[^1].TrackId + 1];
        else _sparseRowOf = new Dictionary<int, int>(_tracks.Length);
        _artistOf = new int[_tracks.Length];
        _genreOf = new string[_tracks.Length];
        var artists = new Dictionary<string, int>(StringComparer.Ordinal);
        var genres = new Dictionary<string, string>(StringComparer.Ordinal) { ["unknown"] = Unknown };
        for (var r = 0; r < _tracks.Length; r++)
        {
            if (_rowByIdPlusOne is not null) _rowByIdPlusOne[_tracks[r].TrackId] = r + 1;
            else _sparseRowOf![_tracks[r].TrackId] = r;
            // An unknown artist gets an id of its own per track, so the diversity rule never groups strangers.
            var name = _tracks[r].Artist;
            _artistOf[r] = name.Length == 0 ? -1 - r : artists.TryGetValue(name, out var a) ? a : artists[name] = artists.Count;
            var genre = _tracks[r].Genre.Length == 0 ? Unknown : _tracks[r].Genre;
            _genreOf[r] = genres.TryGetValue(genre, out var kept) ? kept : genres[genre] = genre;
        }
    }

    /// <summary>A catalogue of bare track ids (no genre, no artist): what an activity log alone tells.</summary>
    public static TrackCatalog FromIds(IEnumerable<int> trackIds) =>
        new(trackIds.Distinct().Select(id => new TrackInfo(id, "", "", "unknown", null)));

    public int Count => _tracks.Length;
    public IReadOnlyList<TrackInfo> Tracks => _tracks;
    public bool Contains(int trackId) => RowOf(trackId) >= 0;

    public bool TryGet(int trackId, out TrackInfo info)
    {
        var r = RowOf(trackId);
        info = r >= 0 ? _tracks[r] : null!;
        return r >= 0;
    }

    private int RowOf(int trackId) => _rowByIdPlusOne is { } dense
        ? (uint)trackId < (uint)dense.Length ? dense[trackId] - 1 : -1
        : _sparseRowOf!.TryGetValue(trackId, out var r) ? r : -1;

    /// <summary>The track's genre name, "unknown" when the catalogue has none (or not the track).</summary>
    public string GenreOf(int trackId) => RowOf(trackId) is var r and >= 0 ? _genreOf[r] : Unknown;

    private const string Unknown = "unknown";

    /// <summary>A number per artist; tracks without an artist (or unknown tracks) each get a number of their own.</summary>
    public int ArtistOf(int trackId) => RowOf(trackId) is var r and >= 0 ? _artistOf[r] : int.MinValue + trackId;

    public string Display(int trackId) => TryGet(trackId, out var t) ? t.Display : $"track {trackId}";
}

/// <summary>
/// A seed from a listener id and a number that is the same in every process (string.GetHashCode and HashCode are
/// randomised per process, which would make exploration differ between runs and nodes).
/// </summary>
public static class StableSeed
{
    public static int Of(string userId, long n)
    {
        var h = 14695981039346656037UL; // FNV-1a
        foreach (var c in userId) h = (h ^ c) * 1099511628211UL;
        h = (h ^ (ulong)n) * 1099511628211UL;
        return (int)(h ^ (h >> 32));
    }
}
