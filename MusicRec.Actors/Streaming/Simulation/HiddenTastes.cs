using MusicRec.Contracts;
namespace MusicRec.Streaming.Simulation;

/// <summary>The kinds of simulated listener whose taste is not all about the audio.</summary>
public enum ListenerKind
{
    /// <summary>Likes one top-level genre, whatever the track sounds like.</summary>
    GenreLoyal,
    /// <summary>Shares a set of favourites with a group of listeners; the set cuts across genres and timbre.</summary>
    CrossGenreGroup,
    /// <summary>Likes the tracks of a few artists.</summary>
    ArtistFan,
}

public sealed record HiddenTasteOptions
{
    public int Users { get; init; } = 60;
    public int Seed { get; init; } = 1;
    public double GenreLoyalShare { get; init; } = 0.4;
    public double GroupShare { get; init; } = 0.4;
    /// <summary>Groups of listeners sharing favourites; each group's favourites are this share of the catalogue.</summary>
    public int Groups { get; init; } = 4;
    public double GroupFavouriteShare { get; init; } = 1.0 / 12;
    public int ArtistsPerFan { get; init; } = 3;
    /// <summary>Zipf exponent of the catalogue's popularity (long tail): rank r is played in proportion to 1/(r+1)^s.</summary>
    public double PopularityExponent { get; init; } = 0.8;
    /// <summary>Share of a listener's own choices (not following a suggestion) that go to something they like.</summary>
    public double OwnChoiceLiked { get; init; } = 0.7;
    public string UserPrefix { get; init; } = "taste";
}

/// <summary>
/// Listeners with hidden tastes (genre-loyal, cross-genre groups, artist fans) over a long-tailed popularity. Each
/// listener chooses tracks (mostly ones they like, chosen by popularity) and answers any track as their taste says:
/// mostly like or listen when they like it, mostly skip when not. Same seed, same listeners and answers.
/// </summary>
public sealed class HiddenTastes
{
    private readonly SimulatedTrack[] _tracks;
    private readonly Dictionary<int, SimulatedTrack> _byId;
    private readonly double[] _popularity; // per track index: relative play weight (Zipf over a seeded ranking)
    private readonly Dictionary<string, Listener> _listeners = new(StringComparer.Ordinal);
    private readonly HiddenTasteOptions _options;

    public HiddenTastes(IReadOnlyList<SimulatedTrack> catalogue, HiddenTasteOptions options)
    {
        if (options.Users < 1) throw new ArgumentException("at least one listener is needed", nameof(options));
        _options = options;
        _tracks = [.. catalogue.OrderBy(t => t.TrackId)];
        _byId = _tracks.ToDictionary(t => t.TrackId);
        var genres = _tracks.Where(t => t.GenreId is not null).Select(t => t.GenreId!.Value).Distinct().Order().ToArray();
        if (genres.Length == 0) throw new ArgumentException("the catalogue has no track with a top-level genre; run the ETL first", nameof(catalogue));

        var random = new Random(options.Seed);
        var ranking = Enumerable.Range(0, _tracks.Length).ToArray();
        random.Shuffle(ranking);
        _popularity = new double[_tracks.Length];
        for (var r = 0; r < ranking.Length; r++) _popularity[ranking[r]] = 1 / Math.Pow(r + 1, options.PopularityExponent);

        var favourites = Enumerable.Range(0, options.Groups).Select(_ =>
        {
            var size = Math.Max(1, (int)Math.Round(_tracks.Length * options.GroupFavouriteShare));
            var picks = Enumerable.Range(0, _tracks.Length).ToArray();
            random.Shuffle(picks);
            return picks.Take(size).Select(i => _tracks[i].TrackId).ToHashSet();
        }).ToArray();
        var artists = _tracks.Select(t => t.Artist).Where(a => a.Length > 0).Distinct().Order(StringComparer.Ordinal).ToArray();

        for (var i = 0; i < options.Users; i++)
        {
            var roll = random.NextDouble();
            var kind = roll < options.GenreLoyalShare ? ListenerKind.GenreLoyal
                : roll < options.GenreLoyalShare + options.GroupShare || artists.Length == 0 ? ListenerKind.CrossGenreGroup
                : ListenerKind.ArtistFan;
            Func<SimulatedTrack, bool> likes;
            int? genre = null;
            var group = -1;
            switch (kind)
            {
                case ListenerKind.GenreLoyal:
                    var g = genres[random.Next(genres.Length)];
                    genre = g;
                    likes = t => t.GenreId == g;
                    break;
                case ListenerKind.CrossGenreGroup:
                    group = random.Next(favourites.Length);
                    var set = favourites[group];
                    likes = t => set.Contains(t.TrackId);
                    break;
                default:
                    var fanOf = Enumerable.Range(0, options.ArtistsPerFan).Select(_ => artists[random.Next(artists.Length)]).ToHashSet(StringComparer.Ordinal);
                    likes = t => fanOf.Contains(t.Artist);
                    break;
            }
            var liked = _tracks.Select((t, idx) => (t, idx)).Where(x => likes(x.t)).Select(x => x.idx).ToArray();
            _listeners[$"{options.UserPrefix}{i}"] = new Listener(kind, genre, group, likes, liked, Cumulative(liked));
        }
    }

