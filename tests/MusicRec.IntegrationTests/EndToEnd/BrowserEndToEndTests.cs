using System.Diagnostics;
using Microsoft.Playwright;
using MusicRec.IntegrationTests.Browser;
using MusicRec.IntegrationTests.Cluster;
using Xunit.Abstractions;

namespace MusicRec.IntegrationTests.EndToEnd;

/// <summary>
/// The whole stack in a browser: a small sample catalogue through the real ETL into SQLite, `musicrec serve` as its
/// own process (cluster of one, in-process bus, SQLite journal, web page on), and Debian's Chromium clicking on the
/// page. The batches come from the real recommender actors through the pipeline and SSE, nothing is faked.
/// </summary>
[Trait("Category", "EndToEnd")]
[Collection(ServeProcessesCollection.Name)]
public sealed class BrowserEndToEndTests(ITestOutputHelper output) : ServeProcessTest(output, "e2e-browser")
{
    private const string User = "e2e_browser";

    [Fact(Timeout = 120_000)]
    public async Task Clicks_on_the_page_bring_batches_of_three_from_the_real_recommender_through_SSE()
    {
        var clock = Stopwatch.StartNew();
        DebianChromium.ExecutablePath(); // fail at once, before the slow part, when the browser is not set up
        var (store, _, _) = await QualityEndToEnd.SampleAndEtlAsync(Work, 24, 11, TextWriter.Null);
        Output.WriteLine($"sample + ETL of 24 tracks: {clock.Elapsed.TotalSeconds:0.0} s");

        var webPort = ClusterTestEnvironment.FreePort();
        var web = $"http://127.0.0.1:{webPort}";
        Node = ServiceNode.StartWithWeb("browser", webPort, Path.Combine(Work, "node"), ["--store", store, "--web", web]);
        await using var chromium = await DebianChromium.LaunchAsync();
        await Node.WaitReadyAsync(TimeSpan.FromSeconds(60));
        Output.WriteLine($"serve ready and chromium {chromium.Browser.Version} up: {clock.Elapsed.TotalSeconds:0.0} s");

        var page = await chromium.Browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        var consoleErrors = new List<string>();
        page.Console += (_, message) => { if (message.Type == "error") consoleErrors.Add(message.Text); };
        await page.GotoAsync($"{web}/?user={User}");
        var current = page.Locator("#current");
        var cards = page.Locator("#tracks article[data-track-id]");

        // A new listener starts from catalogue tracks; three events make the recommender's first batch.
        var starters = page.Locator("#tracks article[data-starter='true']");
        await Assertions.Expect(starters.First).ToBeVisibleAsync(new() { Timeout = 10_000 });
        var starterIds = await TrackIdsAsync(starters);
        Assert.True(starterIds.Length >= 3, $"only {starterIds.Length} starter tracks");
        await Assertions.Expect(current).ToHaveAttributeAsync("data-batch-id", "");
        var actions = new[] { "listen", "like", "like" };
        for (var i = 0; i < 3; i++)
            await ClickAsync(page, starterIds[i], actions[i], expectSent: i < 2);
        await Assertions.Expect(current).ToHaveAttributeAsync("data-batch-id", $"{User}-1", new() { Timeout = 10_000 });
        await Assertions.Expect(cards).ToHaveCountAsync(3);
        var first = await TrackIdsAsync(cards);
        Assert.Equal(3, first.Distinct().Count());
        Assert.Empty(first.Intersect(starterIds.Take(3))); // tracks already heard are not suggested back
        Output.WriteLine($"first batch {string.Join(",", first)} at {clock.Elapsed.TotalSeconds:0.0} s");

        // Like each suggestion: the third like completes the next batch, which must arrive live within 5 s.
        for (var i = 0; i < 2; i++) await ClickAsync(page, first[i], "like", expectSent: true);
        var clicked = Stopwatch.StartNew();
        await ClickAsync(page, first[2], "like", expectSent: false);
        await Assertions.Expect(current).ToHaveAttributeAsync("data-batch-id", $"{User}-2", new() { Timeout = 5_000 });
        var seenAfter = clicked.ElapsedMilliseconds;
        await Assertions.Expect(cards).ToHaveCountAsync(3);
        var second = await TrackIdsAsync(cards);
        Assert.Empty(second.Intersect(first)); // a batch never repeats what was recommended before
        await Assertions.Expect(page.Locator($"#history-list li[data-batch-id='{User}-1']")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("#connection")).ToHaveAttributeAsync("data-state", "live");

        var state = await Node.UserStateAsync(User);
        Assert.Equal(6, state?.EventsApplied);

        var shot = Path.Combine(DebianChromium.ArtifactsDir(), "end-to-end-after-likes.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = shot, FullPage = true, Animations = ScreenshotAnimations.Disabled });
        Output.WriteLine($"second batch {string.Join(",", second)} visible {seenAfter} ms after the third like; screenshot {shot}; whole test {clock.Elapsed.TotalSeconds:0.0} s");
        Assert.Empty(consoleErrors);
    }

    /// <summary>Clicks the action on the card; waits for the 202 unless the click replaces the cards (a batch arrives).</summary>
    private static async Task ClickAsync(IPage page, string trackId, string action, bool expectSent)
    {
        var card = page.Locator($"#tracks article[data-track-id='{trackId}']");
        await card.Locator($"button[data-action='{action}']").ClickAsync();
        if (expectSent) await Assertions.Expect(card).ToHaveAttributeAsync("data-sent", action, new() { Timeout = 5_000 });
    }

    private static async Task<string[]> TrackIdsAsync(ILocator cards)
    {
        var ids = new List<string>();
        for (var i = 0; i < await cards.CountAsync(); i++) ids.Add(await cards.Nth(i).GetAttributeAsync("data-track-id") ?? "");
        return [.. ids];
    }
}
