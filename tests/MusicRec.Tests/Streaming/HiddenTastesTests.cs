using MusicRec.Contracts;
using MusicRec.Recommendation;
using MusicRec.Recommendation.Hybrid;
using MusicRec.Streaming;
using MusicRec.Streaming.Simulation;

namespace MusicRec.Tests.Streaming;

public class HiddenTastesTests
{
    /// <summary>8 genres x 30 tracks, 40 artists of 6 tracks each (spread over genres).</summary>
    internal static List<SimulatedTrack> Catalogue() =>
        [.. Enumerable.Range(0, 240).Select(i => new SimulatedTrack(i + 1, i % 8 + 1, [i % 8, i % 5]) { Artist = $"Artist {i % 40}" })];

    [Fact]
    public void Listeners_of_each_kind_like_what_their_kind_says()
    {
        var tastes = new HiddenTastes(Catalogue(), new HiddenTasteOptions { Users = 200, Seed = 3 });
        var kinds = tastes.UserIds.GroupBy(tastes.KindOf).ToDictionary(g => g.Key, g => g.ToList());
        Assert.InRange(kinds[ListenerKind.GenreLoyal].Count, 60, 100);
        Assert.InRange(kinds[ListenerKind.CrossGenreGroup].Count, 60, 100);
        Assert.InRange(kinds[ListenerKind.ArtistFan].Count, 20, 60);

        var loyal = kinds[ListenerKind.GenreLoyal][0];
        Assert.All(Enumerable.Range(1, 240), t => Assert.Equal(tastes.GenreOfTrack(t) == tastes.GenreOf(loyal), tastes.Likes(loyal, t)));

        // A group's favourites: about one track in twelve, across most genres, and the same for the whole group.
        var member = kinds[ListenerKind.CrossGenreGroup][0];
        var liked = Enumerable.Range(1, 240).Where(t => tastes.Likes(member, t)).ToList();
        Assert.Equal(20, liked.Count);
        Assert.True(liked.Select(tastes.GenreOfTrack).Distinct().Count() >= 5);
        var mate = kinds[ListenerKind.CrossGenreGroup].First(u => u != member && tastes.GroupOf(u) == tastes.GroupOf(member));
        Assert.All(liked, t => Assert.True(tastes.Likes(mate, t)));
    }

    [Fact]
    public void Answers_follow_the_taste_and_own_choices_favour_liked_tracks()
    {
        var tastes = new HiddenTastes(Catalogue(), new HiddenTasteOptions { Users = 20, Seed = 5 });
        var random = new Random(1);
        var user = tastes.UserIds.First(u => tastes.KindOf(u) == ListenerKind.CrossGenreGroup);
        var liked = Enumerable.Range(1, 240).First(t => tastes.Likes(user, t));
        var disliked = Enumerable.Range(1, 240).First(t => !tastes.Likes(user, t));
        var onLiked = Enumerable.Range(0, 1000).Select(_ => tastes.Answer(user, liked, random)).ToList();
        var onOther = Enumerable.Range(0, 1000).Select(_ => tastes.Answer(user, disliked, random)).ToList();
        Assert.True(onLiked.Count(a => a == Actions.Skip) < 100);
        Assert.True(onOther.Count(a => a == Actions.Skip) > 650);
        var own = Enumerable.Range(0, 1000).Count(_ => tastes.Likes(user, tastes.OwnChoice(user, random)));
        Assert.InRange(own, 650, 850); // 70% aimed at liked tracks, plus chance hits
    }

    [Fact]
    public async Task Closed_loop_scores_a_recommender_against_random_picks()
    {
        var tastes = new HiddenTastes(Catalogue(), new HiddenTasteOptions { Users = 30, Seed = 2 });
        // An oracle that recommends what the listener likes, and one that recommends at random.
        var oracle = await ClosedLoop.RunAsync(tastes, 10, e =>
            Task.FromResult<IReadOnlyList<int>>(Enumerable.Range(1, 240).Where(t => tastes.Likes(e.UserId, t)).Take(3).ToList()));
        var random = new Random(4);
        var blind = await ClosedLoop.RunAsync(tastes, 10, _ =>
            Task.FromResult<IReadOnlyList<int>>([random.Next(1, 241), random.Next(1, 241), random.Next(1, 241)]));
        Assert.Equal(300, oracle.Events);
        foreach (var (kind, f) in oracle.Kinds.Where(k => k.Value.Listeners > 0))
        {
            Assert.Equal(1.0, f.LikedShare);
            Assert.True(f.RandomLikedShare < 0.3, $"{kind}: random {f.RandomLikedShare}");
            Assert.InRange(blind.Kinds[kind].LikedShare, 0, 0.3);
        }
    }

    [Fact]
    public async Task The_hybrid_learns_a_cross_genre_groups_taste_from_the_other_members()
    {
        // Only group listeners: their shared favourites cut across genres, so only co-listening can find them.
        var catalogue = Catalogue();
        var tastes = new HiddenTastes(catalogue, new HiddenTasteOptions { Users = 40, Seed = 7, GenreLoyalShare = 0, GroupShare = 1 });
        var catalog = new TrackCatalog(catalogue.Select(t => new TrackInfo(t.TrackId, $"Song {t.TrackId}", t.Artist, $"Genre {t.GenreId}", t.GenreId)));
        var session = new HybridSession(catalog, index: null);
        var report = await ClosedLoop.RunAsync(tastes, 12, e => Task.FromResult<IReadOnlyList<int>>([.. session.Observe(e).Select(s => s.TrackId)]));
        var group = report.Kinds[ListenerKind.CrossGenreGroup];
        Assert.True(group.LikedShare > 3 * group.RandomLikedShare, $"liked {group.LikedShare:P1}, random {group.RandomLikedShare:P1}");
        Assert.True(session.CoListening.Listeners == 40);
    }
}
