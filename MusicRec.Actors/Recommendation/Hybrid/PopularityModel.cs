using MusicRec.Contracts;

namespace MusicRec.Recommendation.Hybrid;

public sealed record PopularityOptions
{
    /// <summary>An event's weight halves after this long ("popular this week"); <see cref="TimeSpan.MaxValue"/>: never (all-time counts).</summary>
    public TimeSpan HalfLife { get; init; } = TimeSpan.FromDays(7);
    public double ListenWeight { get; init; } = 1;
    public double LikeWeight { get; init; } = 2;
}

/// <summary>
/// Time-decayed counts of positive activity per track, ranked overall and per genre. Every score decays by the same
/// factor, so the ranking only changes when an event arrives: scores are kept at a fixed reference time (an event at
/// t adds w·2^((t − ref)/halfLife)) and the sorted sets are updated per event in O(log n). Events may come out of
/// order. One writer and many readers: each call holds the model's lock for one event or one chart.
/// </summary>
public sealed class PopularityModel
{
    private readonly PopularityOptions _options;
    private readonly TrackCatalog _catalog;
    private readonly Dictionary<int, double> _score = [];
    private readonly SortedSet<(double Score, int TrackId)> _overall = new(Ranking.Instance);
    private readonly Dictionary<string, SortedSet<(double Score, int TrackId)>> _byGenre = new(StringComparer.Ordinal);
    private DateTimeOffset? _reference;
    private readonly Lock _gate = new();

    public PopularityModel(TrackCatalog catalog, PopularityOptions? options = null)
    {
        _catalog = catalog;
        _options = options ?? new PopularityOptions();
        if (_options.HalfLife <= TimeSpan.Zero) throw new ArgumentException("the half-life must be positive", nameof(options));
    }

    public PopularityOptions Options => _options;
    public int Tracks
    {
        get { lock (_gate) return _score.Count; }
    }

    public IReadOnlyList<string> Genres
    {
        get { lock (_gate) return [.. _byGenre.Keys]; }
    }

    public void Observe(int trackId, string action, DateTimeOffset ts)
    {
        var weight = action switch { Actions.Listen => _options.ListenWeight, Actions.Like => _options.LikeWeight, _ => 0 };
        if (weight <= 0) return;
        lock (_gate) Add(trackId, weight, ts);
    }

    private void Add(int trackId, double weight, DateTimeOffset ts)
    {
        _reference ??= ts;
        var exponent = Exponent(ts);
        if (exponent > 500) { Rebase(ts); exponent = 0; } // keep 2^x far from overflow (2^1024)
        var genre = _catalog.GenreOf(trackId);
        var old = _score.GetValueOrDefault(trackId);
        var next = old + weight * Math.Pow(2, exponent);
        if (old > 0)
        {
            _overall.Remove((old, trackId));
            Genre(genre).Remove((old, trackId));
        }
        _score[trackId] = next;
        _overall.Add((next, trackId));
        Genre(genre).Add((next, trackId));
    }

    /// <summary>The track's decayed count as of <paramref name="now"/> (listens plus weighted likes).</summary>
    public double ScoreOf(int trackId, DateTimeOffset now)
    {
        lock (_gate) return _score.TryGetValue(trackId, out var s) ? s / Math.Pow(2, Exponent(now)) : 0;
    }

    /// <summary>
    /// The <paramref name="limit"/> most popular tracks now, overall or in one genre, skipping excluded ones, best first
    /// (their decayed counts: compare them within one chart).
    /// </summary>
    public List<(int TrackId, double Score)> Top(string? genre = null, Func<int, bool>? isExcluded = null, int limit = int.MaxValue)
    {
        var into = new List<(int TrackId, double Score)>();
        Top(genre, isExcluded, limit, into);
        return into;
    }

    /// <summary><see cref="Top(string?, Func{int, bool}?, int)"/> into the caller's list (appended).</summary>
    public void Top(string? genre, Func<int, bool>? isExcluded, int limit, List<(int TrackId, double Score)> into)
    {
        lock (_gate)
        {
            var set = genre is null ? _overall : _byGenre.GetValueOrDefault(genre);
            if (set is null) return;
            var taken = 0;
            foreach (var (score, id) in set)
            {
                if (taken == limit) break;
                if (isExcluded is null || !isExcluded(id)) { into.Add((id, score)); taken++; }
            }
        }
    }

    /// <summary>
    /// A genre-diverse "popular now" batch: the most popular track of each genre in turn (genres ordered by their best
    /// track), then the next best of any genre when there are fewer genres than <paramref name="count"/>.
    /// </summary>
    public IReadOnlyList<int> PopularNow(int count, Func<int, bool>? isExcluded = null)
    {
        lock (_gate) return PopularNowLocked(count, isExcluded);
    }

    private List<int> PopularNowLocked(int count, Func<int, bool>? isExcluded)
    {
        // Each genre's best allowed track, read from its own chart, so the overall chart is never walked to its end.
        var firsts = new List<(double Score, int TrackId)>(_byGenre.Count);
        foreach (var set in _byGenre.Values)
            foreach (var entry in set)
                if (isExcluded is null || !isExcluded(entry.TrackId)) { firsts.Add(entry); break; }
        firsts.Sort(Ranking.Instance);
        var picked = new List<int>(count);
        foreach (var (_, id) in firsts)
        {
            if (picked.Count == count) break;
            picked.Add(id);
        }
        if (picked.Count < count)
            foreach (var (_, id) in _overall)
            {
                if (picked.Count == count) break;
                if ((isExcluded is null || !isExcluded(id)) && !picked.Contains(id)) picked.Add(id);
            }
        return picked;
    }

    private double Exponent(DateTimeOffset ts) =>
        _reference is not { } r || _options.HalfLife == TimeSpan.MaxValue ? 0 : (ts - r) / _options.HalfLife;

    private void Rebase(DateTimeOffset to)
    {
        var factor = Math.Pow(2, -Exponent(to));
        _reference = to;
        foreach (var id in _score.Keys.ToList()) _score[id] *= factor;
        _overall.Clear();
        foreach (var set in _byGenre.Values) set.Clear();
        foreach (var (id, s) in _score)
        {
            _overall.Add((s, id));
            Genre(_catalog.GenreOf(id)).Add((s, id));
        }
    }

    private SortedSet<(double Score, int TrackId)> Genre(string genre) =>
        _byGenre.TryGetValue(genre, out var set) ? set : _byGenre[genre] = new SortedSet<(double, int)>(Ranking.Instance);

    /// <summary>Higher score first, then the lower track id.</summary>
    private sealed class Ranking : IComparer<(double Score, int TrackId)>
    {
        public static readonly Ranking Instance = new();

        public int Compare((double Score, int TrackId) x, (double Score, int TrackId) y) =>
            x.Score != y.Score ? y.Score.CompareTo(x.Score) : x.TrackId.CompareTo(y.TrackId);
    }
}
