using System.Buffers.Binary;
using System.Security.Cryptography;
using MusicRec.Catalog;
using MusicRec.Catalog.Sample;

namespace MusicRec.Tests.Catalog;

public class SampleCatalogTests
{
    private const int Tracks = 24;

    private static Dictionary<string, string> HashTree(string root) =>
        Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(root, f).Replace('\\', '/'), f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))));

    [Fact]
    public async Task The_same_seed_gives_the_same_bytes_whatever_the_parallelism()
    {
        using var tmp = new TempDir();
        await SampleCatalog.WriteAsync(tmp.Sub("a"), new SampleOptions { Tracks = Tracks, Seed = 7, MaxDegreeOfParallelism = 1 });
        await SampleCatalog.WriteAsync(tmp.Sub("b"), new SampleOptions { Tracks = Tracks, Seed = 7, MaxDegreeOfParallelism = 4 });
        await SampleCatalog.WriteAsync(tmp.Sub("c"), new SampleOptions { Tracks = Tracks, Seed = 8 });

        var a = HashTree(Path.Combine(tmp.Path, "a"));
        var b = HashTree(Path.Combine(tmp.Path, "b"));
        var c = HashTree(Path.Combine(tmp.Path, "c"));

        Assert.Equal(5 + Tracks, a.Count); // five CSVs and one clip per track, no temporary files left
        Assert.Equal(a, b);
        Assert.NotEqual(a["fma_metadata/tracks.csv"], c["fma_metadata/tracks.csv"]);
        Assert.Equal(a["fma_metadata/genres.csv"], c["fma_metadata/genres.csv"]);
        Assert.Contains(a.Keys.Where(k => k.EndsWith(".wav")), k => !c.TryGetValue(k, out var h) || h != a[k]);
    }

    [Fact]
    public async Task A_sample_reads_back_with_every_track_having_audio()
    {
        using var tmp = new TempDir();
        var summary = await SampleCatalog.WriteAsync(tmp.Path, 64, SampleCatalog.DefaultSeed);

        var run = CatalogRun.Read(summary.MetadataDir, summary.AudioDir);

        Assert.Empty(run.Rejects);
        Assert.Equal(["raw_genres.csv not found in " + summary.MetadataDir + ": genre titles come from genres.csv only"], run.Warnings);
        Assert.Equal(64, run.Tracks.Count);
        Assert.True(SampleCatalog.Exists(tmp.Path));
        Assert.All(run.Tracks, t =>
        {
            Assert.Equal(FmaCatalogReader.AudioStem(t.TrackId) + ".wav", t.FileName);
            Assert.True(File.Exists(Path.Combine(summary.AudioDir, t.FileName!)));
        });
        // Balanced genres: all eight synthesised styles appear, by their real FMA ids.
        var styles = SampleStyle.All.Select(s => s.GenreId).ToHashSet();
        Assert.Equal(styles, run.Tracks.Where(t => t.GenreId is not null).Select(t => t.GenreId!.Value).ToHashSet());
        Assert.Contains(run.Tracks, t => t.Echonest.ContainsKey("tempo"));
        Assert.Contains(run.Tracks, t => t.AlbumId is null);
        Assert.Contains(run.Tracks, t => t.Title == "<script>alert(1)</script>");
        Assert.All(run.Tracks, t => Assert.False(string.IsNullOrEmpty(t.ArtistName)));
        Assert.All(run.Tracks.Where(t => t.AlbumId is not null), t => Assert.False(string.IsNullOrEmpty(t.AlbumTitle)));
    }

    [Fact]
    public async Task Files_follow_the_real_fma_layout()
    {
        using var tmp = new TempDir();
        var summary = await SampleCatalog.WriteAsync(tmp.Path, 3, 1);

        var fixtureHeader = File.ReadLines(Path.Combine(CatalogTestPaths.FmaFixtures, "tracks.csv")).Take(3);
        Assert.Equal(fixtureHeader, File.ReadLines(Path.Combine(summary.MetadataDir, "tracks.csv")).Take(3));
        Assert.Equal(File.ReadAllBytes(Path.Combine(CatalogTestPaths.FmaFixtures, "genres.csv")), File.ReadAllBytes(Path.Combine(summary.MetadataDir, "genres.csv")));
        var echonest = File.ReadLines(Path.Combine(summary.MetadataDir, "echonest.csv")).Take(4).ToArray();
        Assert.StartsWith(",echonest,echonest,", echonest[0]);
        Assert.StartsWith(",audio_features,audio_features,", echonest[1]);
        Assert.StartsWith(",acousticness,danceability,energy,instrumentalness,liveness,speechiness,tempo,valence,album_date,", echonest[2]);
        Assert.EndsWith(",222,223", echonest[2]);
        Assert.StartsWith("track_id,,", echonest[3]);
        Assert.StartsWith("album_id,", File.ReadLines(Path.Combine(summary.MetadataDir, "raw_albums.csv")).First());
        Assert.StartsWith("artist_id,", File.ReadLines(Path.Combine(summary.MetadataDir, "raw_artists.csv")).First());

        var clips = Directory.GetFiles(summary.AudioDir, "*.wav", SearchOption.AllDirectories);
        Assert.Equal(3, clips.Length);
        foreach (var clip in clips)
        {
            Assert.Matches(@"[/\\]\d{3}[/\\]\d{6}\.wav$", clip);
            var bytes = File.ReadAllBytes(clip);
            Assert.Equal("RIFF", System.Text.Encoding.ASCII.GetString(bytes, 0, 4));
            Assert.Equal("WAVE", System.Text.Encoding.ASCII.GetString(bytes, 8, 4));
            Assert.Equal(1, BinaryPrimitives.ReadInt16LittleEndian(bytes.AsSpan(20))); // PCM
            Assert.Equal(1, BinaryPrimitives.ReadInt16LittleEndian(bytes.AsSpan(22))); // mono
            Assert.Equal(22050, BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(24)));
            Assert.Equal(16, BinaryPrimitives.ReadInt16LittleEndian(bytes.AsSpan(34)));
            Assert.Equal(30 * 22050 * 2, BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(40)));
            Assert.Equal(44 + 30 * 22050 * 2, bytes.Length);
            var peak = 0;
            for (var i = 44; i < bytes.Length; i += 2) peak = Math.Max(peak, Math.Abs((int)BinaryPrimitives.ReadInt16LittleEndian(bytes.AsSpan(i))));
            Assert.InRange(peak, 20000, 32767); // normalised, not silent, not clipped past full scale
        }
    }

    [Fact]
    public async Task Metadata_only_writes_no_audio_and_every_track_is_a_no_audio_reject()
    {
        using var tmp = new TempDir();
        var summary = await SampleCatalog.WriteAsync(tmp.Path, new SampleOptions { Tracks = 500, WriteAudio = false });

        var run = CatalogRun.Read(summary.MetadataDir, summary.AudioDir);

        Assert.False(Directory.Exists(summary.AudioDir));
        Assert.Empty(run.Tracks);
        Assert.Equal(500, run.Rejects.Count);
        Assert.All(run.Rejects, r => Assert.StartsWith("no audio file", r.Reason));
        Assert.Equal(70, summary.Albums); // round(500 * 0.141)
        Assert.Equal(80, summary.Artists);
    }

    [Fact]
    public void Deterministic_math_matches_the_platform_closely()
    {
        for (var x = -20.0; x < 20; x += 0.37)
        {
            Assert.Equal(Math.Sin(x), DetMath.Sin(x), 1e-12);
            Assert.Equal(Math.Exp(x), DetMath.Exp(x), Math.Exp(x) * 1e-13);
        }
        Assert.Equal(440.0, DetMath.MidiToHz(69), 1e-9);
        Assert.Equal(261.6255653005986, DetMath.MidiToHz(60), 1e-9);
    }
}
