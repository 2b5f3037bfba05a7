using MusicRec.Contracts;
using MusicRec.Recommendation;
using MusicRec.Recommendation.Hybrid;
using MusicRec.Streaming;
using static MusicRec.Tests.Recommendation.Hybrid.HybridTestCatalog;

namespace MusicRec.Tests.Recommendation.Hybrid;

public class PopularityModelTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Counts_decay_by_half_per_half_life_and_likes_weigh_double()
    {
        var model = new PopularityModel(Create(8), new PopularityOptions { HalfLife = TimeSpan.FromDays(7) });
        model.Observe(1, Actions.Listen, Now.AddDays(-14));
        model.Observe(2, Actions.Like, Now);
        model.Observe(3, Actions.Skip, Now);
        Assert.Equal(0.25, model.ScoreOf(1, Now), 6);
        Assert.Equal(2, model.ScoreOf(2, Now), 6);
        Assert.Equal(0, model.ScoreOf(3, Now));
        Assert.Equal([2, 1], model.Top().Select(t => t.TrackId));
    }

    [Fact]
    public void Recent_plays_overtake_old_ones_whatever_the_order_they_arrive_in()
    {
        var model = new PopularityModel(Create(8));
        for (var i = 0; i < 3; i++) model.Observe(1, Actions.Listen, Now.AddDays(-30));
        model.Observe(2, Actions.Listen, Now);
        model.Observe(1, Actions.Listen, Now.AddDays(-31)); // late arrival of an old event
        Assert.Equal(2, model.Top().First().TrackId);
    }

    [Fact]
    public void Charts_per_genre_and_a_genre_diverse_popular_now_batch()
    {
        var catalog = Create(12); // genre of id: Rock 1,5,9  Folk 2,6,10  Jazz 3,7,11  Pop 4,8,12
        var model = new PopularityModel(catalog);
        foreach (var (track, plays) in new[] { (1, 9), (5, 8), (9, 7), (2, 3), (3, 2), (6, 1) })
            for (var i = 0; i < plays; i++) model.Observe(track, Actions.Listen, Now);
        Assert.Equal([2, 6], model.Top("Folk").Select(t => t.TrackId));
        // Three Rock tracks lead the chart, but the batch takes the best of three genres.
        Assert.Equal([1, 2, 3], model.PopularNow(3));
        Assert.Equal([5, 2, 3], model.PopularNow(3, id => id == 1));
        Assert.Equal([1, 2, 3, 5, 9], model.PopularNow(5));
    }

    [Fact]
    public void Very_long_runs_rebase_without_overflow()
    {
        var model = new PopularityModel(Create(4), new PopularityOptions { HalfLife = TimeSpan.FromHours(1) });
        model.Observe(1, Actions.Listen, Now);
        model.Observe(2, Actions.Listen, Now.AddDays(30)); // 720 half-lives later
        Assert.True(double.IsFinite(model.ScoreOf(2, Now.AddDays(30))));
        Assert.Equal(1, model.ScoreOf(2, Now.AddDays(30)), 6);
        Assert.Equal([2, 1], model.Top().Select(t => t.TrackId));
    }

    [Fact]
    public void A_chart_read_past_the_tracks_it_keeps_in_order_ranks_as_a_full_sort()
    {
        var catalog = Create(300);
        var deep = new PopularityModel(catalog); // keeps more than 300: never reads past its kept best
        var shallow = new PopularityModel(catalog, null, chartDepth: 8);
        var random = new Random(9);
        for (var i = 0; i < 5000; i++)
        {
            var track = 1 + (int)(299 * Math.Pow(random.NextDouble(), 3)); // long-tailed, as listening is
            var action = random.Next(3) switch { 0 => Actions.Like, 1 => Actions.Listen, _ => Actions.Skip };
            var at = Now.AddMinutes(random.Next(-20_000, 20_000)); // out of order
            deep.Observe(track, action, at);
            shallow.Observe(track, action, at);
        }
        Func<int, bool> excluded = id => id % 3 == 0 || id < 40;
        foreach (var genre in new string?[] { null, "Rock", "Folk" })
        {
            Assert.Equal(deep.Top(genre), shallow.Top(genre));
            Assert.Equal(deep.Top(genre, excluded, 50), shallow.Top(genre, excluded, 50));
        }
        Assert.Equal(deep.PopularNow(6, excluded), shallow.PopularNow(6, excluded));
        var expected = Enumerable.Range(1, 300).Select(id => (Id: id, Score: deep.ScoreOf(id, Now)))
            .Where(t => t.Score > 0 && !excluded(t.Id)).OrderByDescending(t => t.Score).ThenBy(t => t.Id).Take(50).Select(t => t.Id);
        Assert.Equal(expected, shallow.Top(null, excluded, 50).Select(t => t.TrackId));
    }

    [Fact]
    public async Task Charts_can_be_read_while_the_owner_writes()
    {
        var model = new PopularityModel(Create(400));
        var random = new Random(4);
        var events = Enumerable.Range(0, 40_000).Select(i => (Track: 1 + random.Next(400), At: Now.AddSeconds(i))).ToArray();
        using var done = new CancellationTokenSource();
        var readers = Enumerable.Range(0, 2).Select(r => Task.Run(() =>
        {
            var reads = 0;
            while (!done.IsCancellationRequested || reads == 0)
            {
                var top = model.Top(r == 0 ? null : "Rock", limit: 20);
                // A chart read in one piece is in order, whatever the writer did meanwhile.
                for (var i = 1; i < top.Count; i++) Assert.True(top[i - 1].Score >= top[i].Score);
                Assert.True(model.PopularNow(3).Count <= 3);
                reads++;
            }
            return reads;
        })).ToArray();
        foreach (var (track, at) in events) model.Observe(track, Actions.Listen, at);
        done.Cancel();
        Assert.All(await Task.WhenAll(readers), reads => Assert.True(reads > 0));

        var alone = new PopularityModel(Create(400));
        foreach (var (track, at) in events) alone.Observe(track, Actions.Listen, at);
        Assert.Equal(alone.Top(limit: 50), model.Top(limit: 50));
    }
}

