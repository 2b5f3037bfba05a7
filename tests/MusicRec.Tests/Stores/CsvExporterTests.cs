using System.Globalization;
using System.Text.Json;
using MusicRec.Stores;

namespace MusicRec.Tests.Stores;

public class CsvExporterTests
{
    /// <summary>An RFC 4180 reader, independent of the writer under test.</summary>
    private static List<string[]> ReadCsv(string path)
    {
        var text = File.ReadAllText(path);
        var rows = new List<string[]>();
        var row = new List<string>();
        var field = new System.Text.StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else field.Append(c);
            }
            else if (c == '"') quoted = true;
            else if (c == ',') { row.Add(field.ToString()); field.Clear(); }
            else if (c == '\n') { row.Add(field.ToString()); field.Clear(); rows.Add(row.ToArray()); row.Clear(); }
            else field.Append(c);
        }
        Assert.False(quoted, "unterminated quoted field");
        Assert.True(row.Count == 0 && field.Length == 0, "the file must end with a newline");
        return rows;
    }

    [Fact]
    public async Task Default_columns_give_one_csv_with_header_and_arrays_as_quoted_json()
    {
        using var temp = new TempFolder();
        var docs = TestDocuments.Range(1, 12);
        await using var store = new InMemoryTrackStore(docs);
        var path = temp.File("out/export.csv");
        var rows = await CsvExporter.ExportAsync(store, TrackDocumentColumns.DefaultExport, path);
        Assert.Equal(12, rows);
        var text = await File.ReadAllTextAsync(path);
        Assert.StartsWith("File_Name,MFCCs,Spectral_Centroid,Zero_Crossing_Rate,genre_id\n", text);
        Assert.Contains(",\"[", text);
        var csv = ReadCsv(path);
        Assert.Equal(13, csv.Count);
        for (var i = 0; i < docs.Count; i++)
        {
            var r = csv[i + 1];
            var d = docs[i];
            Assert.Equal(d.Metadata.FileName ?? "", r[0]);
            var mfccs = JsonSerializer.Deserialize<double[]>(r[1])!;
            TestDocuments.AssertBits(d.Mfccs, mfccs, "MFCCs");
            TestDocuments.AssertBits(d.SpectralCentroid, double.Parse(r[2], CultureInfo.InvariantCulture), "centroid");
            TestDocuments.AssertBits(d.ZeroCrossingRate, double.Parse(r[3], CultureInfo.InvariantCulture), "zcr");
            Assert.Equal(d.Metadata.GenreId?.ToString(CultureInfo.InvariantCulture) ?? "", r[4]);
        }
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(path)!, "*.tmp"));
    }

    [Fact]
    public async Task Text_with_commas_quotes_newlines_and_markup_is_escaped()
    {
        using var temp = new TempFolder();
        var titles = new[] { "a, b", "say \"hi\"", "two\nlines", "<b>bold</b> & ♪ 日本", " padded " };
        await using var store = new InMemoryTrackStore(titles.Select((t, i) => TestDocuments.Make(i + 1, title: t)));
        var path = temp.File("t.csv");
        await CsvExporter.ExportAsync(store, ["track_id", "title", "genres"], path);
        var csv = ReadCsv(path);
        Assert.Equal(["track_id", "title", "genres"], csv[0]);
        Assert.Equal(titles, csv.Skip(1).Select(r => r[1]));
        Assert.Equal("[2,45]", csv[1][2]);
    }

    [Fact]
    public async Task Unknown_column_fails_listing_the_valid_ones_and_writes_nothing()
    {
        using var temp = new TempFolder();
        await using var store = new InMemoryTrackStore(TestDocuments.Range(1, 2));
        var path = temp.File("x.csv");
        var e = await Assert.ThrowsAsync<UnknownColumnException>(() => CsvExporter.ExportAsync(store, ["File_Name", "Genre"], path));
        Assert.Contains("'Genre'", e.Message);
        Assert.Contains("valid columns: track_id,File_Name,", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public async Task Empty_store_is_a_clear_error_and_writes_nothing()
    {
        using var temp = new TempFolder();
        await using var store = new InMemoryTrackStore();
        var path = temp.File("x.csv");
        var e = await Assert.ThrowsAsync<StoreException>(() => CsvExporter.ExportAsync(store, TrackDocumentColumns.DefaultExport, path));
        Assert.Contains("empty", e.Message);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public async Task A_failure_midway_keeps_the_previous_file_and_leaves_no_temporary()
    {
        using var temp = new TempFolder();
        var path = temp.File("keep.csv");
        await File.WriteAllTextAsync(path, "previous export\n");
        await using var store = new FailingStore(TestDocuments.Range(1, 50), failAfter: 20);
        await Assert.ThrowsAsync<IOException>(() => CsvExporter.ExportAsync(store, TrackDocumentColumns.DefaultExport, path));
        Assert.Equal("previous export\n", await File.ReadAllTextAsync(path));
        Assert.Single(Directory.GetFiles(temp.Path));
    }

    [Fact]
    public void Values_are_formatted_invariantly_and_round_trip()
    {
        Assert.Equal("", CsvExporter.Format(null));
        Assert.Equal("0.1", CsvExporter.Format(0.1));
        Assert.Equal("-0", CsvExporter.Format(-0.0));
        Assert.Equal("1E-05", CsvExporter.Format(1e-5));
        Assert.Equal("NaN", CsvExporter.Format(double.NaN));
        Assert.Equal("\"[1,-2.5,\"\"NaN\"\"]\"", CsvExporter.Format(new[] { 1.0, -2.5, double.NaN }));
        Assert.Equal("\"[]\"", CsvExporter.Format(Array.Empty<double>()));
        Assert.Equal("\"{\"\"tempo\"\":120.5}\"", CsvExporter.Format(new Dictionary<string, double> { ["tempo"] = 120.5 }));
    }

    /// <summary>Streams some rows and then fails as a broken connection would.</summary>
    private sealed class FailingStore(IReadOnlyList<TrackDocument> docs, int failAfter) : ITrackStore
    {
        private readonly InMemoryTrackStore _inner = new(docs);
        public string Describe() => "failing";
        public Task UpsertAsync(IReadOnlyList<TrackDocument> batch, CancellationToken ct = default) => _inner.UpsertAsync(batch, ct);
        public Task<IReadOnlyList<TrackDocument>> GetByIdsAsync(IReadOnlyCollection<int> trackIds, CancellationToken ct = default) => _inner.GetByIdsAsync(trackIds, ct);
        public async IAsyncEnumerable<IReadOnlyDictionary<string, object?>> StreamAsync(IReadOnlyList<string> columns, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct = default)
        {
            var n = 0;
            await foreach (var row in _inner.StreamAsync(columns, ct))
            {
                if (n++ == failAfter) throw new IOException("connection lost");
                yield return row;
            }
        }
        public IAsyncEnumerable<TrackDocument> StreamAllAsync(CancellationToken ct = default) => _inner.StreamAllAsync(ct);
        public Task<long> CountAsync(CancellationToken ct = default) => _inner.CountAsync(ct);
        public Task<bool> PingAsync(CancellationToken ct = default) => _inner.PingAsync(ct);
        public ValueTask DisposeAsync() => _inner.DisposeAsync();
    }
}
