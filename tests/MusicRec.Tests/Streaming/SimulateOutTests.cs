using System.CommandLine;
using MusicRec.Host.Commands;
using MusicRec.Stores;
using MusicRec.Streaming;
using MusicRec.Tests.Stores;

namespace MusicRec.Tests.Streaming;

public class SimulateOutTests
{
    private static InMemoryTrackStore Store() => new(ActivitySimulatorTests.Documents(perGenre: 12));

    private static async Task<(int Code, string Out, string Error)> Run(params string[] args)
    {
        var root = new RootCommand("test") { SimulateCommand.Create(_ => Store()) };
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        var (previousOut, previousError) = (Console.Out, Console.Error);
        Console.SetOut(stdout);
        Console.SetError(stderr);
        try
        {
            return (await Cli.RunAsync(root, ["simulate", .. args]), stdout.ToString(), stderr.ToString());
        }
        finally
        {
            Console.SetOut(previousOut);
            Console.SetError(previousError);
        }
    }

    [Fact]
    public async Task Out_writes_the_classic_events_as_user_activity_json_lines()
    {
        using var folder = new TempFolder();
        var file = folder.File("activity.jsonl");
        var (code, output, _) = await Run("--out", file, "--users", "3", "--events", "4", "--seed", "2");
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
        var (code, output, error) = await Run("--out", file, "--tastes", "mixed", "--users", "20", "--events", "6");
        Assert.True(code == 0, error);
        Assert.Contains("wrote ", output);
        Assert.Contains("120 events for 20 listeners", output);
        Assert.Matches(@"GenreLoyal\s+\d+ listeners\s+recommended\s+[\d.]+ % liked\s+random\s+[\d.]+ %\s+in own genre", output);
        Assert.Contains("CrossGenreGroup", output);
        Assert.Equal(120, (await File.ReadAllLinesAsync(file)).Length);
    }

    [Theory]
    [InlineData("--tastes", "odd", "--tastes must be classic or mixed")]
    [InlineData("--tastes", "mixed", "--tastes mixed needs the recommender's answers")]
    public async Task Bad_combinations_are_one_clear_line(string option, string value, string message)
    {
        var (code, _, error) = await Run(option, value, "--kafka", "127.0.0.1:1");
        Assert.Equal(1, code);
        Assert.Contains(message, error);
    }
}
