using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;
using MusicRec.IntegrationTests.Cluster;
using Xunit.Abstractions;

namespace MusicRec.IntegrationTests.Browser;

/// <summary>
/// `musicrec demo` with an API key, its simulator running: the key on the real node's endpoints (missing, wrong,
/// right), then /dashboard in Debian's Chromium (charts that move, a map point per track, the listener's marks), the
/// listener page still posting under the key, and the ETL's report.html opened with every network request watched.
/// Screenshots go to MUSICREC_TEST_ARTIFACTS.
/// </summary>
[Trait("Category", "Demo")]
[Collection(ServeProcessesCollection.Name)]
public sealed class DashboardBrowserTests(ITestOutputHelper output) : ServeProcessTest(output, "dashboard")
{
    private const string Key = "dashboard-test-key-0123456789";
    private const int Tracks = 48;

    [Fact(Timeout = 300_000)]
    public async Task Dashboard_and_report_during_a_simulated_run()
    {
        var dir = Path.Combine(Work, "demo");
        var port = ClusterTestEnvironment.FreePort();
        var url = $"http://127.0.0.1:{port}";
        Node = ServiceNode.StartDemo(port, Work,
            ["--dir", dir, "--tracks", Tracks.ToString(), "--web", url, "--users", "4", "--rate", "20", "--api-key", Key],
            new Dictionary<string, string> { ["MUSICREC_CONFIG__Dashboard__SampleInterval"] = "00:00:01" });
        await Node.WaitReadyAsync(TimeSpan.FromSeconds(200));
        var tracks = File.ReadAllLines(Path.Combine(dir, "out", "final.csv")).Length - 1;
        Assert.Equal(Tracks, tracks);

        using var http = new HttpClient { BaseAddress = new Uri(url) };
        await TheKeyIsNeededAsync(http);
        await WaitForHistoryAsync(http, "sim0");

        await using var chromium = await DebianChromium.LaunchAsync();
        await DashboardAsync(chromium, url, tracks);
        await ListenerPageAsync(chromium, url);
        await ReportAsync(chromium, Path.Combine(dir, "out", "report.html"), tracks);

        Assert.DoesNotContain(Key, Node.Output); // never logged, not even the /dashboard?key= request
    }

