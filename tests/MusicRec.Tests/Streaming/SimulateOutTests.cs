using System.CommandLine;
using MusicRec.Contracts;
using MusicRec.Host.Commands;
using MusicRec.Stores;
using MusicRec.Streaming;
using MusicRec.Streaming.Simulation;
using MusicRec.Tests.Stores;

namespace MusicRec.Tests.Streaming;

public class SimulateOutTests
{
    private static InMemoryTrackStore Store() => new(ActivitySimulatorTests.Documents(perGenre: 12));

    /// <summary>The command body with its own writers (the console is shared by tests running in parallel).</summary>
    private static async Task<(int Code, string Out)> Run(string outPath, bool mixed, int users, int events)
    {
        var stdout = new StringWriter();
        var code = await SimulateCommand.RunToFileOrLoopAsync(null, _ => Store(), outPath, null, null, mixed,
            new SimulatorOptions(users, events, Seed: 2), stdout, TextWriter.Null, CancellationToken.None);
        return (code, stdout.ToString());
    }

    [Fact]
    public async Task Out_writes_the_classic_events_as_user_activity_json_lines()
    {
        using var folder = new TempFolder();
        var file = folder.File("activity.jsonl");
        var (code, output) = await Run(file, mixed: false, users: 3, events: 4);
        Assert.Equal(0, code);
        Assert.Contains("wrote 12 events", output);
        var lines = await File.ReadAllLinesAsync(file);
        Assert.Equal(12, lines.Length);
        var events = lines.Select(l => StreamingJson.Deserialize<ActivityEvent>(l)!).ToList();
        Assert.All(events, e => Assert.True(Actions.All.Contains(e.Action)));
        Assert.Equal(3, events.Select(e => e.UserId).Distinct().Count());
    }

    [Fact]
    public async Task Mixed_tastes_close_the_loop_in_process_and_print_like_rates_beside_random()
    {
        using var folder = new TempFolder();
        var file = folder.File("activity.jsonl");
        var (code, output) = await Run(file, mixed: true, users: 20, events: 6);
        Assert.Equal(0, code);
        Assert.Contains("wrote ", output);
        Assert.Contains("120 events for 20 listeners", output);
        Assert.Matches(@"GenreLoyal\s+\d+ listeners\s+recommended\s+[\d.]+ % liked\s+random\s+[\d.]+ %\s+in own genre", output);
        Assert.Contains("CrossGenreGroup", output);
        Assert.Equal(120, (await File.ReadAllLinesAsync(file)).Length);
    }

    [Fact]
    public async Task Mixed_tastes_refuse_kafka_with_one_clear_line()
    {
        var e = await Assert.ThrowsAsync<CliException>(() => SimulateCommand.RunToFileOrLoopAsync(null, _ => Store(), null, null, "127.0.0.1:1", true,
            new SimulatorOptions(2, 2), TextWriter.Null, TextWriter.Null, CancellationToken.None));
        Assert.StartsWith("--tastes mixed needs the recommender's answers", e.Message);
    }

    [Fact]
    public async Task Unknown_tastes_fail_with_exit_code_one()
    {
        var root = new RootCommand("test") { SimulateCommand.Create(_ => Store()) };
        Assert.Equal(1, await Cli.RunAsync(root, ["simulate", "--tastes", "odd", "--out", "/tmp/unused.jsonl"]));
    }
}
