using Stopwatch = System.Diagnostics.Stopwatch;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;
using MusicRec.Contracts;
using MusicRec.Stores;
using MusicRec.Streaming;
using MusicRec.Web;
using Xunit.Abstractions;

namespace MusicRec.IntegrationTests.Browser;

/// <summary>
/// The page in Debian's Chromium (Playwright, headless) against the real web host on Kestrel, with a fake
/// recommender behind the bus interfaces.
/// </summary>
public sealed class BrowserPageTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string User = "browser-user";
    private readonly FakeRecommender _recommender = new(FakeRecommender.Catalogue());
    private WebApplication? _app;
    private Uri _base = null!;

    public async Task InitializeAsync()
    {
        _app = MusicRecWebHost.Create(new WebOptions { Url = "http://127.0.0.1:0" }, builder =>
        {
            builder.Logging.ClearProviders();
            builder.Services.AddSingleton<IActivityPublisher>(_recommender);
            builder.Services.AddSingleton<IRecommendationFeed>(_recommender);
            builder.Services.AddSingleton<ITrackStore>(new InMemoryTrackStore(FakeRecommender.Catalogue()));
        });
        await _app.StartAsync();
        _base = MusicRecWebHost.BoundAddress(_app);
        Assert.True(_base.IsLoopback, $"the web host must bind to loopback, got {_base}");
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
    public async Task Like_brings_a_new_batch_of_three_through_SSE_and_markup_in_titles_shows_as_text()
    {
        var started = Stopwatch.StartNew();
        // The user's first batch exists before the page opens (as after earlier listening).
        await _recommender.PublishAsync(new ActivityEvent(Guid.NewGuid().ToString(), User, 9, Actions.Listen, DateTimeOffset.UtcNow));

        await using var chromium = await DebianChromium.LaunchAsync();
        var browser = chromium.Browser;
        output.WriteLine($"chromium {browser.Version} from {DebianChromium.ExecutablePath()}, launched in {started.ElapsedMilliseconds} ms");
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        var dialogs = new List<string>();
        page.Dialog += async (_, dialog) => { dialogs.Add(dialog.Message); await dialog.DismissAsync(); };
        var consoleErrors = new List<string>();
        page.Console += (_, message) => { if (message.Type == "error") consoleErrors.Add(message.Text); };

        await page.GotoAsync(new Uri(_base, $"/?user={User}").ToString());
        var current = page.Locator("#current");
        await Assertions.Expect(current).ToHaveAttributeAsync("data-batch-id", $"{User}-1", new() { Timeout = 5000 });
        var cards = page.Locator("#tracks article[data-track-id]");
        await Assertions.Expect(cards).ToHaveCountAsync(3);
        Assert.Equal(["1", "2", "3"], await TrackIdsAsync(cards));

        // Markup in catalogue texts is text: shown literally, no element made from it, no script run.
        Assert.Equal("<script>alert(1)</script>", await page.Locator("article[data-track-id='2'] .title").TextContentAsync());
        Assert.Equal("<img src=x onerror=alert(2)>", await page.Locator("article[data-track-id='3'] .artist").TextContentAsync());
        Assert.Equal(0, await page.Locator("#tracks script, #tracks img").CountAsync());

        // The MFCC picture: 20 bars per track.
        await Assertions.Expect(page.Locator("article[data-track-id='1'] svg.mfcc rect")).ToHaveCountAsync(20, new() { Timeout = 5000 });

        await page.EvaluateAsync("() => { window.__noReload = true; }");
        var clicked = Stopwatch.StartNew();
        await page.Locator("article[data-track-id='1'] button[data-action='like']").ClickAsync();
        await Assertions.Expect(current).ToHaveAttributeAsync("data-batch-id", $"{User}-2", new() { Timeout = 5000 });
        var seenAfter = clicked.ElapsedMilliseconds;
        await Assertions.Expect(cards).ToHaveCountAsync(3);
        Assert.Equal(["4", "5", "6"], await TrackIdsAsync(cards));
        Assert.True(await page.EvaluateAsync<bool>("() => window.__noReload === true"), "the page reloaded instead of updating live");
        await Assertions.Expect(page.Locator($"#history-list li[data-batch-id='{User}-1']")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("#connection")).ToHaveAttributeAsync("data-state", "live");

        var like = _recommender.Received.Last();
        Assert.Equal((User, 1, Actions.Like), (like.UserId, like.TrackId, like.Action));
        Assert.True(Guid.TryParse(like.EventId, out _), like.EventId);

        // History titles are text too.
        Assert.Equal("<script>alert(1)</script>",
            await page.Locator($"#history-list li[data-batch-id='{User}-1'] li[data-track-id='2'] .h-title").TextContentAsync());

        var shot = Path.Combine(DebianChromium.ArtifactsDir(), "web-page-after-like.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = shot, FullPage = true, Animations = ScreenshotAnimations.Disabled });
        output.WriteLine($"new batch visible {seenAfter} ms after the click; screenshot {shot}; whole test {started.ElapsedMilliseconds} ms");
        Assert.Empty(dialogs);
        Assert.Empty(consoleErrors);
    }

    [Fact]
    public async Task A_new_listener_on_a_phone_starts_from_catalogue_tracks_and_gets_live_batches()
    {
        await using var chromium = await DebianChromium.LaunchAsync();
        var context = await chromium.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = 390, Height = 844 }, IsMobile = true, HasTouch = true, DeviceScaleFactor = 2,
        });
        var page = await context.NewPageAsync();
        var dialogs = 0;
        page.Dialog += async (_, d) => { dialogs++; await d.DismissAsync(); };

        await page.GotoAsync(_base.ToString());
        await page.FillAsync("#user-input", "phone_user");
        await page.ClickAsync("#user-open");
        // No batches yet: the page offers catalogue tracks to start from, one per genre first.
        var starters = page.Locator("#tracks article[data-starter='true']");
        await Assertions.Expect(starters).ToHaveCountAsync(6, new() { Timeout = 5000 });
        Assert.EndsWith("?user=phone_user", page.Url);
        Assert.Equal("<script>alert(1)</script>", await page.Locator("article[data-track-id='2'] .title").TextContentAsync());

        await page.Locator("article[data-track-id='2'] button[data-action='listen']").TapAsync();
        var current = page.Locator("#current");
        await Assertions.Expect(current).ToHaveAttributeAsync("data-batch-id", "phone_user-1", new() { Timeout = 5000 });
        await Assertions.Expect(page.Locator("#tracks article[data-track-id]")).ToHaveCountAsync(3);
        await Assertions.Expect(starters).ToHaveCountAsync(0);
        var first = _recommender.Received.Last();
        Assert.Equal(("phone_user", 2, Actions.Listen), (first.UserId, first.TrackId, first.Action));

        var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - window.innerWidth");
        Assert.True(overflow <= 0, $"the page is {overflow} px wider than a phone screen");
        var cardWidth = await page.EvaluateAsync<double>("() => document.querySelector('#tracks article').getBoundingClientRect().width");
        Assert.InRange(cardWidth, 300, 390); // one card per row on a phone

        await page.Locator("article[data-track-id='2'] button[data-action='skip']").TapAsync();
        await Assertions.Expect(current).ToHaveAttributeAsync("data-batch-id", "phone_user-2", new() { Timeout = 5000 });
        await Assertions.Expect(page.Locator("#history-list li[data-batch-id='phone_user-1']")).ToHaveCountAsync(1);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(DebianChromium.ArtifactsDir(), "web-page-phone.png"), FullPage = true, Animations = ScreenshotAnimations.Disabled });
        Assert.Equal(0, dialogs);
    }

    [Fact]
    public async Task After_a_lost_connection_the_page_reconnects_and_fetches_the_batches_it_missed()
    {
        // A host of its own. The 2 s client retry leaves time to make the missed batches before the page comes back,
        // so the stream resumes with the newest only and the one in between must come from the re-fetch.
        var recommender = new FakeRecommender(FakeRecommender.Catalogue());
        WebApplication StartOn(string url) => MusicRecWebHost.Create(
            new WebOptions { Url = url, ClientRetry = TimeSpan.FromSeconds(2) }, builder =>
            {
                builder.Logging.ClearProviders();
                builder.Services.AddSingleton<IActivityPublisher>(recommender);
                builder.Services.AddSingleton<IRecommendationFeed>(recommender);
                builder.Services.AddSingleton<ITrackStore>(new InMemoryTrackStore(FakeRecommender.Catalogue()));
            });
        var first = StartOn("http://127.0.0.1:0");
        await first.StartAsync();
        var address = MusicRecWebHost.BoundAddress(first);
        await recommender.PublishAsync(new ActivityEvent(Guid.NewGuid().ToString(), "comeback", 1, Actions.Listen, DateTimeOffset.UtcNow));

        await using var chromium = await DebianChromium.LaunchAsync();
        var page = await chromium.Browser.NewPageAsync();
        await page.GotoAsync(new Uri(address, "/?user=comeback").ToString());
        var current = page.Locator("#current");
        await Assertions.Expect(current).ToHaveAttributeAsync("data-batch-id", "comeback-1", new() { Timeout = 5000 });

        // The server goes away; two batches are made while the page is disconnected.
        await first.StopAsync();
        await first.DisposeAsync();
        await Assertions.Expect(page.Locator("#connection")).Not.ToHaveAttributeAsync("data-state", "live", new() { Timeout = 5000 });
        await using var second = StartOn(address.ToString().TrimEnd('/'));
        await second.StartAsync();
        var board = second.Services.GetRequiredService<BatchBoard>();
        for (var i = 0; i < 2; i++)
            await recommender.PublishAsync(new ActivityEvent(Guid.NewGuid().ToString(), "comeback", 4, Actions.Like, DateTimeOffset.UtcNow));
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (board.AcceptedCount < 2 && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.Equal(2, board.AcceptedCount);

        // The stream resumes with the newest batch; the one in between is fetched into the history.
        await Assertions.Expect(current).ToHaveAttributeAsync("data-batch-id", "comeback-3", new() { Timeout = 10000 });
        await Assertions.Expect(page.Locator("#history-list li[data-batch-id]")).ToHaveCountAsync(2, new() { Timeout = 5000 });
        var history = await page.Locator("#history-list li[data-batch-id]").EvaluateAllAsync<string[]>("items => items.map(i => i.dataset.batchId)");
        Assert.Equal(["comeback-2", "comeback-1"], history);
        await Assertions.Expect(page.Locator("#connection")).ToHaveAttributeAsync("data-state", "live");
    }

    private static async Task<string[]> TrackIdsAsync(ILocator cards)
    {
        var ids = new List<string>();
        for (var i = 0; i < await cards.CountAsync(); i++) ids.Add(await cards.Nth(i).GetAttributeAsync("data-track-id") ?? "");
        return [.. ids];
    }
}
