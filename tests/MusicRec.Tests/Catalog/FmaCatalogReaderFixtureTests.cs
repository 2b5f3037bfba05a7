using MusicRec.Catalog;

namespace MusicRec.Tests.Catalog;

/// <summary>The real FMA metadata in tests/fixtures/fma (682 tracks, ids 2..932).</summary>
public class FmaCatalogReaderFixtureTests
{
    private const int FixtureTracks = 682;

    [Fact]
    public void With_an_empty_audio_dir_every_track_is_a_no_audio_reject()
    {
        using var tmp = new TempDir();
        var run = CatalogRun.Read(CatalogTestPaths.FmaFixtures, tmp.Sub("audio"));

        Assert.Empty(run.Tracks);
        Assert.Equal(FixtureTracks, run.Rejects.Count);
        Assert.All(run.Rejects, r =>
        {
            Assert.Equal("tracks.csv", r.Source);
            Assert.NotNull(r.TrackId);
            Assert.StartsWith("no audio file (looked for ", r.Reason);
        });
        Assert.Equal(FixtureTracks, run.Rejects.Select(r => r.TrackId).Distinct().Count());
        var first = run.Rejects[0];
        Assert.Equal(2, first.TrackId);
        Assert.Equal(4, first.Line); // after the three header rows
        Assert.Equal("no audio file (looked for 000/000002.mp3|.wav|.ogg)", first.Reason);
        // Only raw_albums.csv and echonest.csv are absent from the fixtures.
        Assert.Equal(2, run.Warnings.Count);
        Assert.Contains(run.Warnings, w => w.StartsWith("raw_albums.csv not found"));
        Assert.Contains(run.Warnings, w => w.StartsWith("echonest.csv not found"));
    }

    [Fact]
    public void Tracks_with_audio_are_merged_and_every_fixture_track_is_accounted_for()
    {
        using var tmp = new TempDir();
        var audio = tmp.Sub("audio");
        FakeAudio.Create(audio, 2, ".mp3");
        FakeAudio.Create(audio, 3, ".wav");
        FakeAudio.Create(audio, 5, ".ogg");
        FakeAudio.Create(audio, 20, ".wav");
        FakeAudio.Create(audio, 532, ".mp3");
        FakeAudio.Create(audio, 614, ".mp3");
        FakeAudio.Create(audio, 932, ".mp3");
        FakeAudio.Create(audio, 932, ".wav"); // .mp3 wins: first found in FMA's order

        var run = CatalogRun.Read(CatalogTestPaths.FmaFixtures, audio);

        Assert.Equal([2, 3, 5, 20, 532, 614, 932], run.Tracks.Select(t => t.TrackId));
        Assert.Equal(FixtureTracks - 7, run.Rejects.Count);
        Assert.All(run.Rejects, r => Assert.StartsWith("no audio file", r.Reason));
        var all = run.Tracks.Select(t => t.TrackId).Concat(run.Rejects.Select(r => r.TrackId!.Value)).ToList();
        Assert.Equal(FixtureTracks, all.Distinct().Count());

        var food = run.Tracks[0];
        Assert.Equal("Food", food.Title);
        Assert.Equal(1, food.ArtistId);
        Assert.Equal("AWOL", food.ArtistName);
        Assert.Equal(1, food.AlbumId);
        Assert.Equal("AWOL - A Way Of Life", food.AlbumTitle);
        Assert.Equal(21, food.GenreId);
        Assert.Equal("Hip-Hop", food.GenreTop);
        Assert.Equal([21], food.Genres);
        Assert.Equal([21], food.GenresAll);
        Assert.Equal(168, food.DurationSeconds);
        Assert.Equal("small", food.Subset);
        Assert.Equal("000/000002.mp3", food.FileName);
        Assert.Empty(food.Echonest);

        Assert.Equal("000/000003.wav", run.Tracks[1].FileName);
        Assert.Equal("000/000005.ogg", run.Tracks[2].FileName);
        Assert.Equal("000/000932.mp3", run.Tracks[^1].FileName);

        // genre_top is empty when genres span two top levels ([76 Experimental Pop, 103 Singer-Songwriter]):
        // the first listed genre's top level is taken (76 -> Pop, 10).
        var t20 = run.Tracks.Single(t => t.TrackId == 20);
        Assert.Equal(10, t20.GenreId);
        Assert.Equal("Pop", t20.GenreTop);
        Assert.Equal([76, 103], t20.Genres);

        Assert.Equal("Chandeliers", run.Tracks.Single(t => t.TrackId == 532).ArtistName);
        var noAlbum = run.Tracks.Single(t => t.TrackId == 614);
        Assert.Null(noAlbum.AlbumId); // FMA's album id -1
        Assert.Equal("Plaisir D'Amour (feat. Dana Dart Maclean)", noAlbum.Title);
    }

    [Fact]
    public void Reject_lines_are_the_physical_lines_where_records_start()
    {
        using var tmp = new TempDir();
        var run = CatalogRun.Read(CatalogTestPaths.FmaFixtures, tmp.Sub("audio"));
        var lines = File.ReadAllLines(Path.Combine(CatalogTestPaths.FmaFixtures, "tracks.csv"));
        foreach (var r in run.Rejects)
            Assert.StartsWith($"{r.TrackId},", lines[r.Line!.Value - 1]);
        // Multi-line quoted fields make the physical line numbers run ahead of the record count.
        Assert.True(run.Rejects[^1].Line > FixtureTracks + 3);
    }
}
