using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using MusicRec.Contracts;
using MusicRec.Recommendation;
using MusicRec.Recommendation.Hybrid;
using MusicRec.Recommendation.Model;
using MusicRec.Tests.Recommendation;

namespace MusicRec.Tests.Web;

/// <summary>GET /api/tracks/{id}/similar and GET /api/popular over a node's models.</summary>
public class TrackSuggestionsApiTests
{
    private static readonly SimilarityIndex Index = SyntheticCatalogue.Index(5, seed: 4);
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static int Track(int i) => Index.Tracks[i].TrackId;

    /// <summary>Four listeners like track 0 and then track 7; track 7 is played most, track 3 next.</summary>
    private static ListeningModel Played()
    {
        var model = new ListeningModel(new TrackCatalog(Index.Tracks));
        var events = new List<ActivityEvent>();
        for (var u = 0; u < 4; u++)
        {
            events.Add(new ActivityEvent($"a{u}", $"u{u}", Track(0), Actions.Like, T0.AddSeconds(u)));
            events.Add(new ActivityEvent($"b{u}", $"u{u}", Track(7), Actions.Like, T0.AddSeconds(u + 10)));
        }
        events.Add(new ActivityEvent("c1", "u9", Track(3), Actions.Listen, T0.AddSeconds(30)));
        events.Add(new ActivityEvent("c2", "u8", Track(3), Actions.Listen, T0.AddSeconds(31)));
        model.Observe(events);
        return model;
    }

    private static Task<WebTestHost> Host(ListeningModel model) =>
        WebTestHost.StartAsync(services: s => s.AddSingleton(new TrackSuggestions(Index, model)));

    private static async Task<JsonElement> Json(WebTestHost host, string path)
    {
        var response = await host.Client.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static List<int> Ids(JsonElement body) =>
        [.. body.GetProperty("tracks").EnumerateArray().Select(t => t.GetProperty("track_id").GetInt32())];

    [Fact]
    public async Task Similar_by_co_listening_names_the_co_listened_track_and_why()
    {
        var model = Played();
        await using var host = await Host(model);
        var body = await Json(host, $"/api/tracks/{Track(0)}/similar?source=colistening&limit=5");
        Assert.Equal("colistening", body.GetProperty("source").GetString());
        Assert.Equal([Track(7)], Ids(body));
        var first = body.GetProperty("tracks")[0];
        Assert.Equal("colistening", first.GetProperty("source").GetString());
        Index.TryGetInfo(Track(0), out var anchor);
        Assert.Equal($"listeners who liked {anchor.Display} also liked this", first.GetProperty("because").GetString());
    }

    [Fact]
    public async Task Similar_by_audio_gives_the_nearest_tracks_and_blend_mixes_sources()
    {
        var model = Played();
        await using var host = await Host(model);
        var audio = await Json(host, $"/api/tracks/{Track(0)}/similar?source=audio&limit=4");
        var expected = Index.TopK(Index.VectorOf(Track(0)), 4, id => id == Track(0)).Select(t => t.TrackId);
        Assert.Equal(expected, Ids(audio));

        var blend = await Json(host, $"/api/tracks/{Track(0)}/similar?limit=6"); // blend is the default
        var ids = Ids(blend);
        Assert.Equal(6, ids.Count);
        Assert.DoesNotContain(Track(0), ids);
        Assert.Contains(Track(7), ids);
        var sources = blend.GetProperty("tracks").EnumerateArray().Select(t => t.GetProperty("source").GetString()).ToHashSet();
        Assert.Contains("colistening", sources);
        Assert.Contains("audio", sources);
    }

    [Fact]
    public async Task Popular_ranks_by_decayed_plays_overall_and_per_genre()
    {
        var model = Played();
        await using var host = await Host(model);
        var overall = await Json(host, "/api/popular?limit=2");
        Assert.Equal([Track(7), Track(0)], Ids(overall));
        Assert.Equal(1.0, overall.GetProperty("tracks")[0].GetProperty("score").GetDouble());

        Index.TryGetInfo(Track(3), out var info);
        var genre = await Json(host, $"/api/popular?genre={Uri.EscapeDataString(info.Genre)}");
        Assert.Equal(info.Genre, genre.GetProperty("genre").GetString());
        Assert.All(genre.GetProperty("tracks").EnumerateArray(), t => Assert.Equal(info.Genre, t.GetProperty("genre").GetString()));
        Assert.Contains(Track(3), Ids(genre));
        Assert.Equal($"popular this week in {info.Genre}", genre.GetProperty("tracks")[0].GetProperty("because").GetString());
    }

    [Theory]
    [InlineData("/api/tracks/abc/similar", HttpStatusCode.BadRequest)]
    [InlineData("/api/tracks/1/similar?source=lyrics", HttpStatusCode.BadRequest)]
    [InlineData("/api/tracks/1/similar?limit=0", HttpStatusCode.BadRequest)]
    [InlineData("/api/tracks/999999/similar", HttpStatusCode.NotFound)]
    [InlineData("/api/popular?limit=51", HttpStatusCode.BadRequest)]
    [InlineData("/api/popular?genre=Polka", HttpStatusCode.NotFound)]
    public async Task Bad_queries_get_a_problem(string path, HttpStatusCode expected)
    {
        var model = Played();
        await using var host = await Host(model);
        var response = await host.Client.GetAsync(path);
        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Without_a_model_in_the_process_the_queries_are_unavailable()
    {
        await using var host = await WebTestHost.StartAsync();
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await host.Client.GetAsync("/api/popular")).StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await host.Client.GetAsync("/api/tracks/1/similar")).StatusCode);
    }
}