public class CandidateSourceTests
{
    [Fact]
    public void Co_listening_source_suggests_what_co_listeners_played_and_says_so()
    {
        var catalog = Create(20);
        var model = new CoListeningModel();
        for (var u = 0; u < 6; u++)
            foreach (var t in new[] { 1, 7, 13 }) model.Observe($"fan{u}", t, Actions.Like);
        for (var u = 0; u < 6; u++)
            foreach (var t in new[] { 2, 3 }) model.Observe($"other{u}", t, Actions.Listen);
        var source = new CoListeningSource(model, catalog);
        var context = Context("me", [Item(1, Actions.Like)]);
        var into = new List<Candidate>();
        source.Collect(context, 10, into);
        Assert.Equal([7, 13], into.Select(c => c.TrackId).Order());
        Assert.All(into, c => Assert.Equal(1, c.Anchor));
        Assert.Equal("listeners who liked Song 1 (Artist 1) also liked this", source.Explain(into[0], context));

        // Heard tracks are never candidates.
        into.Clear();
        source.Collect(Context("me", [Item(7, Actions.Listen), Item(1, Actions.Like)]), 10, into);
        Assert.Equal([13], into.Select(c => c.TrackId));
    }

    [Fact]
    public void A_negative_skip_pushes_co_listeners_of_the_skipped_track_down()
    {
        var catalog = Create(20);
        var model = new CoListeningModel();
        for (var u = 0; u < 6; u++)
        {
            foreach (var t in new[] { 1, 5 }) model.Observe($"a{u}", t, Actions.Listen);
            foreach (var t in new[] { 2, 5, 6 }) model.Observe($"b{u}", t, Actions.Listen);
        }
        var history = new[] { Item(2, Actions.Skip), Item(1, Actions.Like) };
        var seen = new List<Candidate>();
        new CoListeningSource(model, catalog, new TasteReading { Skips = SkipPolicy.Seen }).Collect(Context("me", history), 10, seen);
        var negative = new List<Candidate>();
        new CoListeningSource(model, catalog, new TasteReading { Skips = SkipPolicy.Negative }).Collect(Context("me", history), 10, negative);
        Assert.Equal([5], seen.Select(c => c.TrackId));
        Assert.True(negative.Single().Score < seen.Single().Score);
    }

