using System.CommandLine;
using MusicRec.Host.Commands;
using MusicRec.Stores;

namespace MusicRec.Tests.Stores;

public class ExportCommandTests
{
    private static readonly Func<string, string?> NoEnvironment = _ => null;

    private static async Task<string> SeedAsync(TempFolder temp, int count)
    {
        var uri = $"sqlite:{temp.File("musicrec.db")}";
        await using var store = TrackStoreFactory.Open(uri);
        await store.UpsertAsync(TestDocuments.Range(1, count));
        return uri;
    }

    [Fact]
    public async Task Exports_the_store_and_says_how_many_rows()
    {
        using var temp = new TempFolder();
        var uri = await SeedAsync(temp, 25);
        var stdout = new StringWriter();
        var code = await ExportCommand.RunAsync(uri, temp.File("out.csv"), null, stdout, NoEnvironment, CancellationToken.None);
        Assert.Equal(0, code);
        Assert.Contains("exported 25 rows", stdout.ToString());
        var lines = await File.ReadAllLinesAsync(temp.File("out.csv"));
        Assert.Equal(26, lines.Length);
        Assert.Equal("File_Name,MFCCs,Spectral_Centroid,Zero_Crossing_Rate,genre_id", lines[0]);
    }

    [Fact]
    public async Task Chosen_columns_and_MUSICREC_STORE_are_honoured()
    {
        using var temp = new TempFolder();
        var uri = await SeedAsync(temp, 5);
        var stdout = new StringWriter();
        await ExportCommand.RunAsync(null, temp.File("out.csv"), "track_id, title ,mfcc_mean_01", stdout,
            name => name == "MUSICREC_STORE" ? uri : null, CancellationToken.None);
        var lines = await File.ReadAllLinesAsync(temp.File("out.csv"));
        Assert.Equal("track_id,title,mfcc_mean_01", lines[0]);
        Assert.StartsWith("1,Track 1 take 0,", lines[1]);
    }

    [Fact]
    public async Task Unknown_column_is_one_clear_line_listing_the_valid_ones()
    {
        using var temp = new TempFolder();
        var uri = await SeedAsync(temp, 2);
        var e = await Assert.ThrowsAsync<CliException>(() =>
            ExportCommand.RunAsync(uri, temp.File("out.csv"), "File_Name,mfccs", TextWriter.Null, NoEnvironment, CancellationToken.None));
        Assert.Contains("unknown column 'mfccs'", e.Message);
        Assert.Contains("valid columns:", e.Message);
        Assert.Contains("MFCCs", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.NotEqual(0, e.ExitCode);
    }

    [Fact]
    public async Task Missing_or_empty_store_is_a_clear_error()
    {
        using var temp = new TempFolder();
        var missing = await Assert.ThrowsAsync<CliException>(() =>
            ExportCommand.RunAsync($"sqlite:{temp.File("none.db")}", temp.File("out.csv"), null, TextWriter.Null, NoEnvironment, CancellationToken.None));
        Assert.Contains("does not exist", missing.Message);
        Assert.False(File.Exists(temp.File("none.db")));

        var empty = await SeedAsync(temp, 0);
        var e = await Assert.ThrowsAsync<CliException>(() =>
            ExportCommand.RunAsync(empty, temp.File("out.csv"), null, TextWriter.Null, NoEnvironment, CancellationToken.None));
        Assert.Contains("is empty", e.Message);
        Assert.False(File.Exists(temp.File("out.csv")));
    }

    [Fact]
    public async Task Unknown_store_scheme_is_a_clear_error()
    {
        var e = await Assert.ThrowsAsync<CliException>(() =>
            ExportCommand.RunAsync("postgres://u:pw@h/db", "out.csv", null, TextWriter.Null, NoEnvironment, CancellationToken.None));
        Assert.Contains("unknown store scheme", e.Message);
        Assert.DoesNotContain(":pw@", e.Message);
    }

    [Fact]
    public async Task Command_line_wires_the_options_and_exits_non_zero_on_errors()
    {
        using var temp = new TempFolder();
        var uri = await SeedAsync(temp, 3);
        var root = new RootCommand { ExportCommand.Create() };
        Assert.Equal(0, await Cli.RunAsync(root, ["export", "--store", uri, "--out", temp.File("a.csv"), "--columns", "track_id"]));
        Assert.Equal(4, (await File.ReadAllLinesAsync(temp.File("a.csv"))).Length);
        Assert.NotEqual(0, await Cli.RunAsync(root, ["export", "--store", uri, "--out", temp.File("b.csv"), "--columns", "bogus"]));
        Assert.NotEqual(0, await Cli.RunAsync(root, ["export", "--store", uri]));
        Assert.False(File.Exists(temp.File("b.csv")));
    }
}