    public IReadOnlyList<string> UserIds => [.. _listeners.Keys];
    public ListenerKind KindOf(string userId) => Get(userId).Kind;
    /// <summary>The genre-loyal listener's genre (null for the other kinds).</summary>
    public int? GenreOf(string userId) => Get(userId).Genre;
    /// <summary>The group of a cross-genre listener (-1 for the other kinds).</summary>
    public int GroupOf(string userId) => Get(userId).Group;

    /// <summary>Whether the listener's hidden taste likes the track (unknown tracks: no).</summary>
    public bool Likes(string userId, int trackId) => _byId.TryGetValue(trackId, out var t) && Get(userId).LikesTrack(t);

    public int? GenreOfTrack(int trackId) => _byId.TryGetValue(trackId, out var t) ? t.GenreId : null;

    /// <summary>How the listener answers a track: liked ones mostly like/listen, others mostly skip.</summary>
    public string Answer(string userId, int trackId, Random random)
    {
        var r = random.NextDouble();
        return Likes(userId, trackId)
            ? r < 0.55 ? Actions.Like : r < 0.95 ? Actions.Listen : Actions.Skip
            : r < 0.75 ? Actions.Skip : r < 0.97 ? Actions.Listen : Actions.Like;
    }

    /// <summary>A track the listener picks on their own: mostly one they like, by popularity; otherwise any, by popularity.</summary>
    public int OwnChoice(string userId, Random random)
    {
        var l = Get(userId);
        if (l.Liked.Length > 0 && random.NextDouble() < _options.OwnChoiceLiked)
            return _tracks[l.Liked[Sample(l.LikedCumulative, random)]].TrackId;
        return _tracks[Sample(_allCumulative ??= Cumulative([.. Enumerable.Range(0, _tracks.Length)]), random)].TrackId;
    }

    /// <summary>A uniformly random catalogue track (the baseline a recommender must beat).</summary>
    public int RandomTrack(Random random) => _tracks[random.Next(_tracks.Length)].TrackId;

    private double[]? _allCumulative;

    private double[] Cumulative(int[] indices)
    {
        var c = new double[indices.Length];
        double sum = 0;
        for (var i = 0; i < indices.Length; i++) c[i] = sum += _popularity[indices[i]];
        return c;
    }

    private static int Sample(double[] cumulative, Random random)
    {
        var x = random.NextDouble() * cumulative[^1];
        var i = Array.BinarySearch(cumulative, x);
        return Math.Min(i < 0 ? ~i : i, cumulative.Length - 1);
    }

    private Listener Get(string userId) =>
        _listeners.TryGetValue(userId, out var l) ? l : throw new KeyNotFoundException($"no simulated listener '{userId}'");

