using System.CommandLine;
using System.Text.Json;
using MusicRec.Contracts;
using MusicRec.Host.Commands;
using MusicRec.Tests.Stores;

namespace MusicRec.Tests.Recommendation.Hybrid;

public class EvaluateCommandTests
{
    /// <summary>
    /// Four listeners play track 1 then track 2, one after another; then "z" skips 3..10 (catalogue ids, no target).
    /// Known answers at k = 1 (8 discoveries): most popular hits every one but the first listener's two (6/8); the
    /// trending chart only the track-2 plays of listeners 2 to 4 (3/8: at equal counts the later play of track 2 weighs
    /// a little more, so it leads the cold-start batch while the listener is about to play track 1); co-listening only
    /// each later listener's track 2, once track 1 is its anchor (3/8). Most popular recommends only 1 and 2 (coverage 2/10), whose all-time ranks
    /// are 1 and 2 (novelty 1.5).
    /// </summary>
    private static IEnumerable<string> KnownLog()
    {
        var t = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var n = 0;
        string Line(string user, int track, string action) =>
            $$"""{"event_id":"e{{++n}}","user_id":"{{user}}","track_id":{{track}},"action":"{{action}}","ts":"{{t.AddMinutes(n):O}}"}""";
        for (var u = 1; u <= 4; u++)
        {
            yield return Line($"u{u}", 1, "listen");
            yield return Line($"u{u}", 2, u % 2 == 0 ? "like" : "listen");
        }
        yield return "{not json";
        yield return "";
        yield return """{"event_id":"x","user_id":"u9","track_id":3,"action":"dance","ts":"2026-01-01T00:00:00Z"}""";
        for (var track = 3; track <= 10; track++) yield return Line("z", track, "skip");
    }

    [Fact]
    public async Task Known_log_gives_known_figures_as_a_table_and_as_json()
    {
        using var folder = new TempFolder();
        var events = Path.Combine(folder.Path, "activity.jsonl");
        var json = Path.Combine(folder.Path, "figures.json");
        // Out of order on purpose: the replay sorts by ts.
        await File.WriteAllLinesAsync(events, KnownLog().Reverse());
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        var code = await EvaluateCommand.RunAsync(events, null, "1", json, "seen", 1, stdout, stderr, CancellationToken.None);

        Assert.Equal(0, code);
        Assert.Contains("set aside 2 of 18 lines", stderr.ToString());
        Assert.Contains("unknown action 'dance'", stderr.ToString());
        Assert.Contains("not valid JSON", stderr.ToString());
        Assert.Contains("HR@1", stdout.ToString());
        Assert.Contains("most-popular", stdout.ToString());

        using var doc = JsonDocument.Parse(await File.ReadAllTextAsync(json));
        var root = doc.RootElement;
        Assert.Equal(16, root.GetProperty("events").GetInt32());
        Assert.Equal(8, root.GetProperty("targets").GetInt32());
        Assert.Equal(10, root.GetProperty("catalogue_tracks").GetInt32());
        var r = root.GetProperty("recommenders");
        double Hr(string name) => r.GetProperty(name).GetProperty("hr").GetProperty("1").GetDouble();
        Assert.Equal(0.75, Hr("most-popular"), 6);
        Assert.Equal(0.375, Hr("popularity"), 6);
        Assert.Equal(0.375, Hr("colistening"), 6);
        Assert.Equal(0.375, r.GetProperty("colistening").GetProperty("ndcg").GetProperty("1").GetDouble(), 6);
        Assert.Equal(0.2, r.GetProperty("most-popular").GetProperty("coverage").GetProperty("1").GetDouble(), 6);
        Assert.Equal(1.5, r.GetProperty("most-popular").GetProperty("novelty").GetDouble(), 6);
        Assert.False(r.TryGetProperty("audio", out _)); // no store: no audio features
        Assert.True(r.TryGetProperty("blend", out _));
        Assert.True(r.TryGetProperty("random", out _));
    }

    [Fact]
    public async Task Rank_two_hit_counts_for_hr_at_two_with_a_smaller_ndcg()
    {
        using var folder = new TempFolder();
        var events = Path.Combine(folder.Path, "activity.jsonl");
        var json = Path.Combine(folder.Path, "figures.json");
        // u1 plays 1 twice as much as... all-time chart: 1 (2 plays), then 2 (1 play); u3 then plays 2: rank 2 of most popular.
        var t = "2026-01-01T00:00:0";
        await File.WriteAllLinesAsync(events,
        [
            $$"""{"event_id":"a","user_id":"u1","track_id":1,"action":"listen","ts":"{{t}}1Z"}""",
            $$"""{"event_id":"b","user_id":"u2","track_id":1,"action":"listen","ts":"{{t}}2Z"}""",
            $$"""{"event_id":"c","user_id":"u2","track_id":2,"action":"listen","ts":"{{t}}3Z"}""",
            $$"""{"event_id":"d","user_id":"u3","track_id":2,"action":"like","ts":"{{t}}4Z"}""",
        ]);
        var code = await EvaluateCommand.RunAsync(events, null, "2,1", json, "negative", 1, new StringWriter(), new StringWriter(), CancellationToken.None);
        Assert.Equal(0, code);
        var r = JsonDocument.Parse(await File.ReadAllTextAsync(json)).RootElement.GetProperty("recommenders").GetProperty("most-popular");
        // Targets: u1:1 (miss, empty chart), u2:1 (hit @1), u2:2 (1 heard, chart [2]... 2 unplayed yet: miss), u3:2 (rank 2: [1, 2]).
        Assert.Equal(0.25, r.GetProperty("hr").GetProperty("1").GetDouble(), 6);
        Assert.Equal(0.5, r.GetProperty("hr").GetProperty("2").GetDouble(), 6);
        Assert.Equal((1 + 1 / Math.Log2(3)) / 4, r.GetProperty("ndcg").GetProperty("2").GetDouble(), 6);
    }

    [Theory]
    [InlineData("0", "seen", "--k")]
    [InlineData("three", "seen", "--k")]
    [InlineData("3", "maybe", "--skips")]
    public async Task Bad_options_are_one_clear_line(string k, string skips, string option)
    {
        using var folder = new TempFolder();
        var events = Path.Combine(folder.Path, "activity.jsonl");
        await File.WriteAllLinesAsync(events, KnownLog());
        var e = await Assert.ThrowsAsync<CliException>(() =>
            EvaluateCommand.RunAsync(events, null, k, null, skips, 1, TextWriter.Null, TextWriter.Null, CancellationToken.None));
        Assert.StartsWith(option, e.Message);
    }

    [Fact]
    public async Task The_command_is_wired_and_a_bad_option_exits_one()
    {
        using var folder = new TempFolder();
        var events = Path.Combine(folder.Path, "activity.jsonl");
        await File.WriteAllLinesAsync(events, KnownLog());
        var root = new RootCommand("test") { EvaluateCommand.Create() };
        Assert.Equal(1, await Cli.RunAsync(root, ["evaluate", "--events", events, "--k", "0"]));
    }

    [Fact]
    public async Task A_missing_file_is_a_clear_error() =>
        Assert.Equal("no such events file: /nonexistent/log.jsonl",
            (await Assert.ThrowsAsync<CliException>(() => EvaluateCommand.RunAsync("/nonexistent/log.jsonl", null, "3", null, "seen", 1,
                TextWriter.Null, TextWriter.Null, CancellationToken.None))).Message);
}
