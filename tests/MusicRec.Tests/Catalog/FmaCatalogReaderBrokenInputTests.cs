using System.Text;
using MusicRec.Catalog;

namespace MusicRec.Tests.Catalog;

/// <summary>Hand-made FMA folders with broken or unusual files: the run goes on and every row is accounted for.</summary>
public class FmaCatalogReaderBrokenInputTests : IDisposable
{
    private readonly TempDir _tmp = new();
    private readonly string _meta;
    private readonly string _audio;

    public FmaCatalogReaderBrokenInputTests()
    {
        _meta = _tmp.Sub("fma_metadata");
        _audio = _tmp.Sub("fma_audio");
        File.Copy(Path.Combine(CatalogTestPaths.FmaFixtures, "genres.csv"), Path.Combine(_meta, "genres.csv"));
        foreach (var id in new[] { 2, 3, 5, 7, 11 }) FakeAudio.Create(_audio, id, ".wav");
    }

    public void Dispose() => _tmp.Dispose();

    private static readonly string[] HeaderLines =
        File.ReadLines(Path.Combine(CatalogTestPaths.FmaFixtures, "tracks.csv")).Take(3).ToArray();

    private static readonly string[] ColumnNames = BuildColumnNames();

    private static string[] BuildColumnNames()
    {
        var top = HeaderLines[0].Split(',');
        var sub = HeaderLines[1].Split(',');
        return top.Select((t, i) => i == 0 ? "track_id" : $"{t}.{sub[i]}").ToArray();
    }

    /// <summary>One tracks.csv row with the real 53 columns; unspecified cells empty. Values are written verbatim.</summary>
    private static string Row(string id, string title = "Song", string artistId = "1", string artistName = "AWOL",
        string albumId = "1", string albumTitle = "An Album", string genreTop = "Hip-Hop", string genres = "[21]",
        string genresAll = "[21]", string duration = "168", string subset = "small", string bio = "")
    {
        var cells = new string[ColumnNames.Length];
        Array.Fill(cells, "");
        void Set(string column, string value) => cells[Array.IndexOf(ColumnNames, column)] = value;
        cells[0] = id;
        Set("track.title", title);
        Set("artist.id", artistId);
        Set("artist.name", artistName);
        Set("album.id", albumId);
        Set("album.title", albumTitle);
        Set("track.genre_top", genreTop);
        Set("track.genres", genres);
        Set("track.genres_all", genresAll);
        Set("track.duration", duration);
        Set("set.subset", subset);
        Set("artist.bio", bio);
        return string.Join(',', cells);
    }

    private void WriteTracks(IEnumerable<string> rows, string newline = "\n", bool bom = false, IEnumerable<string>? header = null, bool finalNewline = true)
    {
        var text = string.Join(newline, (header ?? HeaderLines).Concat(rows)) + (finalNewline ? newline : "");
        File.WriteAllText(Path.Combine(_meta, "tracks.csv"), text, new UTF8Encoding(bom));
    }

    private CatalogRun Run() => CatalogRun.Read(_meta, _audio);

    [Fact]
    public void Truncated_rows_are_rejected_and_the_run_goes_on()
    {
        var full = Row("5");
        WriteTracks([Row("2"), "3,0,2008-11-26 01:44:45", full, Row("7")[..(Row("7").Length / 2)]], finalNewline: false);

        var run = Run();

        Assert.Equal([2, 5], run.Tracks.Select(t => t.TrackId));
        Assert.Equal(2, run.Rejects.Count);
        Assert.Equal(new Reject("tracks.csv", 5, 3, $"truncated row: 3 of {ColumnNames.Length} fields"), run.Rejects[0]);
        Assert.Equal(7, run.Rejects[1].TrackId);
        Assert.Equal(7, run.Rejects[1].Line);
        Assert.StartsWith("truncated row", run.Rejects[1].Reason);
    }

    [Fact]
    public void Bad_quoting_is_rejected_not_repaired()
    {
        WriteTracks([Row("2"), Row("3", title: "Stray \" quote"), Row("5", title: "\"Closed\" then text"), Row("7")]);

        var run = Run();

        Assert.Equal([2, 7], run.Tracks.Select(t => t.TrackId));
        Assert.Equal([3, 5], run.Rejects.Select(r => r.TrackId));
        Assert.Equal([5L, 6L], run.Rejects.Select(r => r.Line));
        Assert.All(run.Rejects, r => Assert.StartsWith("bad quoting", r.Reason));
    }

