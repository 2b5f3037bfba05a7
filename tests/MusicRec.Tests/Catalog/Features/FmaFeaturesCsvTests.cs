using System.Globalization;
using MusicRec.Catalog;
using MusicRec.Catalog.Features;
using MusicRec.Dsp;

namespace MusicRec.Tests.Catalog.Features;

/// <summary>FMA's features.csv layout, read and written, against the fixture made by a separate Python script.</summary>
public sealed class FmaFeaturesCsvTests
{
    private static string Fixture(string name) => Path.Combine(CatalogTestPaths.FmaFixtures, "features", name);

    private static (List<(int Id, double[] Vector)> Rows, List<Reject> Rejects) ReadAll(string path)
    {
        var rows = new List<(int, double[])>();
        var rejects = new List<Reject>();
        using var reader = FmaFeaturesCsvReader.Open(path);
        var v = new double[FmaFeatureColumns.Count];
        while (reader.TryReadNext(v, rejects.Add, out var id)) rows.Add((id, (double[])v.Clone()));
        return (rows, rejects);
    }

    [Fact]
    public void Columns_are_74_series_by_7_statistics_sorted_as_pandas_sorts_the_multiindex()
    {
        var c = FmaFeatureColumns.FileOrder;
        Assert.Equal(518, c.Count);
        Assert.Equal(74, FmaFeatureColumns.Series.Sum(s => s.Size));
        Assert.Equal(new FmaColumn("chroma_cens", "kurtosis", "01"), c[0]);
        Assert.Equal(new FmaColumn("chroma_cens", "kurtosis", "12"), c[11]);
        Assert.Equal(new FmaColumn("chroma_cens", "max", "01"), c[12]);
        Assert.Equal(new FmaColumn("zcr", "std", "01"), c[^1]);
        // The vector starts with the 154 columns computed from audio, unchanged, and holds every column once.
        Assert.Equal(AudioFeatures.ColumnNames, FmaFeatureColumns.VectorOrder.Take(154));
        Assert.Equal(518, FmaFeatureColumns.VectorOrder.Distinct().Count());
        Assert.Equal(364, FmaFeatureColumns.CsvOnly.Count);
    }

    [Fact]
    public void The_writers_header_is_byte_for_byte_the_fixtures()
    {
        var sw = new StringWriter();
        FmaFeaturesCsvWriter.WriteHeader(sw);
        var expected = string.Join("\n", File.ReadLines(Fixture("features.csv")).Take(4)) + "\n";
        Assert.Equal(expected, sw.ToString());
    }

    [Fact]
    public void Values_are_written_as_features_py_formats_them()
    {
        Assert.Equal("1.4656345844e+00", FmaFeaturesCsvWriter.Format(1.4656345844));
        Assert.Equal("-3.6137619615e-02", FmaFeaturesCsvWriter.Format(-0.036137619615));
        Assert.Equal("2.0000000000e+03", FmaFeaturesCsvWriter.Format(2000));
        Assert.Equal("0.0000000000e+00", FmaFeaturesCsvWriter.Format(0));
        Assert.Equal("", FmaFeaturesCsvWriter.Format(double.NaN));
    }

    [Fact]
    public void The_fixture_reads_as_682_tracks_in_tracks_csv_order_with_its_values_in_place()
    {
        var (rows, rejects) = ReadAll(Fixture("features.csv"));
        Assert.Empty(rejects);
        Assert.Equal(682, rows.Count);
        var trackIds = File.ReadLines(Path.Combine(CatalogTestPaths.FmaFixtures, "tracks.csv")).Skip(3)
            .Where(l => l.Length > 0 && char.IsDigit(l[0]) && l.Contains(','))
            .Select(l => l[..l.IndexOf(',')]).Where(s => int.TryParse(s, out _)).Select(int.Parse).Distinct().Take(3).ToList();
        Assert.Equal(trackIds, rows.Take(3).Select(r => r.Id));
        // Track 2's first cell is (chroma_cens, kurtosis, 01), its 2nd (chroma_cens, kurtosis, 02), as in the file.
        var line = File.ReadLines(Fixture("features.csv")).Skip(4).First().Split(',');
        Assert.Equal("2", line[0]);
        var first = rows[0].Vector;
        Assert.Equal(double.Parse(line[1], CultureInfo.InvariantCulture), first[FmaFeatureColumns.VectorIndex("chroma_cens_kurtosis_01")]);
        Assert.Equal(double.Parse(line[2], CultureInfo.InvariantCulture), first[FmaFeatureColumns.VectorIndex("chroma_cens_kurtosis_02")]);
        var mfccMean01 = FmaFeatureColumns.FileOrder.ToList().IndexOf(new FmaColumn("mfcc", "mean", "01"));
        Assert.Equal(double.Parse(line[mfccMean01 + 1], CultureInfo.InvariantCulture), first[0]); // mfcc_mean_01 leads the vector
        Assert.All(rows, r => Assert.All(r.Vector, x => Assert.True(double.IsFinite(x))));
    }

