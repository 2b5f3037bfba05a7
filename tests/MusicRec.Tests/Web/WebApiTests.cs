using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MusicRec.Contracts;
using MusicRec.Recommendation;
using MusicRec.Recommendation.Hybrid;
using MusicRec.Recommendation.Model;
using MusicRec.Streaming;
using MusicRec.Web;

namespace MusicRec.Tests.Web;

public class WebApiTests
{
    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"expected {expected}, got {response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(text).RootElement.Clone();
        Assert.Equal((int)expected, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("title").GetString()));
        AssertNoInternals(text);
        return problem;
    }

    private static void AssertNoInternals(string text)
    {
        Assert.DoesNotContain("   at ", text);
        Assert.DoesNotContain("Exception", text);
        Assert.DoesNotContain("hunter2", text);
        Assert.DoesNotContain(".cs:line", text);
    }

    [Fact]
    public async Task Healthz_answers_ok()
    {
        await using var host = await WebTestHost.StartAsync();
        var response = await host.Client.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ok", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Readyz_is_ready_when_store_and_feed_are()
    {
        await using var host = await WebTestHost.StartAsync();
        var response = await host.Client.GetAsync("/readyz");
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ready", body.GetProperty("status").GetString());
        Assert.Equal("ok", body.GetProperty("checks").GetProperty("store").GetString());
        Assert.Equal("ok", body.GetProperty("checks").GetProperty("feed").GetString());
    }

    [Fact]
    public async Task Readyz_is_503_when_the_store_fails_and_shows_no_connection_string()
    {
        await using var host = await WebTestHost.StartAsync(store: new BrokenStore());
        var response = await host.Client.GetAsync("/readyz");
        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var body = JsonDocument.Parse(text).RootElement;
        Assert.Equal("not_ready", body.GetProperty("status").GetString());
        Assert.Equal("unavailable", body.GetProperty("checks").GetProperty("store").GetString());
        AssertNoInternals(text);
    }

    [Fact]
    public async Task Readyz_is_503_while_the_feed_fails_and_ready_once_it_reads_again()
    {
        // The first read throws; the reader retries after 0.5 s and then reads.
        await using var host = await WebTestHost.StartAsync(feed: new ChannelFeed(failFirstReads: 1));
        var first = await host.Client.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, first.StatusCode);
        Assert.Contains("\"feed\":\"unavailable\"", await first.Content.ReadAsStringAsync());
        await host.PublishAndWaitAsync(WebSamples.Batch("u1", 1));
        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync("/readyz")).StatusCode);
        Assert.True(host.Feed.Reads >= 2);
    }

    public static TheoryData<string> BadUserIdPaths()
    {
        var bad = new[] { "a%20b", "a.b", new string('x', 65), "%3Cscript%3E", "u1%0A", "%C3%A9t%C3%A9", "a%2Fb" };
        var data = new TheoryData<string>();
        foreach (var id in bad)
        {
            data.Add($"/api/users/{id}/recommendations");
            data.Add($"/api/stream/{id}");
            data.Add($"/?user={id}");
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(BadUserIdPaths))]
    public async Task Invalid_user_ids_get_400_problem_details(string path)
    {
        await using var host = await WebTestHost.StartAsync();
        var problem = await ProblemAsync(await host.Client.GetAsync(path), HttpStatusCode.BadRequest);
        Assert.Equal("Invalid user id", problem.GetProperty("title").GetString());
    }

    [Fact]
    public async Task Activity_is_published_with_server_filled_id_and_time()
    {
        await using var host = await WebTestHost.StartAsync();
        var before = DateTimeOffset.UtcNow;
        var response = await host.Client.PostAsync("/api/activity",
            Json("""{"user_id":"u-42_x","track_id":2,"action":"like","event_id":"client-made","ts":"2000-01-01T00:00:00Z"}"""));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);

        var published = Assert.Single(host.Publisher.Published);
        Assert.Equal("u-42_x", published.UserId);
        Assert.Equal(2, published.TrackId);
        Assert.Equal(Actions.Like, published.Action);
        Assert.True(Guid.TryParse(published.EventId, out _), published.EventId);
        Assert.InRange(published.Ts, before.AddSeconds(-1), DateTimeOffset.UtcNow.AddSeconds(1));

        var echoed = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(published.EventId, echoed.GetProperty("event_id").GetString());
        Assert.Equal("like", echoed.GetProperty("action").GetString());
    }

    [Theory]
    [InlineData("not json", "body")]
    [InlineData("[1,2]", "body")]
    [InlineData("""{"track_id":2,"action":"like"}""", "user_id")]
    [InlineData("""{"user_id":"bad id","track_id":2,"action":"like"}""", "user_id")]
    [InlineData("""{"user_id":42,"track_id":2,"action":"like"}""", "user_id")]
    [InlineData("""{"user_id":"u1","track_id":0,"action":"like"}""", "track_id")]
    [InlineData("""{"user_id":"u1","track_id":-3,"action":"like"}""", "track_id")]
    [InlineData("""{"user_id":"u1","track_id":"2","action":"like"}""", "track_id")]
    [InlineData("""{"user_id":"u1","track_id":1.5,"action":"like"}""", "track_id")]
    [InlineData("""{"user_id":"u1","track_id":99999999999,"action":"like"}""", "track_id")]
    [InlineData("""{"user_id":"u1","track_id":2,"action":"play"}""", "action")]
    [InlineData("""{"user_id":"u1","track_id":2}""", "action")]
    [InlineData("""{"user_id":"u1","track_id":2,"action":"LIKE"}""", "action")]
    public async Task Invalid_activity_bodies_get_400_problem_details_naming_the_field(string body, string field)
    {
        await using var host = await WebTestHost.StartAsync();
        var problem = await ProblemAsync(await host.Client.PostAsync("/api/activity", Json(body)), HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
        Assert.Empty(host.Publisher.Published);
    }

    [Fact]
    public async Task Oversized_or_non_json_activity_is_refused()
    {
        await using var host = await WebTestHost.StartAsync();
        var huge = Json($$"""{"user_id":"u1","track_id":2,"action":"like","pad":"{{new string('x', 5000)}}"}""");
        await ProblemAsync(await host.Client.PostAsync("/api/activity", huge), HttpStatusCode.RequestEntityTooLarge);
        var form = new StringContent("user_id=u1", Encoding.UTF8, "application/x-www-form-urlencoded");
        await ProblemAsync(await host.Client.PostAsync("/api/activity", form), HttpStatusCode.UnsupportedMediaType);
        var typeless = new ByteArrayContent(Encoding.UTF8.GetBytes("""{"user_id":"u1","track_id":2,"action":"like"}"""));
        await ProblemAsync(await host.Client.PostAsync("/api/activity", typeless), HttpStatusCode.UnsupportedMediaType);
        Assert.Empty(host.Publisher.Published);
    }

    [Fact]
    public async Task Activity_for_a_track_not_in_the_catalogue_gets_404_naming_the_track()
    {
        await using var host = await WebTestHost.StartAsync();
        var response = await host.Client.PostAsync("/api/activity", Json("""{"user_id":"u1","track_id":12345,"action":"like"}"""));
        var problem = await ProblemAsync(response, HttpStatusCode.NotFound);
        Assert.Equal("track 12345 is not in the catalogue", problem.GetProperty("detail").GetString());
        Assert.Equal(12345, problem.GetProperty("track_id").GetInt32());
        Assert.Empty(host.Publisher.Published);

        // The catalogue's own tracks still pass.
        Assert.Equal(HttpStatusCode.Accepted,
            (await host.Client.PostAsync("/api/activity", Json("""{"user_id":"u1","track_id":3,"action":"listen"}"""))).StatusCode);
        Assert.Equal(3, Assert.Single(host.Publisher.Published).TrackId);
    }

    [Fact]
    public async Task A_failing_catalogue_gives_503_for_activity_without_details()
    {
        await using var host = await WebTestHost.StartAsync(store: new BrokenStore());
        await ProblemAsync(await host.Client.PostAsync("/api/activity", Json("""{"user_id":"u1","track_id":2,"action":"skip"}""")),
            HttpStatusCode.ServiceUnavailable);
        Assert.Empty(host.Publisher.Published);
    }

    [Fact]
    public async Task A_failing_publisher_gives_503_without_details()
    {
        await using var host = await WebTestHost.StartAsync();
        host.Publisher.FailWith = new InvalidOperationException($"kafka down: {BrokenStore.Secret}");
        await ProblemAsync(await host.Client.PostAsync("/api/activity", Json("""{"user_id":"u1","track_id":2,"action":"skip"}""")),
            HttpStatusCode.ServiceUnavailable);
    }

    [Fact]
    public async Task An_unhandled_error_gives_a_generic_500_without_stack_trace_even_in_development()
    {
        await using var host = await WebTestHost.StartAsync(store: new BrokenStore());
        var problem = await ProblemAsync(await host.Client.GetAsync("/api/tracks/5"), HttpStatusCode.InternalServerError);
        Assert.Equal("Internal server error", problem.GetProperty("title").GetString());
    }

    /// <summary>A node's listening model with plays in three genres (Rock's top track played most).</summary>
    internal static ListeningModel PlayedModel()
    {
        var model = new ListeningModel(new TrackCatalog([
            new TrackInfo(1, "First", "A", "Rock", null), new TrackInfo(2, "Second", "A", "Rock", null),
            new TrackInfo(3, "Third", "B", "Jazz", null), new TrackInfo(4, "Fourth", "C", "Folk", null)]));
        var t0 = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        int[] plays = [1, 1, 1, 2, 2, 3, 4];
        model.Observe([.. plays.Select((track, i) => new ActivityEvent($"e{i}", $"u{i}", track, Actions.Listen, t0.AddMinutes(i)))]);
        return model;
    }

    [Fact]
    public async Task A_listener_without_a_batch_gets_the_genre_diverse_popular_now_batch()
    {
        var model = PlayedModel();
        await using var host = await WebTestHost.StartAsync(services: s => s.AddSingleton(model));
        var body = JsonDocument.Parse(await host.Client.GetStringAsync("/api/users/newcomer/recommendations")).RootElement;
        Assert.True(body.GetProperty("popular_now").GetBoolean());
        var batch = Assert.Single(body.GetProperty("batches").EnumerateArray());
        Assert.Equal("newcomer-0", batch.GetProperty("batch_id").GetString());
        var tracks = batch.GetProperty("tracks").EnumerateArray().ToList();
        // One track per genre first, the most played first: Rock's 1, then Jazz's 3 and Folk's 4 (the later play a
        // hair ahead), not Rock's 2 although it was played more.
        Assert.Equal([1, 4, 3], tracks.Select(t => t.GetProperty("track_id").GetInt32()));
        Assert.All(tracks, t => Assert.Equal("popularity", t.GetProperty("source").GetString()));
        Assert.Equal("popular this week in Rock", tracks[0].GetProperty("because").GetString());

        // Once the listener has a batch of their own, that is what they get.
        await host.PublishAndWaitAsync(WebSamples.Batch("newcomer", 1, 1));
        var own = JsonDocument.Parse(await host.Client.GetStringAsync("/api/users/newcomer/recommendations")).RootElement;
        Assert.False(own.GetProperty("popular_now").GetBoolean());
        Assert.Equal("newcomer-1", own.GetProperty("batches")[0].GetProperty("batch_id").GetString());
    }

    [Fact]
    public async Task Without_plays_or_a_model_a_new_listener_gets_no_batch()
    {
        var empty = new ListeningModel(new TrackCatalog([new TrackInfo(1, "First", "A", "Rock", null)]));
        await using var host = await WebTestHost.StartAsync(services: s => s.AddSingleton(empty));
        var body = JsonDocument.Parse(await host.Client.GetStringAsync("/api/users/newcomer/recommendations")).RootElement;
        Assert.Equal(0, body.GetProperty("batches").GetArrayLength());
        Assert.False(body.GetProperty("popular_now").GetBoolean());
    }

    [Fact]
    public async Task Recommendations_list_kept_batches_newest_first_without_repeats()
    {
        await using var host = await WebTestHost.StartAsync(new WebOptions { BatchesPerUser = 3 });
        var batches = Enumerable.Range(1, 5).Select(i => WebSamples.Batch("u7", i, i)).ToArray();
        await host.PublishAndWaitAsync([.. batches, batches[4], batches[3]]); // two repeats (at-least-once delivery)

        var response = await host.Client.GetAsync("/api/users/u7/recommendations");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("u7", body.GetProperty("user_id").GetString());
        var ids = body.GetProperty("batches").EnumerateArray().Select(b => b.GetProperty("batch_id").GetString()).ToList();
        Assert.Equal(["u7-5", "u7-4", "u7-3"], ids);
        var newest = body.GetProperty("batches")[0];
        Assert.Equal(3, newest.GetProperty("tracks").GetArrayLength());
        Assert.Equal("Title 5", newest.GetProperty("tracks")[0].GetProperty("title").GetString());
        Assert.Equal(2, host.Board.DuplicateCount);

        var unknown = JsonDocument.Parse(await host.Client.GetStringAsync("/api/users/nobody/recommendations")).RootElement;
        Assert.Equal(0, unknown.GetProperty("batches").GetArrayLength());
        var users = JsonDocument.Parse(await host.Client.GetStringAsync("/api/users")).RootElement;
        Assert.Equal("u7", users.GetProperty("users")[0].GetString());
    }

    [Fact]
    public async Task Stream_sends_retry_and_the_latest_batch_on_connect_then_each_new_batch()
    {
        await using var host = await WebTestHost.StartAsync();
        await host.PublishAndWaitAsync(WebSamples.Batch("u1", 1), WebSamples.Batch("u1", 2), WebSamples.Batch("other", 1));

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/stream/u1");
        using var response = await host.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var reader = new SseReader(await response.Content.ReadAsStreamAsync(cts.Token));

        var retry = await reader.NextAsync(cts.Token);
        Assert.StartsWith("retry: ", retry.Raw);
        var first = await reader.NextAsync(cts.Token);
        Assert.Equal(("batch", "u1-2"), (first.Event, first.Id));

        host.Feed.Publish(WebSamples.Batch("other", 2)); // another user's batch is not sent here
        host.Feed.Publish(WebSamples.Batch("u1", 2));    // a repeat is not sent again
        host.Feed.Publish(WebSamples.Batch("u1", 3, 7));
        var next = await reader.NextAsync(cts.Token);
        Assert.Equal(("batch", "u1-3"), (next.Event, next.Id));
        var batch = JsonSerializer.Deserialize<RecommendationBatch>(next.Data!)!;
        Assert.Equal("u1", batch.UserId);
        Assert.Equal([7, 8, 9], batch.Tracks.Select(t => t.TrackId));
    }

    [Fact]
    public async Task Stream_sends_heartbeat_comments_and_skips_the_batch_the_browser_already_has()
    {
        await using var host = await WebTestHost.StartAsync(new WebOptions { Heartbeat = TimeSpan.FromMilliseconds(200) });
        await host.PublishAndWaitAsync(WebSamples.Batch("u2", 1));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/stream/u2");
        request.Headers.Add("Last-Event-ID", "u2-1");
        using var response = await host.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);
        var reader = new SseReader(await response.Content.ReadAsStreamAsync(cts.Token));
        Assert.StartsWith("retry: ", (await reader.NextAsync(cts.Token)).Raw);
        var heartbeat = await reader.NextAsync(cts.Token);
        Assert.StartsWith(":", heartbeat.Raw);
        Assert.Null(heartbeat.Event);
        Assert.StartsWith(":", (await reader.NextAsync(cts.Token)).Raw); // and again: the beat repeats
        Assert.Equal(1, host.Board.SubscriberCount);

        // A batch arriving while a wait is pending across heartbeats is still delivered.
        host.Feed.Publish(WebSamples.Batch("u2", 2));
        SseReader.Block next;
        do next = await reader.NextAsync(cts.Token); while (next.Event is null);
        Assert.Equal("u2-2", next.Id);
    }

    [Fact]
    public async Task Open_streams_end_when_the_host_stops_so_shutdown_does_not_hang()
    {
        var host = await WebTestHost.StartAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var response = await host.Client.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/api/stream/u3"),
            HttpCompletionOption.ResponseHeadersRead, cts.Token);
        var reader = new SseReader(await response.Content.ReadAsStreamAsync(cts.Token));
        await reader.NextAsync(cts.Token); // retry:
        var board = host.Board;
        Assert.Equal(1, board.SubscriberCount);
        var stopping = System.Diagnostics.Stopwatch.StartNew();
        await host.DisposeAsync();
        Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(5), $"stopping took {stopping.Elapsed}");
        await Assert.ThrowsAnyAsync<Exception>(() => reader.NextAsync(cts.Token));
        Assert.Equal(0, board.SubscriberCount);
    }

    [Fact]
    public void Options_come_from_MUSICREC_WEB_URL_and_the_Web_section_with_loopback_default()
    {
        Assert.Equal("http://127.0.0.1:5080", WebOptions.FromConfiguration(new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build()).Url);
        var config = new Microsoft.Extensions.Configuration.ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["MUSICREC_WEB_URL"] = "http://127.0.0.1:6001",
            ["Web:MaxUsers"] = "7",
            ["Web:Heartbeat"] = "00:00:05",
        }).Build();
        var options = WebOptions.FromConfiguration(config);
        Assert.Equal(("http://127.0.0.1:6001", 7, TimeSpan.FromSeconds(5)), (options.Url, options.MaxUsers, options.Heartbeat));
        Assert.Throws<ArgumentException>(() => new WebOptions { Url = "not a url" }.Validated());
        Assert.Throws<ArgumentException>(() => new WebOptions { BatchesPerUser = 0 }.Validated());
    }

    [Fact]
    public async Task Streams_beyond_the_limit_get_503()
    {
        await using var host = await WebTestHost.StartAsync(new WebOptions { MaxStreams = 1 });
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var open = await host.Client.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/api/stream/u1"),
            HttpCompletionOption.ResponseHeadersRead, cts.Token);
        Assert.Equal(HttpStatusCode.OK, open.StatusCode);
        await ProblemAsync(await host.Client.GetAsync("/api/stream/u2", cts.Token), HttpStatusCode.ServiceUnavailable);
    }

    [Fact]
    public async Task Track_endpoint_returns_metadata_and_20_mfcc_means()
    {
        await using var host = await WebTestHost.StartAsync();
        var track = JsonDocument.Parse(await host.Client.GetStringAsync("/api/tracks/2")).RootElement;
        Assert.Equal("<script>alert(1)</script>", track.GetProperty("title").GetString());
        Assert.Equal("Electronic", track.GetProperty("genre").GetString());
        Assert.Equal(20, track.GetProperty("mfcc").GetArrayLength());
        await ProblemAsync(await host.Client.GetAsync("/api/tracks/404"), HttpStatusCode.NotFound);
        await ProblemAsync(await host.Client.GetAsync("/api/tracks/abc"), HttpStatusCode.BadRequest);
        await ProblemAsync(await host.Client.GetAsync("/api/tracks/-1"), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Starter_tracks_list_one_per_genre_first()
    {
        await using var host = await WebTestHost.StartAsync();
        var list = JsonDocument.Parse(await host.Client.GetStringAsync("/api/tracks?limit=2")).RootElement.GetProperty("tracks");
        Assert.Equal([1, 2], list.EnumerateArray().Select(t => t.GetProperty("track_id").GetInt32()));
        Assert.Equal(["Rock", "Electronic"], list.EnumerateArray().Select(t => t.GetProperty("genre").GetString()));
        var all = JsonDocument.Parse(await host.Client.GetStringAsync("/api/tracks")).RootElement.GetProperty("tracks");
        Assert.Equal(3, all.GetArrayLength());
        await ProblemAsync(await host.Client.GetAsync("/api/tracks?limit=0"), HttpStatusCode.BadRequest);
        await ProblemAsync(await host.Client.GetAsync("/api/tracks?limit=x"), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Page_and_assets_come_from_this_host_with_a_strict_content_security_policy()
    {
        await using var host = await WebTestHost.StartAsync();
        var page = await host.Client.GetAsync("/?user=u1");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var csp = page.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("script-src 'self'", csp);
        Assert.DoesNotContain("unsafe-inline", csp);
        var html = await page.Content.ReadAsStringAsync();
        Assert.DoesNotContain("http://", html.Replace("http://www.w3.org", ""));
        Assert.DoesNotContain("https://", html);
        foreach (var id in new[] { "user-input", "current", "tracks", "history-list", "connection" })
            Assert.Contains($"id=\"{id}\"", html);

        var js = await host.Client.GetAsync("/assets/app.js");
        Assert.Equal("text/javascript", js.Content.Headers.ContentType?.MediaType);
        var script = await js.Content.ReadAsStringAsync();
        Assert.Contains("EventSource", script);
        Assert.DoesNotContain("innerHTML", script); // catalogue text goes through textContent only
        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync("/assets/app.css")).StatusCode);

        using var conditional = new HttpRequestMessage(HttpMethod.Get, "/assets/app.js");
        conditional.Headers.IfNoneMatch.Add(EntityTagHeaderValue.Parse(js.Headers.ETag!.ToString()));
        Assert.Equal(HttpStatusCode.NotModified, (await host.Client.SendAsync(conditional)).StatusCode);
        await ProblemAsync(await host.Client.GetAsync("/assets/nothing.js"), HttpStatusCode.NotFound);
    }

    [Fact]
    public void The_dashboard_serves_the_pages_icon()
    {
        var dashboard = new PageAssets("MusicRec.Web.Dashboard.", "dashboard.html");
        Assert.Contains("icon.svg", dashboard.Names);
    }

    [Fact]
    public async Task Unknown_paths_get_404_problem_details()
    {
        await using var host = await WebTestHost.StartAsync();
        await ProblemAsync(await host.Client.GetAsync("/no/such/path"), HttpStatusCode.NotFound);
    }
}

/// <summary>Reads Server-Sent Events one block (up to a blank line) at a time.</summary>
internal sealed class SseReader(Stream stream)
{
    private readonly StreamReader _reader = new(stream, Encoding.UTF8);

    public sealed record Block(string Raw, string? Event, string? Id, string? Data);

    public async Task<Block> NextAsync(CancellationToken ct)
    {
        var lines = new List<string>();
        while (true)
        {
            var line = await _reader.ReadLineAsync(ct) ?? throw new EndOfStreamException("the stream ended");
            if (line.Length == 0)
            {
                if (lines.Count == 0) continue;
                break;
            }
            lines.Add(line);
        }
        string? Field(string name) => lines.Where(l => l.StartsWith(name + ": ", StringComparison.Ordinal))
            .Select(l => l[(name.Length + 2)..]).FirstOrDefault();
        return new Block(string.Join("\n", lines), Field("event"), Field("id"), Field("data"));
    }
}
