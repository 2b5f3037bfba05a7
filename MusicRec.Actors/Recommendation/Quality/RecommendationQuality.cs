using System.Collections.Concurrent;
using Akka.Actor;
using MusicRec.Contracts;
using static MusicRec.Recommendation.UserRecommenderProtocol;

namespace MusicRec.Recommendation;

public sealed record QualityOptions
{
    public int Users { get; init; } = 40;
    public int EventsPerUser { get; init; } = 20;
    public int Seed { get; init; } = 7;
    /// <summary>Chance that a user's next event acts on the oldest recommended track not yet acted on.</summary>
    public double FollowRecommendation { get; init; } = 0.6;
    /// <summary>Chance that a user's own pick comes from outside the favourite genre (and is skipped).</summary>
    public double Explore { get; init; } = 0.15;
    /// <summary>A genre needs at least this many tracks to be someone's favourite.</summary>
    public int MinTracksPerGenre { get; init; } = 5;
    public DateTimeOffset Start { get; init; } = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    /// <summary>Users simulated at the same time (each user's events are sequential).</summary>
    public int Concurrency { get; init; } = 8;
    /// <summary>Prefix of the simulated user ids (distinct prefixes keep runs apart in one journal).</summary>
    public string UserPrefix { get; init; } = "quality";
}

public sealed record QualityReport(
    int Users, int EventsPerUser, int Batches, int RecommendedTracks, int InFavouriteGenre,
    double FavouriteGenreShare, double RandomBaseline, int MalformedBatches, int Genres)
{
    public override string ToString() =>
        $"{FavouriteGenreShare:P1} of {RecommendedTracks} recommended tracks in the user's favourite genre " +
        $"({Batches} batches, {Users} users x {EventsPerUser} events, {Genres} genres; random would give {RandomBaseline:P1}; " +
        $"{MalformedBatches} batches without exactly 3 tracks)";
}

/// <summary>
/// The quality check as a reusable function: simulated users with a favourite top-level genre like
/// recommended tracks of that genre and skip the others, and otherwise pick tracks of their genre themselves (with
/// some exploration, skipped). The figure is the share of recommended tracks in the favourite genre.
/// </summary>
public static class RecommendationQuality
{
    public static async Task<QualityReport> EvaluateAsync(SimilarityIndex index,
        Func<ApplyActivity, Task<ActivityApplied>> recommender, QualityOptions? options = null)
    {
        var o = options ?? new QualityOptions();
        var byGenre = index.Tracks.GroupBy(t => t.Genre)
            .Where(g => g.Key != "unknown" && g.Count() >= o.MinTracksPerGenre)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(t => t.TrackId).ToArray());
        if (byGenre.Count == 0)
            throw new InvalidOperationException($"no genre has {o.MinTracksPerGenre} tracks in the index; cannot simulate favourite genres");
        var genres = byGenre.Keys.ToArray();
        var allTracks = index.Tracks.Select(t => t.TrackId).ToArray();

        using var gate = new SemaphoreSlim(Math.Max(1, o.Concurrency));
        var results = await Task.WhenAll(Enumerable.Range(0, o.Users).Select(async u =>
        {
            await gate.WaitAsync().ConfigureAwait(false);
            try
            {
                return await SimulateUser($"{o.UserPrefix}-u{u}", genres[u % genres.Length], byGenre, allTracks, index,
                    recommender, o, o.Seed * 7919 + u).ConfigureAwait(false);
            }
            finally
            {
                gate.Release();
            }
        })).ConfigureAwait(false);

