using System.Diagnostics;
using MusicRec.Contracts;
using MusicRec.Stores;
using ActivityEvent = MusicRec.Contracts.ActivityEvent;

namespace MusicRec.Streaming.Simulation;

/// <summary>One catalogue track as the simulator sees it: its top-level genre and normalised features.</summary>
public sealed record SimulatedTrack(int TrackId, int? GenreId, double[] Features)
{
    /// <summary>The artist's name ("" when unknown): artist fans among the hidden tastes need it.</summary>
    public string Artist { get; init; } = "";
}

/// <summary><paramref name="Rate"/> is events per second over all users; 0 sends as fast as delivery allows.</summary>
public sealed record SimulatorOptions(int Users, int EventsPerUser, double Rate = 0, int Seed = 1)
{
    public string UserPrefix { get; init; } = "sim";
    /// <summary>Publishes in flight at once (one user's events still go one after another).</summary>
    public int MaxInFlight { get; init; } = 256;
}

public sealed record SimulationResult(long Sent, long Failed, TimeSpan Elapsed, string? FirstError)
{
    public double EventsPerSecond => Elapsed.TotalSeconds > 0 ? Sent / Elapsed.TotalSeconds : 0;
}

/// <summary>
/// Mock listeners, as the original design's background thread: each user has a favourite top-level genre and a
/// taste (a point in feature space inside that genre). Most events pick, among a few random tracks of the
/// favourite genre, the one nearest the taste, and the user likes or listens to it; the rest explore the whole
/// catalogue and are mostly skipped. Same seed, same users, tracks, actions and event ids.
/// </summary>
public sealed class ActivitySimulator
{
    private const double FavouriteShare = 0.75;
    private const int Candidates = 8;

    private readonly IReadOnlyList<SimulatedTrack> _catalogue;
    private readonly SimulatorOptions _options;
    private readonly Dictionary<int, List<SimulatedTrack>> _byGenre;
    private readonly Dictionary<string, (int Genre, double[] Taste)> _users = [];

    public ActivitySimulator(IReadOnlyList<SimulatedTrack> catalogue, SimulatorOptions options)
    {
        if (options.Users < 1) throw new ArgumentException("at least one user is needed", nameof(options));
        if (options.EventsPerUser < 0) throw new ArgumentException("events per user cannot be negative", nameof(options));
        _catalogue = catalogue;
        _options = options;
        _byGenre = catalogue.Where(t => t.GenreId is not null).GroupBy(t => t.GenreId!.Value).ToDictionary(g => g.Key, g => g.ToList());
        if (_byGenre.Count == 0)
            throw new ArgumentException("the catalogue has no track with a top-level genre; run the ETL first", nameof(catalogue));

        var random = new Random(options.Seed);
        var genres = _byGenre.Keys.Order().ToList();
        for (var i = 0; i < options.Users; i++)
        {
            var genre = genres[random.Next(genres.Count)];
            var tracks = _byGenre[genre];
            var seed = tracks[random.Next(tracks.Count)].Features;
            var centroid = Centroid(tracks);
            // Halfway between the genre's centre and one of its tracks: a taste of its own, inside the genre.
            var taste = centroid.Zip(seed, (c, s) => (c + s) / 2).ToArray();
            _users[$"{options.UserPrefix}{i}"] = (genre, taste);
        }
    }

    public IReadOnlyList<string> UserIds => [.. _users.Keys];

    /// <summary>The simulated user's favourite top-level genre id (for the quality check).</summary>
    public int FavouriteGenre(string userId) =>
        _users.TryGetValue(userId, out var u) ? u.Genre : throw new KeyNotFoundException($"no simulated user '{userId}'");

    public IReadOnlyDictionary<string, int> FavouriteGenres => _users.ToDictionary(u => u.Key, u => u.Value.Genre);

    /// <summary>Every event in sending order: round after round, each user once per round, users shuffled per round.</summary>
    public IEnumerable<ActivityEvent> Events()
    {
        var random = new Random(_options.Seed + 7919);
        var users = _users.Keys.ToArray();
        var idBytes = new byte[16];
        for (var round = 0; round < _options.EventsPerUser; round++)
        {
            random.Shuffle(users);
            foreach (var user in users)
            {
                var (genre, taste) = _users[user];
                random.NextBytes(idBytes);
                var (track, action) = random.NextDouble() < FavouriteShare
                    ? FromFavourite(random, _byGenre[genre], taste)
                    : Explore(random, genre);
                yield return new ActivityEvent(new Guid(idBytes).ToString(), user, track.TrackId, action, DateTimeOffset.UtcNow);
            }
        }
    }

