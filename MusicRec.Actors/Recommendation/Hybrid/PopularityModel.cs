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
/// t adds w·2^((t − ref)/halfLife)). Events may come out of order. One writer and many readers: each call holds the
/// model's lock for one event or one chart.
/// </summary>
public sealed class PopularityModel
{
    /// <summary>Tracks each chart keeps in order; a query that skips past them all sorts the chart once (rare).</summary>
    internal const int DefaultChartDepth = 1024;

    private readonly PopularityOptions _options;
    private readonly TrackCatalog _catalog;
    private readonly int _chartDepth;
    private readonly Dictionary<int, double> _score = [];
    private readonly Chart _overall;
    private readonly Dictionary<string, Chart> _byGenre = new(StringComparer.Ordinal);
    private DateTimeOffset? _reference;
    private readonly Lock _gate = new();

    public PopularityModel(TrackCatalog catalog, PopularityOptions? options = null) : this(catalog, options, DefaultChartDepth)
    {
    }

    internal PopularityModel(TrackCatalog catalog, PopularityOptions? options, int chartDepth)
    {
        _catalog = catalog;
        _options = options ?? new PopularityOptions();
        if (_options.HalfLife <= TimeSpan.Zero) throw new ArgumentException("the half-life must be positive", nameof(options));
        _chartDepth = chartDepth >= 1 ? chartDepth : throw new ArgumentOutOfRangeException(nameof(chartDepth));
        _overall = new Chart(chartDepth);
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
        ref var score = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_score, trackId, out _);
        var old = score;
        score = old + weight * Math.Pow(2, exponent);
        var chart = Genre(_catalog.GenreOf(trackId));
        _overall.Raise(trackId, old, score);
        chart.Raise(trackId, old, score);
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
            var chart = genre is null ? _overall : _byGenre.GetValueOrDefault(genre);
            if (chart is null) return;
            (double Score, int TrackId)[]? all = null;
            for (int i = 0, taken = 0; taken < limit && At(chart, i, ref all) is { } entry; i++)
            {
                if (isExcluded is not null && isExcluded(entry.TrackId)) continue;
                into.Add((entry.TrackId, entry.Score));
                taken++;
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
        foreach (var chart in _byGenre.Values)
            if (First(chart, isExcluded, exceptIn: null) is { } best) firsts.Add(best);
        firsts.Sort(Ranking.Instance);
        var picked = new List<int>(count);
        foreach (var (_, id) in firsts)
        {
            if (picked.Count == count) break;
            picked.Add(id);
        }
        while (picked.Count < count && First(_overall, isExcluded, picked) is { } next) picked.Add(next.TrackId);
        return picked;
    }

    /// <summary>The chart's best track that is neither excluded nor in <paramref name="exceptIn"/>.</summary>
    private (double Score, int TrackId)? First(Chart chart, Func<int, bool>? isExcluded, List<int>? exceptIn)
    {
        (double Score, int TrackId)[]? all = null;
        for (var i = 0; At(chart, i, ref all) is { } entry; i++)
            if ((isExcluded is null || !isExcluded(entry.TrackId)) && exceptIn?.Contains(entry.TrackId) != true) return entry;
        return null;
    }

    /// <summary>
    /// The chart's <paramref name="i"/>th best track (null past its end): from the kept best, and past them from the
    /// whole chart, sorted into <paramref name="all"/> on first need.
    /// </summary>
    private (double Score, int TrackId)? At(Chart chart, int i, ref (double Score, int TrackId)[]? all)
    {
        if (i < chart.Best.Length) return chart.Best[i];
        if (!chart.HasMore) return null;
        all ??= chart.All(_score);
        return i < all.Length ? all[i] : null;
    }

    private double Exponent(DateTimeOffset ts) =>
        _reference is not { } r || _options.HalfLife == TimeSpan.MaxValue ? 0 : (ts - r) / _options.HalfLife;

    private void Rebase(DateTimeOffset to)
    {
        var factor = Math.Pow(2, -Exponent(to));
        _reference = to;
        foreach (var id in _score.Keys.ToList()) _score[id] *= factor;
        _overall.Rebuild(_score);
        foreach (var chart in _byGenre.Values) chart.Rebuild(_score);
    }

    private Chart Genre(string genre) =>
        _byGenre.TryGetValue(genre, out var chart) ? chart : _byGenre[genre] = new Chart(_chartDepth);

    /// <summary>Higher score first, then the lower track id.</summary>
    private sealed class Ranking : IComparer<(double Score, int TrackId)>
    {
        public static readonly Ranking Instance = new();

        public int Compare((double Score, int TrackId) x, (double Score, int TrackId) y) =>
            x.Score != y.Score ? y.Score.CompareTo(x.Score) : x.TrackId.CompareTo(y.TrackId);
    }

    /// <summary>
    /// One chart: its tracks, and the best of them in order. Scores only grow, so a track can enter the best only when
    /// its own score rises, and keeping them is exact. An array of plain values: an event moves a few entries, where a
    /// sorted set allocated a node and rebalanced the tree (docs/benchmarks.md).
    /// </summary>
    private sealed class Chart(int depth)
    {
        private readonly (double Score, int TrackId)[] _best = new (double, int)[depth];
        private readonly List<int> _members = [];
        private int _count;

        public ReadOnlySpan<(double Score, int TrackId)> Best => _best.AsSpan(0, _count);
        /// <summary>Tracks beyond <see cref="Best"/> exist.</summary>
        public bool HasMore => _members.Count > _count;

        /// <summary>Moves the track from <paramref name="old"/> (0: new to the chart) to the higher <paramref name="score"/>.</summary>
        public void Raise(int trackId, double old, double score)
        {
            if (score <= old) return; // an event far older than the reference can add nothing
            if (old == 0) _members.Add(trackId);
            var at = old == 0 ? -1 : Array.BinarySearch(_best, 0, _count, (old, trackId), Ranking.Instance);
            var to = ~Array.BinarySearch(_best, 0, _count, (score, trackId), Ranking.Instance);
            if (at >= 0)
                Array.Copy(_best, to, _best, to + 1, at - to);
            else if (_count < _best.Length)
                Array.Copy(_best, to, _best, to + 1, _count++ - to);
            else if (to < _count)
                Array.Copy(_best, to, _best, to + 1, _count - 1 - to);
            else
                return;
            _best[to] = (score, trackId);
        }

        /// <summary>Every track of the chart in order (sorted afresh: only a query that skipped the whole best asks).</summary>
        public (double Score, int TrackId)[] All(Dictionary<int, double> scores)
        {
            var all = new (double Score, int TrackId)[_members.Count];
            for (var i = 0; i < all.Length; i++) all[i] = (scores[_members[i]], _members[i]);
            Array.Sort(all, Ranking.Instance);
            return all;
        }

        public void Rebuild(Dictionary<int, double> scores)
        {
            var all = All(scores);
            _count = Math.Min(all.Length, _best.Length);
            Array.Copy(all, _best, _count);
        }
    }
}