        var batches = results.SelectMany(r => r).ToList();
        var recommended = batches.Sum(b => b.Batch.Tracks.Count);
        var inGenre = batches.Sum(b => b.Batch.Tracks.Count(t => t.Genre == b.Favourite));
        var baseline = Enumerable.Range(0, o.Users)
            .Average(u => (double)byGenre[genres[u % genres.Length]].Length / index.Count);
        return new QualityReport(o.Users, o.EventsPerUser, batches.Count, recommended, inGenre,
            recommended == 0 ? 0 : (double)inGenre / recommended, baseline,
            batches.Count(b => b.Batch.Tracks.Count != UserTasteState.BatchSize || b.Batch.Tracks.Select(t => t.TrackId).Distinct().Count() != UserTasteState.BatchSize),
            genres.Length);
    }

    private static async Task<List<(RecommendationBatch Batch, string Favourite)>> SimulateUser(
        string userId, string favourite, Dictionary<string, int[]> byGenre, int[] allTracks, SimilarityIndex index,
        Func<ApplyActivity, Task<ActivityApplied>> recommender, QualityOptions o, int seed)
    {
        var random = new Random(seed);
        var received = new List<(RecommendationBatch, string)>();
        var toTry = new Queue<RecommendedTrack>();
        var own = byGenre[favourite];
        for (var i = 0; i < o.EventsPerUser; i++)
        {
            int trackId;
            string action;
            if (toTry.Count > 0 && random.NextDouble() < o.FollowRecommendation)
            {
                var next = toTry.Dequeue();
                trackId = next.TrackId;
                action = next.Genre == favourite ? Actions.Like : Actions.Skip;
            }
            else if (random.NextDouble() < o.Explore)
            {
                trackId = allTracks[random.Next(allTracks.Length)];
                var genre = index.TryGetInfo(trackId, out var info) ? info.Genre : "";
                action = genre == favourite ? Actions.Listen : Actions.Skip;
            }
            else
            {
                trackId = own[random.Next(own.Length)];
                action = random.NextDouble() < 0.5 ? Actions.Like : Actions.Listen;
            }
            var activity = new ActivityEvent($"{userId}-e{i}", userId, trackId, action, o.Start.AddSeconds(i));
            var applied = await recommender(new ApplyActivity(userId, activity)).ConfigureAwait(false);
            foreach (var batch in applied.Batches)
            {
                received.Add((batch, favourite));
                foreach (var t in batch.Tracks) toTry.Enqueue(t);
            }
        }
        return received;
    }

    /// <summary>The recommender logic without actors or a journal (the same Decide + Apply the actor runs).</summary>
    public static Func<ApplyActivity, Task<ActivityApplied>> InProcess(SimilarityIndex index, RecommenderOptions? options = null)
    {
        options ??= new RecommenderOptions();
        var taste = options.Taste;
        var context = options.SuggestionsFrom(index);
        var states = new ConcurrentDictionary<string, UserTasteState>();
        var locks = new ConcurrentDictionary<string, object>();
        return cmd =>
        {
            lock (locks.GetOrAdd(cmd.UserId, _ => new object()))
            {
                var state = states.GetOrAdd(cmd.UserId, id => new UserTasteState(id, taste));
                var eventId = cmd.Activity.EventId;
                if (state.HasSeenEvent(eventId))
                    return Task.FromResult(new ActivityApplied(eventId, state.BatchesCompletedBy(eventId, index), true));
                state.Apply(SuggestionPolicy.Decide(state, cmd.Activity, context), index);
                return Task.FromResult(new ActivityApplied(eventId, state.BatchesCompletedBy(eventId, index), false));
            }
        };
    }

    /// <summary>Through the real actors (the <see cref="UserRecommenderRegion"/> entry point).</summary>
    public static Func<ApplyActivity, Task<ActivityApplied>> ThroughActors(IActorRef region, TimeSpan? timeout = null)
    {
        var t = timeout ?? TimeSpan.FromSeconds(30);
        return cmd => region.Ask<ActivityApplied>(cmd, t);
    }

    /// <summary>
    /// Genre recovery of the index space itself: for a sample of tracks, the share of their k nearest neighbours
    /// (themselves excluded) with the same genre. Use it to compare index dimensions on a real catalogue.
    /// </summary>
    public static double NeighbourGenreAgreement(SimilarityIndex index, int k = 10, int sample = 1000, int seed = 1)
    {
        var random = new Random(seed);
        var tracks = index.Tracks.Where(t => t.Genre != "unknown").ToArray();
        if (tracks.Length < 2) return 0;
        var query = new float[index.Stride];
        var hits = new ScoredTrack[Math.Min(k, index.Count - 1)];
        long same = 0, total = 0;
        for (var s = 0; s < Math.Min(sample, tracks.Length); s++)
        {
            var t = sample >= tracks.Length ? tracks[s] : tracks[random.Next(tracks.Length)];
            index.VectorOf(t.TrackId).CopyTo(query);
            var n = index.TopK(query, hits, id => id == t.TrackId);
            for (var i = 0; i < n; i++)
            {
                total++;
                if (index.TryGetInfo(hits[i].TrackId, out var info) && info.Genre == t.Genre) same++;
            }
        }
        return total == 0 ? 0 : (double)same / total;
    }
}
