using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;
using MusicRec.Contracts;
using MusicRec.Recommendation;
using MusicRec.Recommendation.Hybrid;
using MusicRec.Recommendation.Model;
using MusicRec.Stores;
using MusicRec.Streaming;
using MusicRec.Web;

namespace MusicRec.IntegrationTests.Browser;

/// <summary>A new listener opens the page and sees the node's "popular now" batch, before any event of their own.</summary>
public sealed class ColdStartBrowserTests : IAsyncLifetime
{
    private readonly FakeRecommender _recommender = new(FakeRecommender.Catalogue());
    private readonly ListeningModel _model = new(new TrackCatalog(FakeRecommender.Catalogue()
        .Select(d => new TrackInfo(d.TrackId, d.Metadata.Title, d.Metadata.ArtistName, d.Metadata.GenreTop, null))));
    private WebApplication? _app;
    private Uri _base = null!;

    public async Task InitializeAsync()
    {
        // Other listeners played: Rock's 5 most, then Folk's 9, Hip-Hop's 1, and Rock's 7 (second in Rock).
        var t0 = DateTimeOffset.UtcNow.AddHours(-1);
        int[] plays = [5, 5, 5, 5, 9, 9, 9, 1, 1, 7, 7, 7];
        _model.Observe([.. plays.Select((track, i) => new ActivityEvent($"e{i}", $"other{i % 4}", track, Actions.Listen, t0.AddSeconds(i)))]);
        _app = MusicRecWebHost.Create(new WebOptions { Url = "http://127.0.0.1:0" }, builder =>
        {
            builder.Logging.ClearProviders();
            builder.Services.AddSingleton<IActivityPublisher>(_recommender);
            builder.Services.AddSingleton<IRecommendationFeed>(_recommender);
            builder.Services.AddSingleton<ITrackStore>(new InMemoryTrackStore(FakeRecommender.Catalogue()));
            builder.Services.AddSingleton(_model);
        });
        await _app.StartAsync();
        _base = MusicRecWebHost.BoundAddress(_app);
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_new_listener_sees_a_genre_diverse_popular_now_batch_then_their_own()
    {
        await using var chromium = await DebianChromium.LaunchAsync();
        var page = await chromium.Browser.NewPageAsync();
        await page.GotoAsync(new Uri(_base, "/?user=newcomer").ToString());

        var current = page.Locator("#current");
        await Assertions.Expect(current).ToHaveAttributeAsync("data-kind", "popular-now", new() { Timeout = 5000 });
        await Assertions.Expect(current).ToHaveAttributeAsync("data-batch-id", "newcomer-0");
        await Assertions.Expect(page.Locator("#current-meta")).ToContainTextAsync("Popular now");
        var cards = page.Locator("#tracks article[data-track-id]");
        await Assertions.Expect(cards).ToHaveCountAsync(3);
        // Rock's top track, then the top of two other genres: Rock's 7 waits although it was played more than 1.
        Assert.Equal(["5", "9", "1"], await cards.EvaluateAllAsync<string[]>("cards => cards.map(c => c.dataset.trackId)"));
        await Assertions.Expect(page.Locator("article[data-track-id='5'] .because")).ToHaveTextAsync("popular this week in Rock");
        Assert.Equal(0, await page.Locator("#tracks article[data-starter]").CountAsync());

        // A like on it is an ordinary event: the listener's own first batch replaces the popular one.
        await page.Locator("article[data-track-id='9'] button[data-action='like']").ClickAsync();
        await Assertions.Expect(current).ToHaveAttributeAsync("data-kind", "own", new() { Timeout = 10000 });
        await Assertions.Expect(current).ToHaveAttributeAsync("data-batch-id", "newcomer-1");
    }
}
