using MusicRec.Recommendation;
using Xunit.Abstractions;
using static MusicRec.Tests.Recommendation.RecommenderTestKit;

namespace MusicRec.Tests.Recommendation;

/// <summary>
/// The quality check on a synthetic catalogue whose genres are clusters in feature space (8 genres, so random
/// suggestions would be in the favourite genre about one time in eight). The lead repeats it on the real sample.
/// </summary>
public class RecommendationQualityTests(ITestOutputHelper output)
{
    // Spread 0.25: genres overlap so that only about 56% of a track's 10 nearest neighbours share its genre
    // (SimilarityIndexTests.Index_space_recovers_genres_of_a_clustered_catalogue), roughly what MFCC statistics give on real music.
    private static readonly SimilarityIndex Index =
        SimilarityIndex.Build(SyntheticCatalogue.Create(100, seed: 12, spread: 0.25));

    [Fact]
    public async Task Most_recommendations_are_in_the_favourite_genre_after_20_events_per_user()
    {
        var report = await RecommendationQuality.EvaluateAsync(Index, RecommendationQuality.InProcess(Index),
            new QualityOptions { Users = 80, EventsPerUser = 20 });
        output.WriteLine("in process: " + report);
        Assert.Equal(80 * 6, report.Batches);
        Assert.Equal(0, report.MalformedBatches);
        Assert.True(report.FavouriteGenreShare >= 0.70, report.ToString());
        Assert.InRange(report.RandomBaseline, 0.10, 0.15);
    }

    [Fact]
    public async Task The_actors_give_the_same_quality_as_the_pure_logic()
    {
        var options = new QualityOptions { Users = 40, EventsPerUser = 20, UserPrefix = "actors" };
        var (host, region) = await StartHostAsync(false, PersistenceOptions.InMemory(), Index);
        try
        {
            var viaActors = await RecommendationQuality.EvaluateAsync(Index, RecommendationQuality.ThroughActors(region), options);
            var inProcess = await RecommendationQuality.EvaluateAsync(Index, RecommendationQuality.InProcess(Index), options);
            output.WriteLine("through actors: " + viaActors);
            Assert.Equal(inProcess, viaActors);
            Assert.True(viaActors.FavouriteGenreShare >= 0.70, viaActors.ToString());
        }
        finally
        {
            await host.StopAsync();
            host.Dispose();
        }
    }

    [Fact]
    public async Task A_catalogue_without_genre_structure_scores_near_the_random_baseline()
    {
        // Guards against a check that cannot fail: with genres assigned at random to the same features, the
        // favourite-genre share must collapse towards one in eight.
        var docs = SyntheticCatalogue.Create(100, seed: 12, spread: 0.25);
        var shuffled = new Random(3);
        var genres = docs.Select(d => d.Metadata.GenreTop).OrderBy(_ => shuffled.Next()).ToArray();
        var noStructure = SimilarityIndex.Build(docs.Select((d, i) => d with { Metadata = d.Metadata with { GenreTop = genres[i] } }));
        var report = await RecommendationQuality.EvaluateAsync(noStructure, RecommendationQuality.InProcess(noStructure),
            new QualityOptions { Users = 80, EventsPerUser = 20 });
        output.WriteLine("genres shuffled: " + report);
        Assert.True(report.FavouriteGenreShare < 0.4, report.ToString());
    }
}