    [Fact]
    public void Broken_rows_are_rejects_with_their_reason_and_the_reading_goes_on()
    {
        var (rows, rejects) = ReadAll(Fixture("features_broken_rows.csv"));
        Assert.Equal(6, rows.Count);
        var reasons = rejects.Select(r => (r.Line, r.Reason)).ToList();
        Assert.Equal(7, rejects.Count);
        Assert.All(rejects, r => Assert.Equal("features_broken_rows.csv", r.Source));
        Assert.Contains(reasons, r => r.Line == 6 && r.Reason == "truncated row: 100 of 519 fields");
        Assert.Contains(reasons, r => r.Line == 7 && r.Reason.EndsWith("is not a finite number: 'abc'"));
        // Line 9's NaN is in mfcc/mean/08, one of the 154 the recommender uses: a reject. Line 8's empty cell is in
        // chroma_cens/max/05, beyond the 154: the row is kept with its 154 values (see the next test).
        Assert.DoesNotContain(reasons, r => r.Line == 8);
        Assert.Contains(reasons, r => r.Line == 9 && r.Reason == "mfcc/mean/08 is not a finite number: 'nan'");
        Assert.Contains(reasons, r => r.Line == 10 && r.Reason.StartsWith("track_id is not a positive integer: 'x"));
        Assert.Contains(reasons, r => r.Line == 11 && r.Reason.EndsWith("is not a finite number: 'inf'"));
        Assert.Contains(reasons, r => r.Line == 12 && r.Reason == "malformed row: 520 fields, expected 519");
        Assert.Contains(reasons, r => r.Line == 17 && r.Reason.StartsWith("duplicate track_id 2"));
        Assert.Null(rejects.Single(r => r.Line == 10).TrackId);
        Assert.Equal(2, rejects.Single(r => r.Line == 17).TrackId);
    }

    [Fact]
    public void A_row_with_nan_only_beyond_the_154_computed_columns_keeps_those_154()
    {
        using var reader = FmaFeaturesCsvReader.Open(Fixture("features_broken_rows.csv"));
        var v = new double[FmaFeatureColumns.Count];
        var widths = new List<(int Id, int Width)>();
        while (reader.TryReadNext(v, _ => { }, out var id, out var width)) widths.Add((id, width));
        var partial = Assert.Single(widths, w => w.Width == 154);
        Assert.Equal(5, widths.Count(w => w.Width == 518));
        Assert.Equal(1, reader.PartialRows);
        var line8 = File.ReadLines(Fixture("features_broken_rows.csv")).Skip(7).First();
        Assert.Equal(line8[..line8.IndexOf(',')], partial.Id.ToString(CultureInfo.InvariantCulture));
    }

    [Fact]
    public void A_header_that_is_not_fmas_stops_with_one_clear_line()
    {
        var e = Assert.Throws<CatalogException>(() => FmaFeaturesCsvReader.Open(Fixture("features_bad_header.csv")));
        Assert.Contains("kurtosys", e.Message);
        Assert.DoesNotContain("\n", e.Message);
        var notFma = Path.Combine(Path.GetTempPath(), $"tracks-as-features-{Guid.NewGuid():N}.csv");
        File.Copy(Path.Combine(CatalogTestPaths.FmaFixtures, "tracks.csv"), notFma);
        try
        {
            Assert.Contains("expected 'feature'", Assert.Throws<CatalogException>(() => FmaFeaturesCsvReader.Open(notFma)).Message);
        }
        finally
        {
            File.Delete(notFma);
        }
    }

    [Fact]
    public void Written_rows_read_back_to_ten_decimal_digits_in_any_column()
    {
        var path = Path.Combine(Path.GetTempPath(), $"features-{Guid.NewGuid():N}.csv");
        try
        {
            var v = Enumerable.Range(0, 518).Select(i => (i - 259) * 1.2345678901234e-3 * Math.Pow(10, i % 7)).ToArray();
            using (var w = new FmaFeaturesCsvWriter(path))
            {
                w.Write(7, v);
                w.Write(3, v.Select(x => -x).ToArray());
            }
            var (rows, rejects) = ReadAll(path);
            Assert.Empty(rejects);
            Assert.Equal([7, 3], rows.Select(r => r.Id));
            for (var i = 0; i < 518; i++)
            {
                Assert.Equal(v[i], rows[0].Vector[i], Math.Abs(v[i]) * 1e-10 + 1e-300);
                Assert.Equal(-v[i], rows[1].Vector[i], Math.Abs(v[i]) * 1e-10 + 1e-300);
            }
        }
        finally
        {
            File.Delete(path);
        }
    }
}
