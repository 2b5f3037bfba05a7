using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Xunit.Abstractions;

namespace MusicRec.IntegrationTests.Cluster;

/// <summary>
/// `musicrec serve` alone (a cluster of one, in-process bus, SQLite journal) with the web page on: it becomes
/// ready, serves /healthz, /readyz and /metrics on the page's listener, applies activity posted to the page,
/// and on SIGTERM drains and exits 0. Needs no external service.
/// </summary>
[Trait("Category", "Cluster")]
[Collection(ServeProcessesCollection.Name)]
public sealed class SingleNodeServeTests(ITestOutputHelper output) : ServeProcessTest(output, "serve")
{
    [Fact(Timeout = 180_000)]
    public async Task Serve_alone_is_ready_exposes_metrics_applies_activity_and_exits_0_on_SIGTERM()
    {
        var store = Path.Combine(Work, "catalogue.db");
        var tracks = await TestCatalogue.WriteSqliteAsync(store, 64);
        var webPort = ClusterTestEnvironment.FreePort();
        var web = $"http://127.0.0.1:{webPort}";
        // With the page on, /readyz, /metrics and /api/admin share the page's listener.
        Node = ServiceNode.StartWithWeb("alone", webPort, Path.Combine(Work, "node"),
            ["--store", $"sqlite:{store}", "--web", web]);
        await Node.WaitReadyAsync(TimeSpan.FromSeconds(90));

        using var http = new HttpClient { BaseAddress = new Uri(web) };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/healthz")).StatusCode);
        var ready = await http.GetStringAsync("/readyz");
        foreach (var check in new[] { "cluster-up", "recommender-region", "store", "bus" })
            Assert.Contains($"\"{check}\"", ready);

        for (var i = 0; i < 6; i++)
        {
            var response = await http.PostAsJsonAsync("/api/activity", new { user_id = "solo", track_id = tracks[i], action = "like" });
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }
        UserState? state = null;
        for (var attempt = 0; attempt < 60 && state?.EventsApplied != 6; attempt++)
        {
            await Task.Delay(250);
            state = await Node.UserStateAsync("solo");
        }
        Assert.Equal(6, state?.EventsApplied);
        await HybridAnswersAsync(http, tracks);

        // The gauges are sampled every 2 s: wait for a sample that has seen the user's entity.
        var metrics = "";
        for (var attempt = 0; attempt < 40 && !System.Text.RegularExpressions.Regex.IsMatch(metrics, @"musicrec_entities\{[^}]*\} [1-9]"); attempt++)
        {
            await Task.Delay(250);
            metrics = await http.GetStringAsync("/metrics");
        }
        Assert.Matches(@"musicrec_entities\{[^}]*\} [1-9]", metrics);
        Assert.Matches(@"musicrec_events_total\{[^}]*\} 7", metrics);
        Assert.Matches(@"musicrec_cluster_members\{[^}]*\} 1", metrics);
        // The one answer to a recommended track (a like): like rate 1 overall and for its source.
        Assert.Matches(@"musicrec_recommended_like_rate\{[^}]*source=""all""[^}]*\} 1", metrics);
        Assert.Matches(@"musicrec_recommended_answers_total\{[^}]*action=""like""[^}]*\} 1", metrics);
        var cluster = await http.GetFromJsonAsync<ClusterView>("/api/admin/cluster", ServiceNode.Json);
        Assert.Equal("Up", cluster!.SelfStatus);

        Node.Terminate();
        Assert.Equal(0, await Node.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        var log = Node.Output.Split('\n');
        Assert.Contains(log, l => l.Contains("Activity pipeline drained"));
        // The log stays on the console, with MusicRec's own INFO lines but Akka's internals only from WARNING up.
        Assert.Contains(log, l => l.Contains("info: MusicRec.Serve") && l.Contains("started"));
        Assert.DoesNotContain(log, l => l.Contains("info: Akka.") || l.Contains("[INFO]"));
    }

    /// <summary>
    /// The hybrid recommender's answers through the page's listener: a newcomer's popular-now batch, "more like this"
    /// by co-listening, and the like of a recommended track counted for the source that suggested it.
    /// </summary>
    private static async Task HybridAnswersAsync(HttpClient http, IReadOnlyList<int> tracks)
    {
        // The model owner reads the same activity topic: its events reach the model within a few polls.
        JsonElement newcomer = default;
        await Poll.UntilAsync(async () =>
        {
            newcomer = await http.GetFromJsonAsync<JsonElement>("/api/users/newcomer/recommendations");
            return newcomer.GetProperty("popular_now").GetBoolean();
        }, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(250), () => $"no popular-now batch for a newcomer after 10 s: {newcomer}");
        Assert.True(newcomer.GetProperty("popular_now").GetBoolean(), newcomer.ToString());
        Assert.Equal("newcomer-0", newcomer.GetProperty("batches")[0].GetProperty("batch_id").GetString());
        Assert.Equal(3, newcomer.GetProperty("batches")[0].GetProperty("tracks").GetArrayLength());

        var similar = await http.GetFromJsonAsync<JsonElement>($"/api/tracks/{tracks[0]}/similar?source=colistening&limit=3");
        Assert.Contains(similar.GetProperty("tracks").EnumerateArray(), t => t.GetProperty("track_id").GetInt32() == tracks[1]);

        JsonElement own = default;
        await Poll.UntilAsync(async () =>
        {
            own = await http.GetFromJsonAsync<JsonElement>("/api/users/solo/recommendations");
            return own.GetProperty("batches").GetArrayLength() == 2;
        }, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(250), () => $"solo does not have 2 batches after 10 s: {own}");
        var liked = own.GetProperty("batches")[0].GetProperty("tracks")[0];
        var source = liked.GetProperty("source").GetString()!;
        var response = await http.PostAsJsonAsync("/api/activity", new { user_id = "solo", track_id = liked.GetProperty("track_id").GetInt32(), action = "like" });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        JsonElement stats = default;
        await Poll.UntilAsync(async () =>
        {
            stats = await http.GetFromJsonAsync<JsonElement>("/api/stats");
            return stats.GetProperty("recommended").GetProperty("overall").GetProperty("answers").GetInt64() == 1;
        }, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(250), () => $"not one answer to a recommended track after 10 s: {stats} after liking {liked} of {own}");
        var overall = stats.GetProperty("recommended").GetProperty("overall");
        Assert.True(overall.GetProperty("likes").GetInt64() == 1, $"{stats} after liking {liked} of {own}");
        Assert.Equal(1.0, overall.GetProperty("like_rate").GetDouble());
        Assert.True(stats.GetProperty("recommended").GetProperty("sources").TryGetProperty(source, out var bySource)
            && bySource.GetProperty("likes").GetInt64() == 1, $"{stats} after liking {liked}");
        Assert.True(stats.GetProperty("model").GetProperty("events").GetInt64() >= 6);
    }
}
