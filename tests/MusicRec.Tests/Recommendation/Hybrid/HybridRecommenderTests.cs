using MusicRec.Contracts;
using MusicRec.Recommendation;
using MusicRec.Recommendation.Hybrid;
using MusicRec.Streaming;
using static MusicRec.Tests.Recommendation.Hybrid.HybridTestCatalog;

namespace MusicRec.Tests.Recommendation.Hybrid;

public class HybridRecommenderTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly BlendOptions NoExploration = new() { ExplorationShare = 0 };

    private static (HybridRecommender Blend, CoListeningModel CoListening, PopularityModel Popularity) Build(TrackCatalog catalog, BlendOptions? options = null)
    {
        var colistening = new CoListeningModel();
        var popularity = new PopularityModel(catalog);
        var blend = new HybridRecommender(catalog,
            [new CoListeningSource(colistening, catalog), new PopularitySource(popularity, catalog)], options ?? NoExploration);
        return (blend, colistening, popularity);
    }

    private static void Play(CoListeningModel c, PopularityModel p, string user, int track, string action = Actions.Listen)
    {
        c.Observe(user, track, action);
        p.Observe(track, action, Now);
    }

    [Fact]
    public void A_new_listener_gets_a_genre_diverse_popular_batch_of_three_with_reasons()
    {
        var catalog = Create(40, id => $"Solo {id}");
        var (blend, c, p) = Build(catalog);
        foreach (var (track, plays) in new[] { (1, 9), (5, 8), (9, 7), (2, 4), (3, 3), (4, 1) })
            for (var i = 0; i < plays; i++) Play(c, p, $"u{i}", track);
        var batch = blend.Recommend(Context("newcomer", []));
        Assert.Equal([1, 2, 3], batch.Select(s => s.TrackId));
        Assert.All(batch, s => Assert.Equal("popularity", s.Source));
        Assert.Equal(["popular this week in Rock", "popular this week in Folk", "popular this week in Jazz"], batch.Select(s => s.Because));
    }

    [Fact]
    public void Co_listening_leads_and_heard_tracks_stay_out()
    {
        var catalog = Create(40);
        var (blend, c, p) = Build(catalog);
        for (var u = 0; u < 5; u++)
            foreach (var t in new[] { 10, 20, 30, 35 }) Play(c, p, $"group{u}", t, Actions.Like);
        for (var u = 0; u < 20; u++) Play(c, p, $"mass{u}", 1); // the most popular track overall
        var batch = blend.Recommend(Context("me", [Item(10, Actions.Like), Item(20, Actions.Listen)]));
        Assert.Equal(3, batch.Count);
        Assert.DoesNotContain(batch, s => s.TrackId is 10 or 20);
        Assert.Equal(["colistening", "colistening"], batch.Take(2).Select(s => s.Source));
        Assert.Equal([30, 35], batch.Take(2).Select(s => s.TrackId).Order());
        Assert.Equal("listeners who liked Song 10 (Artist 5) also liked this", batch[0].Because);
    }

    [Fact]
    public void A_batch_holds_one_track_per_artist_while_there_is_a_choice()
    {
        // Tracks 11..16 by one artist, the rest by artists of their own.
        var catalog = Create(40, id => id is >= 11 and <= 16 ? "Same" : $"Solo {id}");
        var (blend, c, p) = Build(catalog);
        for (var u = 0; u < 6; u++)
        {
            foreach (var t in new[] { 1, 11, 12, 13, 14 }) Play(c, p, $"a{u}", t, Actions.Like);
            if (u < 2) Play(c, p, $"a{u}", 25);
            if (u < 3) Play(c, p, $"a{u}", 30);
        }
        var batch = blend.Recommend(Context("me", [Item(1, Actions.Like)]));
        Assert.Single(batch, s => catalog.ArtistOf(s.TrackId) == catalog.ArtistOf(11));
        Assert.Contains(batch, s => s.TrackId == 25);

        // Only one artist's tracks left: a full batch still beats a short one.
        var only = Create(6, _ => "Same");
        var (small, c2, p2) = Build(only);
        for (var t = 1; t <= 6; t++) Play(c2, p2, "x", t);
        Assert.Equal(3, small.Recommend(Context("me", [Item(1, Actions.Like)])).Count);
    }

    [Fact]
    public void Exploration_is_seeded_and_takes_about_its_share()
    {
        var catalog = Create(200);
        var (blend, c, p) = Build(catalog, new BlendOptions { ExplorationShare = 0.2 });
        for (var u = 0; u < 5; u++)
            foreach (var t in new[] { 1, 2, 3, 4, 5, 6 }) Play(c, p, $"g{u}", t, Actions.Like);
        var explored = 0;
        for (var seed = 0; seed < 300; seed++)
        {
            var context = Context("me", [Item(1, Actions.Like)], seed: seed);
            var batch = blend.Recommend(context);
            Assert.Equal(batch, blend.Recommend(context)); // same seed, same batch
            explored += batch.Count(s => s.Source == HybridRecommender.Exploration);
        }
        Assert.InRange(explored / 900.0, 0.14, 0.26);
    }

    [Fact]
    public void Liked_tracks_heard_long_ago_come_back_when_nothing_fresh_is_left()
    {
        // 150 tracks, one listener who has heard them all: without replacement there is nothing to suggest.
        var catalog = Create(150);
        var (blend, c, p) = Build(catalog);
        var history = Enumerable.Range(1, 150)
            .Select(t => Item(t, t % 3 == 0 ? Actions.Like : t % 3 == 1 ? Actions.Listen : Actions.Skip))
            .Reverse().ToList(); // newest (150) first
        foreach (var h in history) Play(c, p, "me", h.TrackId, h.Action);
        var recent = new HashSet<int> { 129 };
        var context = Context("me", history) with { IsRecentlyRecommended = recent.Contains };
        var batch = blend.Recommend(context);
        Assert.Equal(3, batch.Count);
        Assert.All(batch, s => Assert.Equal(HybridRecommender.Replacement, s.Source));
        // Liked tracks first, the least long ago first (at least 20 events back: 150 - 20 = 130), never the recently
        // recommended 129 nor a skipped track.
        Assert.Equal([126, 123, 120], batch.Select(s => s.TrackId));
        Assert.StartsWith("you liked Song 126", batch[0].Because);
        Assert.All(batch, s => Assert.True(s.Score < new BlendOptions().LikedReplacementDecay + 1e-9));

        // Heard only 10 events ago: too recent to come back; random picks cannot fill either, so the batch is empty.
        var recentOnly = Context("me", history.Take(10));
        var allHeard = recentOnly with { IsExcluded = _ => true };
        Assert.Empty(blend.Recommend(allHeard));
    }

    [Fact]
    public void A_listener_who_heard_most_of_a_small_catalogue_keeps_getting_full_batches()
    {
        // The case: 150 tracks, 112 events, a batch per event: every one of them has three tracks.
        var catalog = Create(150);
        var (blend, c, p) = Build(catalog, new BlendOptions());
        var random = new Random(9);
        var history = new List<HistoryEntry>();
        var recommended = new HashSet<int>();
        var full = 0;
        for (var e = 0; e < 112; e++)
        {
            var track = random.Next(1, 151);
            var action = random.Next(3) == 0 ? Actions.Like : Actions.Listen;
            Play(c, p, "me", track, action);
            history.Insert(0, Item(track, action));
            var heard = history.Select(h => h.TrackId).ToHashSet();
            var context = new RecommendationContext("me", history.Take(50).ToList(), id => heard.Contains(id) || recommended.Contains(id)) { Seed = e };
            var batch = blend.Recommend(context);
            foreach (var s in batch) recommended.Add(s.TrackId);
            if (batch.Count == 3) full++;
        }
        Assert.Equal(112, full);
    }

    [Fact]
    public void Weights_decide_which_source_leads()
    {
        var catalog = Create(60);
        var colistening = new CoListeningModel();
        var popularity = new PopularityModel(catalog);
        for (var u = 0; u < 5; u++)
            foreach (var t in new[] { 10, 30 }) { colistening.Observe($"g{u}", t, Actions.Like); popularity.Observe(t, Actions.Like, Now); }
        for (var u = 0; u < 30; u++) popularity.Observe(50, Actions.Listen, Now);
        MusicRec.Recommendation.Hybrid.ICandidateSource[] sources = [new CoListeningSource(colistening, catalog), new PopularitySource(popularity, catalog)];
        var context = Context("me", [Item(10, Actions.Like)], count: 1);
        Assert.Equal(30, new HybridRecommender(catalog, sources, NoExploration with { PopularityWeight = 0.1 }).Recommend(context)[0].TrackId);
        Assert.Equal(50, new HybridRecommender(catalog, sources, NoExploration with { CoListeningWeight = 0.1, PopularityWeight = 1 }).Recommend(context)[0].TrackId);
    }

    /// <summary>A source that offers fixed candidates (those the context allows), so the blend's own arithmetic is what is tested.</summary>
    private sealed class FixedSource(params Candidate[] candidates) : MusicRec.Recommendation.Hybrid.ICandidateSource
    {
        public string Name => "colistening";

        public void Collect(RecommendationContext context, int limit, List<Candidate> into) =>
            into.AddRange(candidates.Where(c => !context.IsExcluded(c.TrackId)).Take(limit));

        public string Explain(Candidate candidate, RecommendationContext context) => "fixed";
    }

    // Track 9 is Rock, 14 Folk (genres dealt in turn, artists of their own); the listener liked Rock tracks 1 and 5.
    private static readonly Candidate[] RockBelowFolk = [new(14, 1.0, 0), new(9, 0.95, 0)];

    [Fact]
    public void Without_a_genre_weight_the_blend_ranks_by_the_sources_scores_alone()
    {
        var catalog = Create(40);
        var context = Context("me", [Item(1, Actions.Like), Item(5, Actions.Like)], count: 2);
        var picks = new HybridRecommender(catalog, [new FixedSource(RockBelowFolk)], NoExploration with { GenreWeight = 0 }).Rank(context);
        Assert.Equal([14, 9], picks.Select(p => p.Candidate.TrackId));
        Assert.Equal([1.0, 0.95], picks.Select(p => p.Score));
    }

    [Fact]
    public void A_genre_weight_lifts_a_candidate_of_the_listeners_genre_above_a_slightly_better_one_of_another()
    {
        var catalog = Create(40);
        var blend = new HybridRecommender(catalog, [new FixedSource(RockBelowFolk)], NoExploration with { GenreWeight = 0.3 });
        var rockFan = blend.Rank(Context("me", [Item(1, Actions.Like), Item(5, Actions.Like)], count: 2));
        Assert.Equal([9, 14], rockFan.Select(p => p.Candidate.TrackId));
        Assert.Equal(0.95 + 0.3, rockFan[0].Score, 9); // the whole weight: every anchor is Rock
        Assert.Equal(1.0, rockFan[1].Score, 9);

        // Anchors split between Rock (1, liked) and Folk (2, liked just before): each genre gets its share, recency
        // included (Folk 2 is the newer, so Folk's share is 1 / 1.9 and Rock's 0.9 / 1.9), and Folk stays ahead.
        var mixed = blend.Rank(Context("me", [Item(2, Actions.Like), Item(1, Actions.Like)], count: 2));
        Assert.Equal([14, 9], mixed.Select(p => p.Candidate.TrackId));
        Assert.Equal(1.0 + 0.3 / 1.9, mixed[0].Score, 9);
        Assert.Equal(0.95 + 0.3 * 0.9 / 1.9, mixed[1].Score, 9);
    }

    [Fact]
    public void The_genre_term_counts_positive_anchors_only_and_skips_unknown_genres()
    {
        // A skip (even read as negative) is not a taste for its genre; a catalogue without genres gives no term.
        var catalog = Create(40);
        var reading = new TasteReading { Skips = SkipPolicy.Negative };
        var blend = new HybridRecommender(catalog, [new FixedSource(RockBelowFolk)], NoExploration with { GenreWeight = 0.3 }, reading);
        var skipped = blend.Rank(Context("me", [Item(1, Actions.Skip), Item(5, Actions.Skip), Item(2, Actions.Listen)], count: 2));
        Assert.Equal([14, 9], skipped.Select(p => p.Candidate.TrackId));
        Assert.Equal(1.0 + 0.3, skipped[0].Score, 9);

        var bare = TrackCatalog.FromIds(Enumerable.Range(1, 40));
        var noGenres = new HybridRecommender(bare, [new FixedSource(RockBelowFolk)], NoExploration with { GenreWeight = 0.3 })
            .Rank(Context("me", [Item(1, Actions.Like), Item(5, Actions.Like)], count: 2));
        Assert.Equal([1.0, 0.95], noGenres.Select(p => p.Score));
    }
}
