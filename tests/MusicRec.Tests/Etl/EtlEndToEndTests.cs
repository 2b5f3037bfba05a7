using MusicRec.Catalog;
using MusicRec.Etl;
using MusicRec.Host.Commands;
using MusicRec.Stores;
using MusicRec.Tests.Catalog;
using MusicRec.Tests.Dsp;

namespace MusicRec.Tests.Etl;

/// <summary>The `musicrec etl` command with the real reader, decoder, extractor, CSV writers and SQLite store.</summary>
public sealed class EtlEndToEndTests
{
    private static Task<int> Etl(string metadata, string audio, string outDir, string? store = null, int workers = 2, bool refit = false,
        TextWriter? stdout = null, TextWriter? stderr = null) =>
        EtlCommand.RunAsync(new EtlCommand.EtlCommandArgs(metadata, audio, outDir, store, workers, refit),
            stdout ?? new StringWriter(), stderr ?? new StringWriter(), redirected: true, _ => null, CancellationToken.None)
            .WaitAsync(TimeSpan.FromMinutes(3));

    private static string[] Rows(string csv) => File.ReadAllLines(csv).Skip(1).ToArray();

    [Fact]
    public async Task Real_fixture_without_audio_accounts_for_all_682_tracks_as_rejects_and_exits_zero()
    {
        using var run = new TempRun();
        var stderr = new StringWriter();
        var stdout = new StringWriter();
        var exit = await Etl(CatalogTestPaths.FmaFixtures, run.AudioDir, run.OutDir, stdout: stdout, stderr: stderr);

        Assert.Equal(0, exit);
        Assert.Single(File.ReadAllLines(Path.Combine(run.OutDir, "final.csv")));
        var rejects = Rows(Path.Combine(run.OutDir, "rejects.csv"));
        Assert.Equal(682, rejects.Length);
        Assert.All(rejects, r => Assert.Contains("no audio file", r));
        Assert.Equal(682, rejects.Select(r => r.Split(',')[2]).Distinct().Count());
        Assert.False(File.Exists(Path.Combine(run.OutDir, "scaler.json")));
        Assert.Contains("no track had usable audio", stderr.ToString());
        Assert.Contains("0 track documents", stdout.ToString());
    }

    [Fact]
    public async Task Missing_required_metadata_file_is_one_clear_error()
    {
        using var run = new TempRun();
        var e = await Assert.ThrowsAsync<CliException>(() => Etl(run.AudioDir, run.AudioDir, run.OutDir));
        Assert.Contains("tracks.csv", e.Message);
        Assert.DoesNotContain("\n", e.Message);
    }

    [Fact]
    public async Task Real_audio_in_several_formats_with_one_corrupt_file_gives_rows_scaler_store_and_a_reject()
    {
        using var run = new TempRun();
        // Fixture tracks 2, 3, 5, 10 get real clips; 20 gets a WAV whose header lies about its length.
        void Put(int id, string testFile, string ext)
        {
            var path = Path.Combine(run.AudioDir, FmaCatalogReader.AudioStem(id) + ext);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.Copy(DspTestFiles.TestData(testFile), path);
        }
        Put(2, "tone_22k_mono_16.wav", ".wav");
        Put(3, "tone_44k_stereo_16.wav", ".wav");
        Put(5, "tone_44k_stereo_128k.mp3", ".mp3");
        Put(10, "tone_22k_stereo_u8.wav", ".wav");
        Put(20, "bad_truncated_lying_header.wav", ".wav");
        var storeUri = "sqlite:" + Path.Combine(run.OutDir, "store.db");

        Assert.Equal(0, await Etl(CatalogTestPaths.FmaFixtures, run.AudioDir, run.OutDir, storeUri));

        var final = Rows(Path.Combine(run.OutDir, "final.csv"));
        Assert.Equal(["2", "3", "5", "10"], final.Select(r => r.Split(',')[0]));
        var rejects = Rows(Path.Combine(run.OutDir, "rejects.csv"));
        Assert.Equal(682 - 4, rejects.Length);
        var bad = Assert.Single(rejects, r => r.Contains("000020.wav"));
        Assert.Contains("cannot decode audio", bad);
        var scaler = StandardScaler.Load(Path.Combine(run.OutDir, "scaler.json"));
        Assert.Equal(4, scaler.Count);
        await using (var store = TrackStoreFactory.Open(storeUri))
        {
            Assert.Equal(4, await store.CountAsync());
            var docs = await store.GetByIdsAsync([2, 3, 5, 10]);
            Assert.All(docs, d => Assert.Equal(154, d.Features.Length));
            Assert.All(docs, d => Assert.All(d.Features, v => Assert.True(double.IsFinite(v))));
        }

        // Re-run on unchanged inputs: byte-identical final.csv and rejects.csv, nothing recomputed.
        var before = File.ReadAllBytes(Path.Combine(run.OutDir, "final.csv"));
        var rejectsBefore = File.ReadAllBytes(Path.Combine(run.OutDir, "rejects.csv"));
        var stdout = new StringWriter();
        Assert.Equal(0, await Etl(CatalogTestPaths.FmaFixtures, run.AudioDir, run.OutDir, storeUri, stdout: stdout));
        Assert.Equal(before, File.ReadAllBytes(Path.Combine(run.OutDir, "final.csv")));
        Assert.Equal(rejectsBefore, File.ReadAllBytes(Path.Combine(run.OutDir, "rejects.csv")));
        Assert.Matches(@"features computed this run\s*│\s*0", stdout.ToString());
    }
}