    [Fact]
    public void An_unterminated_quote_is_one_reject_and_nothing_after_it_is_invented()
    {
        WriteTracks([Row("2"), Row("3", title: "\"never closed"), Row("5")]);

        var run = Run();

        Assert.Equal([2], run.Tracks.Select(t => t.TrackId));
        var reject = Assert.Single(run.Rejects);
        Assert.Equal(3, reject.TrackId);
        Assert.Contains("quote never closed", reject.Reason);
    }

    [Fact]
    public void Wrong_types_are_rejected_with_the_column_named()
    {
        WriteTracks(
        [
            Row("abc"), Row("-4"), Row("2", artistId: "one"), Row("3", albumId: "1.5"), Row("5", genres: "\"[21, x]\""),
            Row("7", duration: "long"), Row("11", genresAll: "21"),
        ]);

        var run = Run();

        Assert.Empty(run.Tracks);
        Assert.Equal(
        [
            "track_id is not a positive integer: 'abc'",
            "track_id is not a positive integer: '-4'",
            "artist.id is not an integer: 'one'",
            "album.id is not an integer: '1.5'",
            "track.genres is not a list of integers: '[21, x]'",
            "track.duration is not a number of seconds: 'long'",
            "track.genres_all is not a list of integers: '21'",
        ], run.Rejects.Select(r => r.Reason));
        Assert.Equal([null, -4, 2, 3, 5, 7, 11], run.Rejects.Select(r => r.TrackId));
        Assert.Equal([4L, 5, 6, 7, 8, 9, 10], run.Rejects.Select(r => r.Line!.Value));
    }

    [Fact]
    public void Duplicate_track_ids_keep_the_first_and_reject_the_second()
    {
        WriteTracks([Row("2", title: "First"), Row("3"), Row("2", title: "Second")]);

        var run = Run();

        Assert.Equal(["First", "Song"], run.Tracks.Select(t => t.Title));
        Assert.Equal(new Reject("tracks.csv", 6, 2, "duplicate track_id 2 (first on line 4)"), Assert.Single(run.Rejects));
    }

    [Fact]
    public void Bom_and_crlf_read_the_same_as_plain_lf()
    {
        var rows = new[] { Row("2", bio: "<p>line one,\r\nline \"two\"</p>"), Row("3", title: "Café, \"quoted\""), Row("4") };
        var quoted = rows.Select(r => r.Replace("<p>line one,\r\nline \"two\"</p>", "\"<p>line one,\r\nline \"\"two\"\"</p>\"")
            .Replace("Café, \"quoted\"", "\"Café, \"\"quoted\"\"\"")).ToArray();
        WriteTracks(quoted, newline: "\r\n", bom: true);

        var run = Run();

        Assert.Equal([2, 3], run.Tracks.Select(t => t.TrackId));
        Assert.Equal("Café, \"quoted\"", run.Tracks[1].Title);
        Assert.Equal("Hip-Hop", run.Tracks[0].GenreTop);
        // Track 2 spans lines 4-5, so track 3 starts on 6 and track 4 (no audio) on 7.
        Assert.Equal(new Reject("tracks.csv", 7, 4, "no audio file (looked for 000/000004.mp3|.wav|.ogg)"), Assert.Single(run.Rejects));
    }

