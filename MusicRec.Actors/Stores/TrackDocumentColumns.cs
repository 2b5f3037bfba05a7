using MusicRec.Catalog.Features;

namespace MusicRec.Stores;

/// <summary>A column name that no track document has; the message lists the valid ones.</summary>
public sealed class UnknownColumnException(string message) : ArgumentException(message);

/// <summary>
/// The flat column names of a track document (export, final.csv, projections) and how to read each one.
/// One place, so the stores, the export and final.csv agree on names.
/// </summary>
public static class TrackDocumentColumns
{
    /// <summary>The echonest audio features joined when echonest.csv has the track.
    /// Declared first: static fields initialise in text order and <see cref="Build"/> reads this one.</summary>
    public static readonly IReadOnlyList<string> EchonestColumns =
        ["acousticness", "danceability", "energy", "instrumentalness", "liveness", "speechiness", "tempo", "valence"];

    private static readonly Dictionary<string, Func<TrackDocument, object?>> Readers = Build();

    /// <summary>Every valid column, in document order.</summary>
    public static IReadOnlyList<string> All { get; } = Readers.Keys.ToList();

    /// <summary>Where a track's features came from: audio or features.csv.</summary>
    public const string FeatureSourceColumn = "feature_source";

    public static readonly IReadOnlyList<string> DefaultExport =
        ["File_Name", "MFCCs", "Spectral_Centroid", "Zero_Crossing_Rate", "genre_id"];

    public static bool IsValid(string column) => Readers.ContainsKey(column);

    public static object? Read(TrackDocument d, string column) =>
        Readers.TryGetValue(column, out var read) ? read(d) : throw UnknownColumns([column]);

    /// <summary>Index of a statistic column in <see cref="TrackDocument.Features"/>, or -1 when the column is not one.</summary>
    public static int FeatureIndex(string column) => FmaFeatureColumns.VectorIndex(column);

    /// <summary>The one-line error for unknown columns, listing the valid ones.</summary>
    public static UnknownColumnException UnknownColumns(IReadOnlyCollection<string> unknown) =>
        new($"unknown column{(unknown.Count == 1 ? "" : "s")} {string.Join(", ", unknown.Select(u => $"'{u}'"))}; valid columns: {string.Join(",", All)}");

    /// <summary>
    /// Parses a comma-separated column list (<c>--columns a,b,c</c>); blank means <see cref="DefaultExport"/>.
    /// Throws <see cref="UnknownColumnException"/> listing the valid columns when any is unknown.
    /// </summary>
    public static IReadOnlyList<string> ParseList(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return DefaultExport;
        var columns = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (columns.Length == 0) return DefaultExport;
        Validate(columns);
        var duplicates = columns.GroupBy(c => c, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        if (duplicates.Count > 0) throw new UnknownColumnException($"column{(duplicates.Count == 1 ? "" : "s")} {string.Join(", ", duplicates)} named twice");
        return columns;
    }

    /// <summary>Throws <see cref="UnknownColumnException"/> when any column is not valid.</summary>
    public static void Validate(IReadOnlyList<string> columns)
    {
        var unknown = columns.Where(c => !IsValid(c)).ToList();
        if (unknown.Count > 0) throw UnknownColumns(unknown);
    }

    public static IReadOnlyDictionary<string, object?> Project(TrackDocument d, IReadOnlyList<string> columns)
    {
        var row = new Dictionary<string, object?>(columns.Count);
        foreach (var c in columns) row[c] = Read(d, c);
        return row;
    }

    private static Dictionary<string, Func<TrackDocument, object?>> Build()
    {
        var r = new Dictionary<string, Func<TrackDocument, object?>>(StringComparer.Ordinal)
        {
            ["track_id"] = d => d.TrackId,
            ["File_Name"] = d => d.Metadata.FileName,
            ["title"] = d => d.Metadata.Title,
            ["artist_id"] = d => d.Metadata.ArtistId,
            ["artist_name"] = d => d.Metadata.ArtistName,
            ["album_id"] = d => d.Metadata.AlbumId,
            ["album_title"] = d => d.Metadata.AlbumTitle,
            ["genre_id"] = d => d.Metadata.GenreId,
            ["genre_top"] = d => d.Metadata.GenreTop,
            ["genres"] = d => d.Metadata.Genres,
            ["genres_all"] = d => d.Metadata.GenresAll,
            ["duration"] = d => d.Metadata.DurationSeconds,
            ["subset"] = d => d.Metadata.Subset,
            ["MFCCs"] = d => d.Mfccs,
            ["Spectral_Centroid"] = d => d.SpectralCentroid,
            ["Zero_Crossing_Rate"] = d => d.ZeroCrossingRate,
        };
        r[FeatureSourceColumn] = d => d.FeatureSource;
        foreach (var e in EchonestColumns)
            r[$"echonest_{e}"] = d => d.Metadata.Echonest.TryGetValue(e, out var v) ? v : null;
        // The 154 statistics from audio, then the 364 only FMA's features.csv has (null for a track from audio).
        for (var i = 0; i < FmaFeatureColumns.VectorOrder.Count; i++)
        {
            var index = i;
            r[FmaFeatureColumns.VectorOrder[i]] = d => d.Features.Length > index ? d.Features[index] : null;
        }
        return r;
    }
}