    private static (SimulatedTrack, string) FromFavourite(Random random, List<SimulatedTrack> tracks, double[] taste)
    {
        var best = tracks[random.Next(tracks.Count)];
        var bestDistance = Distance(best.Features, taste);
        for (var i = 1; i < Candidates; i++)
        {
            var t = tracks[random.Next(tracks.Count)];
            var d = Distance(t.Features, taste);
            if (d < bestDistance) (best, bestDistance) = (t, d);
        }
        var r = random.NextDouble();
        return (best, r < 0.5 ? Actions.Like : r < 0.95 ? Actions.Listen : Actions.Skip);
    }

    private (SimulatedTrack, string) Explore(Random random, int favourite)
    {
        var t = _catalogue[random.Next(_catalogue.Count)];
        var r = random.NextDouble();
        if (t.GenreId == favourite) return (t, r < 0.3 ? Actions.Like : Actions.Listen);
        return (t, r < 0.6 ? Actions.Skip : r < 0.95 ? Actions.Listen : Actions.Like);
    }

    /// <summary>Sends every event through the publisher, paced at <see cref="SimulatorOptions.Rate"/>; a failed publish is counted and the run goes on.</summary>
    public async Task<SimulationResult> RunAsync(IActivityPublisher publisher, IProgress<long>? progress = null, CancellationToken ct = default)
    {
        var clock = Stopwatch.StartNew();
        var inFlight = new SemaphoreSlim(_options.MaxInFlight);
        var lastPerUser = new Dictionary<string, Task>();
        long sent = 0, failed = 0, index = 0;
        string? firstError = null;

        async Task Send(ActivityEvent e, Task previous)
        {
            try
            {
                await previous.ConfigureAwait(false); // one user's events in order
                await publisher.PublishAsync(e, ct).ConfigureAwait(false);
                var n = Interlocked.Increment(ref sent);
                if (n % 1000 == 0) progress?.Report(n);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                Interlocked.Increment(ref failed);
                Interlocked.CompareExchange(ref firstError, ex.Message, null);
            }
            finally
            {
                inFlight.Release();
            }
        }

        foreach (var e in Events())
        {
            ct.ThrowIfCancellationRequested();
            if (_options.Rate > 0)
            {
                var due = TimeSpan.FromSeconds(index / _options.Rate) - clock.Elapsed;
                if (due > TimeSpan.Zero) await Task.Delay(due, ct).ConfigureAwait(false);
            }
            index++;
            await inFlight.WaitAsync(ct).ConfigureAwait(false);
            lastPerUser[e.UserId] = Send(e, lastPerUser.GetValueOrDefault(e.UserId, Task.CompletedTask));
        }
        await Task.WhenAll(lastPerUser.Values).ConfigureAwait(false);
        progress?.Report(sent);
        return new SimulationResult(sent, failed, clock.Elapsed, firstError);
    }

    /// <summary>Reads the catalogue the simulator needs from the store (track id, top-level genre, normalised features).</summary>
    public static async Task<IReadOnlyList<SimulatedTrack>> LoadCatalogueAsync(ITrackStore store, CancellationToken ct = default)
    {
        var tracks = new List<SimulatedTrack>();
        await foreach (var doc in store.StreamAllAsync(ct).ConfigureAwait(false))
            tracks.Add(new SimulatedTrack(doc.TrackId, doc.Metadata.GenreId, doc.Features) { Artist = doc.Metadata.ArtistName ?? "" });
        return tracks;
    }

    private static double[] Centroid(List<SimulatedTrack> tracks)
    {
        var dim = tracks.Max(t => t.Features.Length);
        var sum = new double[dim];
        foreach (var t in tracks)
            for (var i = 0; i < t.Features.Length; i++) sum[i] += t.Features[i];
        for (var i = 0; i < dim; i++) sum[i] /= tracks.Count;
        return sum;
    }

    private static double Distance(double[] a, double[] b)
    {
        var n = Math.Min(a.Length, b.Length);
        double s = 0;
        for (var i = 0; i < n; i++)
        {
            var d = a[i] - b[i];
            s += d * d;
        }
        return s;
    }
}
