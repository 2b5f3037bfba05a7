namespace MusicRec.Catalog;

/// <summary>Header layouts of the FMA metadata files.</summary>
internal static class CsvHeaders
{
    /// <summary>
    /// FMA's pandas multi-index header (tracks.csv: 2 levels, echonest.csv: 3 levels) followed by the index row
    /// whose first cell is <c>track_id</c>. Column i is named by joining its non-empty header cells with '.',
    /// e.g. <c>album.id</c>, <c>track.genre_top</c>, <c>echonest.audio_features.tempo</c>; column 0 is <c>track_id</c>.
    /// Returns null when no <c>track_id</c> row appears within <paramref name="maxRows"/> rows.
    /// </summary>
    public static Dictionary<string, int>? ReadMultiRow(CsvRecordSource source, int maxRows, out int fieldCount)
    {
        var levels = new List<string[]>();
        fieldCount = 0;
        for (var row = 0; row < maxRows && source.Read(); row++)
        {
            var fields = source.ReadAllFields();
            if (fields.Length > 0 && fields[0] == "track_id")
            {
                fieldCount = levels.Count > 0 ? levels.Max(l => l.Length) : fields.Length;
                var columns = new Dictionary<string, int>(StringComparer.Ordinal) { ["track_id"] = 0 };
                for (var i = 1; i < fieldCount; i++)
                {
                    var name = string.Join('.', levels.Select(l => i < l.Length ? l[i].Trim() : "").Where(p => p.Length > 0));
                    if (name.Length > 0) columns.TryAdd(name, i);
                }
                return columns;
            }
            levels.Add(fields);
        }
        return null;
    }

    /// <summary>A single header row (genres.csv, raw_*.csv): column name to index, first occurrence wins.</summary>
    public static Dictionary<string, int>? ReadSingleRow(CsvRecordSource source, out int fieldCount)
    {
        fieldCount = 0;
        if (!source.Read()) return null;
        var fields = source.ReadAllFields();
        fieldCount = fields.Length;
        var columns = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < fields.Length; i++) columns.TryAdd(fields[i].Trim(), i);
        return columns;
    }

    /// <summary>The names in <paramref name="required"/> that <paramref name="columns"/> lacks.</summary>
    public static List<string> Missing(IReadOnlyDictionary<string, int>? columns, IEnumerable<string> required) =>
        required.Where(r => columns is null || !columns.ContainsKey(r)).ToList();
}