    [Fact]
    public void A_missing_required_column_is_one_clear_error()
    {
        WriteTracks([Row("2")], header: [HeaderLines[0], HeaderLines[1].Replace(",genres,", ",genrez,"), HeaderLines[2]]);

        var reader = new FmaCatalogReader(_meta, _audio, _ => { });
        var e = Assert.Throws<CatalogException>(() => reader.ReadTracks(_ => { }).ToList());

        Assert.Equal("tracks.csv: missing column(s) track.genres (expected FMA's three header rows, e.g. 'track' over 'title')", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void A_tracks_file_without_the_fma_header_is_one_clear_error()
    {
        File.WriteAllText(Path.Combine(_meta, "tracks.csv"), "id,title\n2,Food\n");

        var e = Assert.Throws<CatalogException>(() => new FmaCatalogReader(_meta, _audio, _ => { }).ReadTracks(_ => { }).ToList());

        Assert.StartsWith("tracks.csv: not the FMA layout", e.Message);
    }

    [Theory]
    [InlineData("tracks.csv")]
    [InlineData("genres.csv")]
    public void A_missing_required_file_throws_when_reading_starts(string file)
    {
        WriteTracks([Row("2")]);
        File.Delete(Path.Combine(_meta, file));

        var reader = new FmaCatalogReader(_meta, _audio, _ => { });
        var e = Assert.Throws<CatalogException>(() => reader.ReadTracks(_ => { })); // eager: before enumeration

        Assert.StartsWith($"{file} not found in {_meta}", e.Message);
    }

    [Fact]
    public void A_genres_file_without_its_columns_is_one_clear_error()
    {
        WriteTracks([Row("2")]);
        File.WriteAllText(Path.Combine(_meta, "genres.csv"), "genre_id,title\n21,Hip-Hop\n");

        var e = Assert.Throws<CatalogException>(() => new FmaCatalogReader(_meta, _audio, _ => { }).ReadTracks(_ => { }).ToList());

        Assert.Equal("genres.csv: missing column(s) parent, top_level (expected the FMA genres.csv header genre_id,#tracks,parent,title,top_level)", e.Message);
    }

    [Fact]
    public void Missing_optional_files_are_warnings_and_tracks_keep_their_own_titles()
    {
        WriteTracks([Row("2", artistName: "From tracks.csv", albumTitle: "Album from tracks.csv")]);

        var run = Run();

        var track = Assert.Single(run.Tracks);
        Assert.Equal("From tracks.csv", track.ArtistName);
        Assert.Equal("Album from tracks.csv", track.AlbumTitle);
        Assert.Equal(4, run.Warnings.Count);
        foreach (var file in new[] { "raw_genres.csv", "raw_albums.csv", "raw_artists.csv", "echonest.csv" })
            Assert.Contains(run.Warnings, w => w.StartsWith($"{file} not found in {_meta}"));
    }

    [Fact]
    public void Side_tables_are_joined_on_their_ids()
    {
        WriteTracks(
        [
            Row("2", artistId: "7", artistName: "", albumId: "40", albumTitle: ""),
            Row("3", artistId: "8", artistName: "Kept", albumId: "-1", albumTitle: "", genreTop: "", genres: "[999]", genresAll: "[999]"),
        ]);
        File.WriteAllText(Path.Combine(_meta, "raw_albums.csv"),
            "album_id,album_comments,album_title,artist_name\n40,0,\"Forty, \"\"the\"\" album\",x\n41,0,\"two\nlines\",y\nbad,0,z,z\n");
        File.WriteAllText(Path.Combine(_meta, "raw_artists.csv"), "artist_id,artist_bio,artist_name\n7,\"<p>multi\nline</p>\",Seven & Co\n");
        File.WriteAllText(Path.Combine(_meta, "raw_genres.csv"),
            "genre_id,genre_color,genre_handle,genre_parent_id,genre_title\n999,#000,x,1000,Made-Up Sub\n1000,#000,y,17,Made-Up Folk\n");
        var features = string.Join(',', Enumerable.Repeat("echonest", 10));
        File.WriteAllText(Path.Combine(_meta, "echonest.csv"),
            $",{features}\n" +
            ",audio_features,audio_features,audio_features,audio_features,audio_features,audio_features,audio_features,audio_features,metadata,metadata\n" +
            ",acousticness,danceability,energy,instrumentalness,liveness,speechiness,tempo,valence,album_name,release\n" +
            "track_id,,,,,,,,,,\n" +
            "2,0.5,0.25,1e-3,,0.1,0.2,120.5,0.9,\"x, y\",z\n" +
            "3,oops,0.25,0.1,0,0.1,0.2,120,0.9,a,b\n");

        var run = CatalogRun.Read(_meta, _audio);

        Assert.Empty(run.Warnings);
        var t2 = run.Tracks[0];
        Assert.Equal("Seven & Co", t2.ArtistName);
        Assert.Equal("Forty, \"the\" album", t2.AlbumTitle);
        Assert.Equal(new Dictionary<string, double>
        {
            ["acousticness"] = 0.5, ["danceability"] = 0.25, ["energy"] = 0.001, ["liveness"] = 0.1,
            ["speechiness"] = 0.2, ["tempo"] = 120.5, ["valence"] = 0.9,
        }, t2.Echonest);
        var t3 = run.Tracks[1];
        Assert.Equal("Kept", t3.ArtistName);
        Assert.Null(t3.AlbumId);
        Assert.Equal(17, t3.GenreId); // 999 -> 1000 -> 17 through raw_genres.csv
        Assert.Equal("Folk", t3.GenreTop);
        Assert.Empty(t3.Echonest);
        Assert.Equal(
        [
            new Reject("raw_albums.csv", 5, null, "album_id is not an integer: 'bad'"),
            new Reject("echonest.csv", 6, 3, "acousticness is not a number: 'oops'"),
        ], run.Rejects);
    }
}