    private async Task TheKeyIsNeededAsync(HttpClient http)
    {
        foreach (var path in new[] { "/api/admin/cluster", "/api/admin/users/sim0/state", "/api/admin/dashboard/overview", "/dashboard" })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(http, HttpMethod.Get, path, key: null)).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(http, HttpMethod.Get, path, key: Key + "-wrong")).StatusCode);
            var right = await SendAsync(http, HttpMethod.Get, path, key: Key);
            Assert.True(right.StatusCode == HttpStatusCode.OK, $"{path} with the key: {right.StatusCode} {await right.Content.ReadAsStringAsync()}");
        }
        const string activity = """{"user_id":"keyed-user","track_id":2,"action":"listen"}""";
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(http, HttpMethod.Post, "/api/activity", null, activity)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(http, HttpMethod.Post, "/api/activity", "wrong-key-wrong-key-wrong", activity)).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await SendAsync(http, HttpMethod.Post, "/api/activity", Key, activity)).StatusCode);
        // Probes and the page stay open.
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/readyz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/")).StatusCode);
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient http, HttpMethod method, string path, string? key, string? json = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (key is not null) request.Headers.Add("X-API-Key", key);
        if (json is not null) request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        return await http.SendAsync(request);
    }

    private Task WaitForHistoryAsync(HttpClient http, string user) =>
        Poll.UntilAsync(async () =>
        {
            var response = await SendAsync(http, HttpMethod.Get, $"/api/admin/dashboard/users/{user}", Key);
            return response.IsSuccessStatusCode &&
                (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("history").GetArrayLength() > 0;
        }, TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(500), () => $"{user} has no history after 60 s:\n{Node!.Tail()}");

    private async Task DashboardAsync(DebianChromium chromium, string url, int tracks)
    {
        await using var context = await chromium.Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 1000 } });
        var page = await context.NewPageAsync();
        var problems = WatchConsole(page);

        await page.GotoAsync($"{url}/dashboard?key={Key}&user=sim0");
        Assert.Equal($"{url}/dashboard?user=sim0", page.Url); // the key left the address bar
        Assert.Contains(await context.CookiesAsync(), c => c.Name == "musicrec_admin" && c.HttpOnly && c.SameSite == SameSiteAttribute.Strict);

        // The map: one point per track of the catalogue, and the listener's marks.
        await Assertions.Expect(page.Locator("#map")).ToHaveAttributeAsync("data-points", tracks.ToString(), new() { Timeout = 15000 });
        var legend = page.Locator("#user-legend");
        await Assertions.Expect(legend).ToBeVisibleAsync(new() { Timeout = 10000 });
        // Counts of marks drawn: at least one of sim0's heard tracks and one of its recommendations.
        var positive = new System.Text.RegularExpressions.Regex("^[1-9][0-9]*$");
        await Assertions.Expect(legend).ToHaveAttributeAsync("data-heard", positive, new() { Timeout = 10000 });
        await Assertions.Expect(legend).ToHaveAttributeAsync("data-recommended", positive, new() { Timeout = 10000 });

        // Cluster and catalogue.
        await Assertions.Expect(page.Locator("#members tbody tr")).ToHaveCountAsync(1, new() { Timeout = 10000 });
        await Assertions.Expect(page.Locator("#node-status")).ToHaveTextAsync("Up");
        var genreCounts = await page.Locator("#genres li .count").AllTextContentsAsync();
        Assert.Equal(tracks, genreCounts.Sum(int.Parse));

        // The charts move: more samples a few seconds later, and events flowed.
        var throughput = page.Locator("#chart-throughput");
        var first = await WaitForSamplesAsync(throughput, 3);
        var later = await WaitForSamplesAsync(throughput, first + 3);
        Output.WriteLine($"throughput chart: {first} samples, then {later}");
        Assert.True(double.Parse((await throughput.GetAttributeAsync("data-max"))!, System.Globalization.CultureInfo.InvariantCulture) > 0,
            "events/s rose above 0 during the simulated run");
        foreach (var id in new[] { "#chart-lag", "#chart-invalid", "#chart-feedback" })
            Assert.True(int.Parse((await page.Locator(id).GetAttributeAsync("data-samples"))!) >= first, $"{id} is fed too");
        Assert.Equal(4, await page.Locator(".uplot canvas").CountAsync());

        // Hovering a point names its track.
        await page.Locator("#map").ScrollIntoViewIfNeededAsync();
        var box = (await page.Locator("#map").BoundingBoxAsync())!;
        var hovered = false;
        for (var y = 0; y < 30 && !hovered; y++)
            for (var x = 0; x < 40 && !hovered; x++)
            {
                await page.Mouse.MoveAsync(box.X + 8 + x * (box.Width - 16) / 39, box.Y + 8 + y * (box.Height - 16) / 29);
                hovered = await page.Locator("#tooltip").IsVisibleAsync();
            }
        Assert.True(hovered, "some point of the map shows a tooltip");
        await Assertions.Expect(page.Locator("#tooltip strong")).Not.ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^$"));

        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(DebianChromium.ArtifactsDir(), "dashboard.png"), FullPage = true });
        Assert.Empty(problems);
    }

    private static async Task<int> WaitForSamplesAsync(ILocator chart, int atLeast)
    {
        var samples = 0;
        await Poll.UntilAsync(async () => (samples = int.Parse((await chart.GetAttributeAsync("data-samples"))!)) >= atLeast,
            TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(500), () => $"the chart has {samples} samples after 30 s, expected {atLeast}");
        return samples;
    }

    private async Task ListenerPageAsync(DebianChromium chromium, string url)
    {
        // A fresh browser: no admin cookie, only what the page itself hands out.
        await using var context = await chromium.Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        var problems = WatchConsole(page);
        await page.GotoAsync($"{url}/?user=page-listener");
        var like = page.Locator("button[data-action='like']").First;
        await Assertions.Expect(like).ToBeVisibleAsync(new() { Timeout = 15000 });
        var posted = page.WaitForResponseAsync(r => r.Url.EndsWith("/api/activity", StringComparison.Ordinal));
        await like.ClickAsync();
        var response = await posted;
        Assert.Equal(202, response.Status);
        Assert.Empty(problems);
    }

    private async Task ReportAsync(DebianChromium chromium, string path, int tracks)
    {
        Assert.True(File.Exists(path), $"the ETL wrote no {path}");
        await using var context = await chromium.Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 1000 } });
        var page = await context.NewPageAsync();
        var problems = WatchConsole(page);
        var requests = new List<string>();
        page.Request += (_, r) => requests.Add(r.Url);
        // Anything that is not the file itself would be cut off here (and counted above).
        await context.RouteAsync("**/*", route => route.Request.Url.StartsWith("file://", StringComparison.Ordinal)
            ? route.ContinueAsync() : route.AbortAsync());

        await page.GotoAsync(new Uri(path).AbsoluteUri);
        await Assertions.Expect(page.Locator("#map")).ToHaveAttributeAsync("data-points", tracks.ToString(), new() { Timeout = 10000 });
        Assert.Equal(4, await page.Locator("svg.box").CountAsync());
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(DebianChromium.ArtifactsDir(), "report.png"), FullPage = true });

        var external = requests.Where(u => !u.StartsWith("file://", StringComparison.Ordinal)).ToList();
        Output.WriteLine($"report.html: {requests.Count} request(s): {string.Join(", ", requests)}");
        Assert.Empty(external);
        Assert.Equal([new Uri(path).AbsoluteUri], requests);
        Assert.Empty(problems); // a blocked load would show as a CSP error here
    }

    /// <summary>Console errors and page errors, CSP violations included.</summary>
    private static List<string> WatchConsole(IPage page)
    {
        var problems = new List<string>();
        page.Console += (_, m) => { if (m.Type == "error") problems.Add(m.Text); };
        page.PageError += (_, e) => problems.Add(e);
        return problems;
    }
}
