using System.Collections.Concurrent;
using MusicRec.Catalog;
using MusicRec.Contracts;
using MusicRec.Stores;
using MusicRec.Streaming;
using MusicRec.Streaming.Simulation;
using MusicRec.Streaming.Transport;

namespace MusicRec.Tests.Streaming;

public class ActivitySimulatorTests
{
    /// <summary>Eight genres, each a cloud of tracks around its own centre.</summary>
    internal static List<SimulatedTrack> Catalogue(int perGenre = 50, int dim = 10)
    {
        var random = new Random(3);
        var list = new List<SimulatedTrack>();
        for (var g = 0; g < 8; g++)
        {
            var centre = Enumerable.Range(0, dim).Select(_ => random.NextDouble() * 10).ToArray();
            for (var i = 0; i < perGenre; i++)
                list.Add(new SimulatedTrack(g * 1000 + i + 1, g + 1, centre.Select(c => c + random.NextDouble() - 0.5).ToArray()));
        }
        list.Add(new SimulatedTrack(99999, null, new double[dim])); // no genre: never a favourite
        return list;
    }

    /// <summary><see cref="Catalogue"/> as store documents (genre and features only).</summary>
    internal static List<TrackDocument> Documents(int perGenre) => Catalogue(perGenre).Select(t => new TrackDocument
    {
        TrackId = t.TrackId,
        Metadata = new TrackRecord { TrackId = t.TrackId, GenreId = t.GenreId },
        Mfccs = new double[20],
        SpectralCentroid = 0,
        ZeroCrossingRate = 0,
        Features = t.Features,
    }).ToList();

    private sealed class CollectingPublisher : IActivityPublisher
    {
        public readonly ConcurrentQueue<ActivityEvent> Events = new();

        public Task PublishAsync(ActivityEvent activity, CancellationToken ct = default)
        {
            Events.Enqueue(activity);
            return Task.CompletedTask;
        }
    }

    [Fact]
    public void Same_seed_same_users_and_events()
    {
        var a = new ActivitySimulator(Catalogue(), new SimulatorOptions(20, 10, Seed: 5));
        var b = new ActivitySimulator(Catalogue(), new SimulatorOptions(20, 10, Seed: 5));
        var c = new ActivitySimulator(Catalogue(), new SimulatorOptions(20, 10, Seed: 6));
        Assert.Equal(a.FavouriteGenres, b.FavouriteGenres);
        static object Strip(ActivityEvent e) => (e.EventId, e.UserId, e.TrackId, e.Action);
        Assert.Equal(a.Events().Select(Strip), b.Events().Select(Strip));
        Assert.NotEqual(a.Events().Select(Strip), c.Events().Select(Strip));
        Assert.Equal(200, a.Events().Count());
        Assert.Equal(200, a.Events().Select(e => e.EventId).Distinct().Count());
    }

    [Fact]
    public void Users_favour_their_genre_and_like_there_and_skip_elsewhere()
    {
        var catalogue = Catalogue();
        var genreOf = catalogue.ToDictionary(t => t.TrackId, t => t.GenreId);
        var sim = new ActivitySimulator(catalogue, new SimulatorOptions(50, 40, Seed: 1));
        var events = sim.Events().ToList();
        Assert.All(sim.UserIds, u => Assert.True(UserIds.IsValid(u), u));
        Assert.True(sim.FavouriteGenres.Values.Distinct().Count() >= 4, "favourites spread over genres");

        bool InFavourite(ActivityEvent e) => genreOf[e.TrackId] == sim.FavouriteGenre(e.UserId);
        var share = events.Count(InFavourite) / (double)events.Count;
        Assert.InRange(share, 0.7, 0.9);
        var likes = events.Where(e => e.Action == Actions.Like).ToList();
        Assert.True(likes.Count(InFavourite) / (double)likes.Count > 0.9);
        var skips = events.Where(e => e.Action == Actions.Skip).ToList();
        Assert.True(skips.Count(e => !InFavourite(e)) / (double)skips.Count > 0.7);
        Assert.All(events, e => Assert.True(Actions.All.Contains(e.Action)));
    }

