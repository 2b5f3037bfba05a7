using System.Globalization;

namespace MusicRec.Catalog.Features;

/// <summary>
/// Streams FMA's <c>features.csv</c> (mdeff/fma features.py): three header rows <c>feature</c>, <c>statistics</c>,
/// <c>number</c>, then the index row <c>track_id</c>, then one row per track with 518 values such as
/// <c>1.4656345844e+00</c>. The header is checked once (every one of the 518 columns exactly once, in any order;
/// otherwise <see cref="CatalogException"/>); a bad row (wrong field count, track_id not an integer, a value that is
/// not a number or infinite, NaN (empty, as pandas writes it) in any of the 154 columns we also compute from audio,
/// or a repeated track_id) goes to the reject callback with its reason and the reading goes on. A row whose NaN
/// cells are all among the 364 other columns (features.py keeps what it computed before a failure; `musicrec
/// sample --with-features-csv` writes only what it computes) is kept with its 154 values. Values are parsed from CsvHelper's UTF-8 spans: no string per field.
/// </summary>
public sealed class FmaFeaturesCsvReader : IDisposable
{
    public const string FileName = "features.csv";
    private static readonly string[] HeaderLevels = ["feature", "statistics", "number"];

    private readonly CsvRecordSource _source;
    private readonly int[] _fileToVector; // file field (1-based after track_id) - 1 -> vector index
    private readonly FmaColumn[] _fileColumns;
    private readonly double[] _values = new double[FmaFeatureColumns.Count];
    private readonly HashSet<int> _seen = [];

    private FmaFeaturesCsvReader(CsvRecordSource source, (int[] FileToVector, FmaColumn[] Columns) header)
    {
        _source = source;
        (_fileToVector, _fileColumns) = header;
    }

    /// <summary>Opens the file and checks its header.</summary>
    /// <exception cref="CatalogException">the file is missing or not in FMA's layout.</exception>
    public static FmaFeaturesCsvReader Open(string path)
    {
        if (!File.Exists(path)) throw new CatalogException($"{path}: file not found");
        var source = CsvRecordSource.Open(path);
        try
        {
            return new FmaFeaturesCsvReader(source, ReadHeader(source));
        }
        catch
        {
            source.Dispose();
            throw;
        }
    }

    /// <summary>Source name in rejects.csv.</summary>
    public string SourceName => _source.FileName;

    /// <summary>Rows read so far (good and rejected).</summary>
    public long Rows { get; private set; }

    /// <summary>
    /// Reads the next good row into <paramref name="vector"/> (length <see cref="FmaFeatureColumns.Count"/>, in
    /// <see cref="FmaFeatureColumns.VectorOrder"/>); bad rows on the way go to <paramref name="reject"/>.
    /// </summary>
    /// <param name="width">518, or 154 when the row has NaN among the columns beyond the 154 (then only those are valid).</param>
    public bool TryReadNext(Span<double> vector, Action<Reject> reject, out int trackId, out int width)
    {
        if (vector.Length != FmaFeatureColumns.Count) throw new ArgumentException($"need {FmaFeatureColumns.Count} values", nameof(vector));
        while (_source.Read())
        {
            Rows++;
            if (ParseRow(out trackId, out var error, out var partial))
            {
                for (var i = 0; i < _values.Length; i++) vector[_fileToVector[i]] = _values[i];
                width = partial ? ComputedColumns : FmaFeatureColumns.Count;
                if (partial) PartialRows++;
                return true;
            }
            reject(new Reject(SourceName, _source.Line, trackId > 0 ? trackId : null, error));
        }
        trackId = 0;
        width = 0;
        return false;
    }

    /// <inheritdoc cref="TryReadNext(Span{double}, Action{Reject}, out int, out int)"/>
    public bool TryReadNext(Span<double> vector, Action<Reject> reject, out int trackId) => TryReadNext(vector, reject, out trackId, out _);

    /// <summary>Good rows kept with their 154 values only (NaN among the other 364).</summary>
    public long PartialRows { get; private set; }

    private static int ComputedColumns => Dsp.AudioFeatures.ColumnNames.Count;

