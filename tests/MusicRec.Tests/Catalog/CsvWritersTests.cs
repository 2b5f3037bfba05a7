using System.Globalization;
using CsvHelper;
using MusicRec.Catalog;
using MusicRec.Dsp;
using MusicRec.Stores;

namespace MusicRec.Tests.Catalog;

public class CsvWritersTests
{
    private static readonly TrackRecord Track = new()
    {
        TrackId = 2, Title = "<script>alert(1)</script>, \"quoted\"\nsecond line", ArtistId = 1, ArtistName = "AWOL",
        AlbumId = null, AlbumTitle = "", GenreId = 21, GenreTop = "Hip-Hop", Genres = [21, 100], GenresAll = [21],
        DurationSeconds = 168.25, Subset = "small", FileName = "000/000002.wav",
        Echonest = new Dictionary<string, double> { ["tempo"] = 0.1 + 0.2, ["energy"] = 1e-7 },
    };

    private static List<string[]> ReadCsv(string path)
    {
        using var reader = CsvReader.FromFile(path, new CsvReaderOptions { HasHeader = false });
        var rows = new List<string[]>();
        while (reader.Read()) rows.Add(Enumerable.Range(0, reader.FieldCount).Select(reader.GetString).ToArray());
        return rows;
    }

    [Fact]
    public void Final_csv_column_order_is_track_id_metadata_then_features()
    {
        var c = FinalCsvWriter.Columns;
        Assert.Equal(["track_id", "File_Name", "title", "artist_id", "artist_name", "album_id", "album_title", "genre_id",
            "genre_top", "genres", "genres_all", "duration", "subset"], c.Take(13));
        Assert.Equal(TrackDocumentColumns.EchonestColumns.Select(e => $"echonest_{e}"), c.Skip(13).Take(8));
        Assert.Equal(["feature_source", "MFCCs", "Spectral_Centroid", "Zero_Crossing_Rate"], c.Skip(21).Take(4));
        Assert.Equal(AudioFeatures.ColumnNames, c.Skip(25).Take(154));
        // Then the 364 statistics only FMA's features.csv has (empty for a track from audio).
        Assert.Equal(MusicRec.Catalog.Features.FmaFeatureColumns.CsvOnly, c.Skip(25 + 154));
        Assert.Equal(25 + 518, c.Count);
        Assert.Equal(c.Count, c.Distinct().Count());
    }

    [Fact]
    public void Final_csv_appears_only_on_commit_and_round_trips_values()
    {
        using var tmp = new TempDir();
        var path = Path.Combine(tmp.Path, "out", "final.csv");
        var features = new TrackDocument
        {
            TrackId = 2, Metadata = Track, Mfccs = Enumerable.Range(0, 20).Select(i => i / 3.0 - 1).ToArray(),
            SpectralCentroid = Math.PI, ZeroCrossingRate = -1.5e-300,
            Features = Enumerable.Range(0, 154).Select(i => Math.Sqrt(i) * 1e10).ToArray(),
        };

        using (var writer = new FinalCsvWriter(path))
        {
            writer.Write(Track, features);
            writer.Write(Track with { TrackId = 3, Echonest = new Dictionary<string, double>() }, null);
            Assert.False(File.Exists(path));
            Assert.Single(Directory.GetFiles(Path.GetDirectoryName(path)!)); // only the temporary file
            writer.Commit();
        }

        Assert.Equal([path], Directory.GetFiles(Path.GetDirectoryName(path)!));
        var rows = ReadCsv(path);
        Assert.Equal(3, rows.Count);
        Assert.Equal(FinalCsvWriter.Columns, rows[0]);
        var row = rows[0].Zip(rows[1], (k, v) => (k, v)).ToDictionary(p => p.k, p => p.v);
        Assert.Equal("2", row["track_id"]);
        Assert.Equal(Track.Title, row["title"]);
        Assert.Equal("", row["album_id"]);
        Assert.Equal("[21,100]", row["genres"]);
        Assert.Equal("168.25", row["duration"]);
        Assert.Equal(0.1 + 0.2, double.Parse(row["echonest_tempo"], CultureInfo.InvariantCulture));
        Assert.Equal("1E-07", row["echonest_energy"]);
        Assert.Equal("", row["echonest_valence"]);
        Assert.Equal(features.Mfccs, System.Text.Json.JsonSerializer.Deserialize<double[]>(row["MFCCs"]));
        Assert.Equal(Math.PI, double.Parse(row["Spectral_Centroid"], CultureInfo.InvariantCulture));
        Assert.Equal(-1.5e-300, double.Parse(row["Zero_Crossing_Rate"], CultureInfo.InvariantCulture));
        for (var i = 0; i < 154; i++)
            Assert.Equal(features.Features[i], double.Parse(row[AudioFeatures.ColumnNames[i]], CultureInfo.InvariantCulture));
        var metadataOnly = rows[0].Zip(rows[2], (k, v) => (k, v)).ToDictionary(p => p.k, p => p.v);
        Assert.Equal("3", metadataOnly["track_id"]);
        Assert.All(rows[0].Skip(21), column => Assert.Equal("", metadataOnly[column]));
    }

    [Fact]
    public void Disposing_without_commit_leaves_no_file()
    {
        using var tmp = new TempDir();
        var path = Path.Combine(tmp.Path, "final.csv");
        using (var writer = new FinalCsvWriter(path)) writer.Write(Track, null);
        using (var rejects = new RejectsCsvWriter(Path.Combine(tmp.Path, "rejects.csv"))) rejects.Write(new Reject("tracks.csv", 4, 2, "x"));
        Assert.Empty(Directory.GetFiles(tmp.Path));
    }

    [Fact]
    public void Same_input_gives_the_same_bytes()
    {
        using var tmp = new TempDir();
        string Write(string name)
        {
            var p = Path.Combine(tmp.Path, name);
            using var w = new FinalCsvWriter(p);
            w.Write(Track, null);
            w.Commit();
            return p;
        }
        Assert.Equal(File.ReadAllBytes(Write("a.csv")), File.ReadAllBytes(Write("b.csv")));
        Assert.DoesNotContain((byte)'\r', File.ReadAllBytes(Path.Combine(tmp.Path, "a.csv")).Where((_, i) => i < 4000)); // header: '\n' line ends
    }

    [Fact]
    public void Rejects_csv_has_the_spec_columns_and_empty_unknowns()
    {
        using var tmp = new TempDir();
        var path = Path.Combine(tmp.Path, "rejects.csv");
        using (var writer = new RejectsCsvWriter(path))
        {
            writer.Write(new Reject("tracks.csv", 17, 5, "no audio file (looked for 000/000005.mp3|.wav|.ogg)"));
            writer.Write(new Reject("raw_albums.csv", null, null, "bad, \"quoted\" reason"));
            Assert.False(File.Exists(path));
            writer.Commit();
        }
        Assert.Equal(
            "source,line,track_id,reason\n" +
            "tracks.csv,17,5,no audio file (looked for 000/000005.mp3|.wav|.ogg)\n" +
            "raw_albums.csv,,,\"bad, \"\"quoted\"\" reason\"\n",
            File.ReadAllText(path));
    }
}