    [Fact]
    public void Tracks_picked_in_the_favourite_genre_are_nearer_the_taste_than_chance()
    {
        var catalogue = Catalogue(perGenre: 200);
        var sim = new ActivitySimulator(catalogue, new SimulatorOptions(1, 400, Seed: 2));
        var user = sim.UserIds.Single();
        var genreTracks = catalogue.Where(t => t.GenreId == sim.FavouriteGenre(user)).ToDictionary(t => t.TrackId);
        var picked = sim.Events().Where(e => genreTracks.ContainsKey(e.TrackId)).Select(e => e.TrackId).ToList();
        // picking the nearest of eight concentrates on a minority of the genre's tracks
        var distinctShare = picked.Distinct().Count() / (double)genreTracks.Count;
        Assert.True(distinctShare < 0.6, $"distinct share {distinctShare}");
    }

    [Fact]
    public async Task Run_sends_every_event_in_order_per_user_and_keeps_the_rate()
    {
        var sim = new ActivitySimulator(Catalogue(), new SimulatorOptions(5, 8, Rate: 100, Seed: 1));
        var publisher = new CollectingPublisher();
        var result = await sim.RunAsync(publisher);
        Assert.Equal(40, result.Sent);
        Assert.Equal(0, result.Failed);
        Assert.InRange(result.Elapsed.TotalSeconds, 0.3, 5); // 40 events at 100/s: about 0.4 s
        var expected = sim.Events().Select(e => e.EventId).ToList();
        foreach (var user in sim.UserIds)
            Assert.Equal(sim.Events().Where(e => e.UserId == user).Select(e => e.EventId),
                publisher.Events.Where(e => e.UserId == user).Select(e => e.EventId));
        Assert.Equal(expected.Order(), publisher.Events.Select(e => e.EventId).Order());
    }

    [Fact]
    public async Task Failed_publishes_are_counted_and_the_run_goes_on()
    {
        var sim = new ActivitySimulator(Catalogue(), new SimulatorOptions(3, 4, Seed: 1));
        var calls = 0;
        var result = await sim.RunAsync(new FlakyPublisher(() => Interlocked.Increment(ref calls) % 4 == 0));
        Assert.Equal(12, result.Sent + result.Failed);
        Assert.Equal(3, result.Failed);
        Assert.Equal("boom", result.FirstError);
    }

    private sealed class FlakyPublisher(Func<bool> fail) : IActivityPublisher
    {
        public Task PublishAsync(ActivityEvent activity, CancellationToken ct = default) =>
            fail() ? Task.FromException(new InvalidOperationException("boom")) : Task.CompletedTask;
    }

    [Fact]
    public async Task Catalogue_loads_from_a_store_and_events_reach_the_bus_as_valid_activity()
    {
        await using var store = new InMemoryTrackStore(Documents(perGenre: 5));
        var catalogue = await ActivitySimulator.LoadCatalogueAsync(store);
        Assert.Equal(41, catalogue.Count);

        var bus = new InProcessBus();
        using var publisher = new TransportActivityPublisher(new InProcessTransport(bus));
        var sim = new ActivitySimulator(catalogue, new SimulatorOptions(4, 5));
        var result = await sim.RunAsync(publisher);
        Assert.Equal(20, result.Sent);
        var ids = catalogue.Select(t => t.TrackId).ToHashSet();
        var records = bus.ReadAll(Topics.UserActivity);
        Assert.Equal(20, records.Count);
        Assert.All(records, r => Assert.IsType<ActivityValidation.Valid>(ActivityValidator.Validate(r.Value, ids.Contains)));
    }

    [Fact]
    public void A_catalogue_without_genres_is_refused() =>
        Assert.Throws<ArgumentException>(() => new ActivitySimulator([new SimulatedTrack(1, null, [1.0])], new SimulatorOptions(1, 1)));
}
