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

        // The gauges are sampled every 2 s: wait for a sample that has seen the user's entity.
        var metrics = "";
        for (var attempt = 0; attempt < 40 && !System.Text.RegularExpressions.Regex.IsMatch(metrics, @"musicrec_entities\{[^}]*\} [1-9]"); attempt++)
        {
            await Task.Delay(250);
            metrics = await http.GetStringAsync("/metrics");
        }
        Assert.Matches(@"musicrec_entities\{[^}]*\} [1-9]", metrics);
        Assert.Matches(@"musicrec_events_total\{[^}]*\} 6", metrics);
        Assert.Matches(@"musicrec_cluster_members\{[^}]*\} 1", metrics);
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
}
