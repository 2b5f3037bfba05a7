using System.CommandLine;
using MusicRec.Catalog;
using MusicRec.Host.Commands;

namespace MusicRec.Tests.Catalog;

public class SampleCommandTests
{
    private static async Task<(int Exit, string Out, string Err)> Run(params string[] args)
    {
        var root = new RootCommand("test") { SampleCommand.Create() };
        var (stdout, stderr) = (Console.Out, Console.Error);
        var (o, e) = (new StringWriter(), new StringWriter());
        Console.SetOut(o);
        Console.SetError(e);
        try
        {
            var exit = await Cli.RunAsync(root, args);
            return (exit, o.ToString(), e.ToString());
        }
        finally
        {
            Console.SetOut(stdout);
            Console.SetError(stderr);
        }
    }

    [Fact]
    public async Task Sample_writes_a_readable_catalogue_and_says_where()
    {
        using var tmp = new TempDir();
        var (exit, stdout, _) = await Run("sample", "--out", tmp.Path, "--tracks", "3", "--seed", "5");

        Assert.Equal(0, exit);
        Assert.Contains("wrote 3 tracks", stdout);
        Assert.Contains(Path.Combine(tmp.Path, "fma_metadata"), stdout);
        var run = CatalogRun.Read(Path.Combine(tmp.Path, "fma_metadata"), Path.Combine(tmp.Path, "fma_audio"));
        Assert.Equal(3, run.Tracks.Count);
        Assert.Empty(run.Rejects);
    }

    [Fact]
    public async Task Bad_track_counts_are_one_clear_line_and_exit_2()
    {
        using var tmp = new TempDir();
        var (exit, _, stderr) = await Run("sample", "--out", tmp.Path, "--tracks", "0");

        Assert.Equal(2, exit);
        Assert.Contains("musicrec: --tracks must be between 1 and 200000 (got 0)", stderr.Split(Environment.NewLine)); // the console is process-wide: match the line
        Assert.Empty(Directory.GetFileSystemEntries(tmp.Path));
    }

    [Fact]
    public async Task Out_is_required()
    {
        var (exit, _, stderr) = await Run("sample");

        Assert.NotEqual(0, exit);
        Assert.Contains("--out", stderr);
    }
}
