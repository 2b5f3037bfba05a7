using Xunit.Abstractions;

namespace MusicRec.IntegrationTests.EndToEnd;

/// <summary>
/// Issue 6's quality check on the real pipeline (sample audio → ETL → SQLite → index → simulator → in-process bus →
/// ActivityPipeline → UserRecommenderActor → recommendations topic): after 20 events per simulated user, at least
/// 70% of the recommended tracks are in the user's favourite top-level genre (random would be about one in eight).
/// Needs no external service.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class RecommendationQualityEndToEndTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _work = Path.Combine(Path.GetTempPath(), $"musicrec-quality-{Guid.NewGuid():N}");

    [Fact(Timeout = 600_000)]
    public async Task Most_recommendations_are_in_the_favourite_genre_after_20_events_per_user_on_the_real_pipeline()
    {
        Directory.CreateDirectory(_work);
        var log = new StringWriter();
        var result = await QualityEndToEnd.RunAsync(_work, new QualityEndToEnd.Options(Tracks: 200, Users: 48, EventsPerUser: 20), log);
        output.WriteLine(log.ToString());
        output.WriteLine("favourite-genre share: " + result);

        Assert.Equal(48 * 20, result.EventsSent);
        Assert.Equal(result.EventsSent, result.EventsApplied); // every simulated event reached a recommender
        Assert.Equal(0, result.DeadLettered);
        Assert.Equal(0, result.MalformedBatches);
        Assert.Equal(48 * (20 / 3), result.Batches); // one batch every third event: 6 per user
        Assert.Equal(8, result.Genres);
        Assert.InRange(result.RandomBaseline, 0.05, 0.25);
        Assert.True(result.OtherGenreShare < 0.35, "control: " + result);
        Assert.True(result.FavouriteGenreShare >= 0.70, result.ToString());
    }

    public void Dispose()
    {
        if (Environment.GetEnvironmentVariable("MUSICREC_TEST_KEEP") == "1" || !Directory.Exists(_work)) return;
        try { Directory.Delete(_work, recursive: true); }
        catch (IOException e) { output.WriteLine($"could not remove {_work}: {e.Message}"); }
    }
}