    [Fact]
    public void Popularity_source_prefers_the_listeners_genres_and_serves_a_cold_start()
    {
        var catalog = Create(12);
        var model = new PopularityModel(catalog);
        var now = new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
        foreach (var (track, plays) in new[] { (1, 9), (5, 8), (2, 3), (6, 2), (3, 1) })
            for (var i = 0; i < plays; i++) model.Observe(track, Actions.Listen, now);
        var source = new PopularitySource(model, catalog);

        var cold = new List<Candidate>();
        source.Collect(Context("new", []), 3, cold);
        Assert.Equal([1, 2, 3], cold.Select(c => c.TrackId)); // one per genre

        var folkFan = Context("folk", [Item(10, Actions.Like)]);
        var into = new List<Candidate>();
        source.Collect(folkFan, 3, into);
        Assert.Equal(2, into[0].TrackId);
        Assert.Equal("popular this week in Folk", source.Explain(into[0], folkFan));
    }

    [Fact]
    public void Audio_source_follows_the_listeners_timbre_and_names_the_closest_track()
    {
        var docs = SyntheticCatalogue.Create(tracksPerGenre: 20, seed: 5);
        var index = SimilarityIndex.Build(docs);
        var catalog = new TrackCatalog(index.Tracks);
        var source = new AudioSource(index, catalog);
        var rock = docs.Where(d => d.Metadata.GenreTop == "Rock").Select(d => d.TrackId).ToList();
        var context = Context("me", rock.Take(4).Select(t => Item(t, Actions.Like)));
        var into = new List<Candidate>();
        source.Collect(context, 10, into);
        Assert.Equal(10, into.Count);
        Assert.DoesNotContain(into, c => rock.Take(4).Contains(c.TrackId));
        Assert.True(into.Count(c => catalog.GenreOf(c.TrackId) == "Rock") >= 8);
        Assert.StartsWith("close in timbre to ", source.Explain(into[0], context));
        Assert.EndsWith(", which you liked", source.Explain(into[0], context));

        var similar = source.Similar(rock[0], 5);
        Assert.Equal(5, similar.Count);
        Assert.DoesNotContain(similar, s => s.TrackId == rock[0]);
    }

    [Fact]
    public void Audio_neighbour_lists_are_each_tracks_exact_nearest_best_first()
    {
        var index = SimilarityIndex.Build(SyntheticCatalogue.Create(tracksPerGenre: 20, seed: 5));
        var lists = index.Neighbours(perTrack: 6, searchBeam: 40);
        Assert.Same(lists, index.Neighbours(6, 40));
        foreach (var track in index.Tracks.Take(20).Select(t => t.TrackId))
        {
            var exact = index.TopK(index.VectorOf(track), 6, id => id == track);
            Assert.Equal(exact.Select(e => e.TrackId), lists.Of(track).ToArray().Select(n => n.TrackId));
        }
        Assert.True(lists.Of(-1).IsEmpty);
    }

    [Fact]
    public void Summed_audio_source_favours_tracks_near_several_anchors_and_names_the_nearest_one()
    {
        // Unit vectors in 3-D: 10 and 11 point one way, 12 another; 20 lies between 10 and 12, 21 next to 10 alone.
        static float[] V(double x, double y, double z) => [(float)x, (float)y, (float)z];
        var vectors = new Dictionary<int, float[]>
        {
            [10] = V(1, 0, 0), [11] = V(0.99, 0.1, 0), [12] = V(0, 1, 0), [20] = V(0.7, 0.7, 0.1),
            [21] = V(0.9, -0.3, 0.3), [30] = V(0, 0, 1), [31] = V(-1, 0, 0),
        };
        var tracks = vectors.Keys.Select(id => new TrackInfo(id, $"t{id}", $"a{id}", "Rock", 12)).ToList();
        var index = SimilarityIndex.FromVectors(tracks, vectors.Values.ToList());
        var source = new AudioSource(index, new TrackCatalog(tracks), neighbours: index.Neighbours(4, 40));
        // 12 is the newest like, 10 was liked before it; 11 was played and is heard.
        var context = Context("me", [Item(12, Actions.Like), Item(10, Actions.Listen), Item(11, Actions.Skip)]);
        var into = new List<Candidate>();
        source.Collect(context, 3, into);
        Assert.Equal(20, into[0].TrackId);
        Assert.DoesNotContain(into, c => c.TrackId is 10 or 11 or 12);
        Assert.All(into, c => Assert.True(c.Anchor is 10 or 12));
        Assert.Equal("close in timbre to t10 (a10), which you listened to",
            source.Explain(into.First(c => c.TrackId == 21), context));
    }
}