    private bool ParseRow(out int trackId, out string error, out bool partial)
    {
        error = "";
        partial = false;
        var expected = FmaFeatureColumns.Count + 1;
        trackId = _source.TryGetInt(0, out var id) && id > 0 ? id : 0;
        if (_source.Malformation is { } bad) return Fail(bad, out error);
        if (_source.FieldCount != expected)
            return Fail(_source.FieldCount < expected
                ? $"truncated row: {_source.FieldCount} of {expected} fields"
                : $"malformed row: {_source.FieldCount} fields, expected {expected}", out error);
        if (trackId == 0) return Fail($"track_id is not a positive integer: '{_source.Excerpt(0)}'", out error);
        for (var i = 0; i < _values.Length; i++)
        {
            var cell = _source.Utf8(i + 1);
            var parsed = double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out var v);
            if ((cell.IsEmpty || (parsed && double.IsNaN(v))) && _fileToVector[i] >= ComputedColumns)
            {
                partial = true;
                _values[i] = double.NaN;
                continue;
            }
            if (cell.IsEmpty || !parsed || !double.IsFinite(v))
            {
                var c = _fileColumns[i];
                var what = cell.IsEmpty ? "is empty (NaN: FMA's extraction failed on this track)" : $"is not a finite number: '{_source.Excerpt(i + 1)}'";
                return Fail($"{c.Feature}/{c.Statistic}/{c.Number} {what}", out error);
            }
            _values[i] = v;
        }
        if (!_seen.Add(trackId)) return Fail($"duplicate track_id {trackId} in {SourceName}", out error);
        return true;
    }

    private static bool Fail(string reason, out string error)
    {
        error = reason;
        return false;
    }

    private static (int[] FileToVector, FmaColumn[] Columns) ReadHeader(CsvRecordSource source)
    {
        var name = source.FileName;
        var levels = new string[3][];
        for (var level = 0; level < 3; level++)
        {
            if (!source.Read()) throw new CatalogException($"{name}: ends inside the header (expected rows {string.Join(", ", HeaderLevels)}, track_id)");
            levels[level] = source.ReadAllFields();
            if (levels[level].Length == 0 || levels[level][0].Trim() != HeaderLevels[level])
                throw new CatalogException($"{name}: not FMA's layout: header row {level + 1} starts with '{Cut(levels[level].FirstOrDefault())}', expected '{HeaderLevels[level]}' (rows feature, statistics, number, then track_id)");
        }
        if (!source.Read() || source.ReadAllFields() is not [var first, ..] || first.Trim() != "track_id")
            throw new CatalogException($"{name}: not FMA's layout: row 4 must be the index row starting with 'track_id'");

        var width = levels[0].Length;
        if (levels[1].Length != width || levels[2].Length != width)
            throw new CatalogException($"{name}: the three header rows have {levels[0].Length}, {levels[1].Length} and {levels[2].Length} cells");
        var index = FmaFeatureColumns.FileOrder.Select((c, i) => (c, i)).ToDictionary(x => x.c, x => x.i);
        var map = new int[FmaFeatureColumns.Count];
        Array.Fill(map, -1);
        var fileToVector = new int[width - 1];
        var columns = new FmaColumn[width - 1];
        for (var f = 1; f < width; f++)
        {
            var column = new FmaColumn(levels[0][f].Trim(), levels[1][f].Trim(), levels[2][f].Trim());
            if (!index.TryGetValue(column, out var k))
                throw new CatalogException($"{name}: unknown column {f + 1} ({column.Feature}, {column.Statistic}, {column.Number}); expected FMA's 518 feature columns");
            if (map[k] >= 0)
                throw new CatalogException($"{name}: column ({column.Feature}, {column.Statistic}, {column.Number}) appears twice (columns {map[k] + 1} and {f + 1})");
            map[k] = f;
            columns[f - 1] = column;
            fileToVector[f - 1] = FmaFeatureColumns.FileToVector[k];
        }
        var missing = FmaFeatureColumns.FileOrder.Where((_, k) => map[k] < 0).ToList();
        if (missing.Count > 0)
            throw new CatalogException($"{name}: {missing.Count} of FMA's 518 feature columns missing, e.g. ({missing[0].Feature}, {missing[0].Statistic}, {missing[0].Number})");
        return (fileToVector, columns);
    }

    private static string Cut(string? s) => s is null ? "" : s.Length <= 30 ? s : s[..30] + "…";

    public void Dispose() => _source.Dispose();
}