    private sealed record Listener(ListenerKind Kind, int? Genre, int Group, Func<SimulatedTrack, bool> LikesTrack, int[] Liked, double[] LikedCumulative);
}

/// <summary>Liked share of recommended tracks per listener kind, beside random picks answered by the same tastes.</summary>
public sealed record ClosedLoopReport(IReadOnlyDictionary<ListenerKind, ClosedLoopReport.KindFigures> Kinds, long Events, long Batches)
{
    public sealed record KindFigures(int Listeners, long Recommended, long Liked, long RandomPicks, long RandomLiked, long InOwnGenre)
    {
        public double LikedShare => Recommended == 0 ? 0 : (double)Liked / Recommended;
        public double RandomLikedShare => RandomPicks == 0 ? 0 : (double)RandomLiked / RandomPicks;
        /// <summary>Genre-loyal listeners: share of recommended tracks in their genre.</summary>
        public double OwnGenreShare => Recommended == 0 ? 0 : (double)InOwnGenre / Recommended;
    }
}

/// <summary>
/// Closes the loop: round after round each listener either answers one of the tracks last recommended to them (as
/// their hidden taste says) or picks a track of their own; every event goes to the recommender, whose answer is the
/// listener's next batch. Counts how many recommended tracks each kind's hidden taste likes, and the same for three
/// random catalogue tracks per batch.
/// </summary>
public static class ClosedLoop
{
    /// <param name="recommend">Sends one event and returns the listener's next batch (track ids; empty when none).</param>
    /// <param name="follow">Share of events that answer a recommended track (when the listener has a batch).</param>
    public static async Task<ClosedLoopReport> RunAsync(HiddenTastes tastes, int eventsPerUser,
        Func<ActivityEvent, Task<IReadOnlyList<int>>> recommend, double follow = 0.6, int seed = 1,
        DateTimeOffset? start = null, CancellationToken ct = default)
    {
        var random = new Random(seed);
        var users = tastes.UserIds.ToArray();
        var batches = users.ToDictionary(u => u, _ => (IReadOnlyList<int>)[]);
        var counts = Enum.GetValues<ListenerKind>().ToDictionary(k => k, _ => new long[5]); // rec, liked, randomPicks, randomLiked, ownGenre
        var time = start ?? new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var idBytes = new byte[16];
        long events = 0, batchCount = 0;
        for (var round = 0; round < eventsPerUser; round++)
        {
            random.Shuffle(users);
            foreach (var user in users)
            {
                ct.ThrowIfCancellationRequested();
                var batch = batches[user];
                var track = batch.Count > 0 && random.NextDouble() < follow ? batch[random.Next(batch.Count)] : tastes.OwnChoice(user, random);
                random.NextBytes(idBytes);
                time = time.AddSeconds(1);
                var e = new ActivityEvent(new Guid(idBytes).ToString(), user, track, tastes.Answer(user, track, random), time);
                events++;
                var next = await recommend(e).ConfigureAwait(false);
                batches[user] = next;
                if (next.Count == 0) continue;
                batchCount++;
                var c = counts[tastes.KindOf(user)];
                foreach (var t in next)
                {
                    c[0]++;
                    if (tastes.Likes(user, t)) c[1]++;
                    var r = tastes.RandomTrack(random);
                    c[2]++;
                    if (tastes.Likes(user, r)) c[3]++;
                    if (tastes.GenreOf(user) is { } g && tastes.GenreOfTrack(t) == g) c[4]++;
                }
            }
        }
        var listeners = tastes.UserIds.GroupBy(tastes.KindOf).ToDictionary(g => g.Key, g => g.Count());
        return new ClosedLoopReport(counts.ToDictionary(kv => kv.Key, kv => new ClosedLoopReport.KindFigures(
            listeners.GetValueOrDefault(kv.Key), kv.Value[0], kv.Value[1], kv.Value[2], kv.Value[3], kv.Value[4])), events, batchCount);
    }
}
