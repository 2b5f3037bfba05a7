using MusicRec.Catalog.Features;
using MusicRec.IO;
using MusicRec.Stores;

namespace MusicRec.Catalog;

/// <summary>
/// Streams OUT/final.csv, one row per track (docs/final-csv.md): <c>track_id</c>, the metadata columns in
/// <see cref="TrackDocumentColumns"/> order, <c>feature_source</c>, then MFCCs, Spectral_Centroid,
/// Zero_Crossing_Rate and the 518 <see cref="FmaFeatureColumns.VectorOrder"/> statistics (the 154 computed from
/// audio first; the other 364 are empty for a track whose features came from audio). Written under a temporary name and renamed on <see cref="Commit"/>,
/// so a crash never leaves a final.csv that looks finished. Not thread-safe: one writer per file.
/// </summary>
public sealed class FinalCsvWriter : IDisposable
{
    private static readonly string[] FeatureHead = [TrackDocumentColumns.FeatureSourceColumn, "MFCCs", "Spectral_Centroid", "Zero_Crossing_Rate"];

    /// <summary>Metadata columns after track_id: File_Name, title, ..., subset, echonest_*.</summary>
    public static IReadOnlyList<string> MetadataColumns { get; } = TrackDocumentColumns.All
        .Where(c => c != "track_id" && !FeatureHead.Contains(c) && FmaFeatureColumns.VectorIndex(c) < 0)
        .ToList();

    /// <summary>Every column of final.csv, in order.</summary>
    public static IReadOnlyList<string> Columns { get; } =
        ["track_id", .. MetadataColumns, .. FeatureHead, .. FmaFeatureColumns.VectorOrder];

    private readonly AtomicCsvFile _file;
    private readonly string[] _row = new string[Columns.Count];

    public FinalCsvWriter(string path) => _file = new AtomicCsvFile(path, Columns);

    public string Path => _file.Path;
    public long Count => _file.Count;

    /// <summary>One track; <paramref name="features"/> null writes the metadata only (feature columns empty).</summary>
    public void Write(TrackRecord track, TrackDocument? features)
    {
        var doc = features is null
            ? new TrackDocument { TrackId = track.TrackId, Metadata = track, Mfccs = [], SpectralCentroid = double.NaN, ZeroCrossingRate = double.NaN, Features = [] }
            : features with { Metadata = track };
        var i = 0;
        _row[i++] = CsvValues.Number(track.TrackId);
        foreach (var column in MetadataColumns) _row[i++] = CsvValues.Format(TrackDocumentColumns.Read(doc, column));
        if (features is null)
        {
            while (i < _row.Length) _row[i++] = "";
        }
        else
        {
            _row[i++] = features.FeatureSource;
            _row[i++] = CsvValues.JsonList(features.Mfccs);
            _row[i++] = CsvValues.Number(features.SpectralCentroid);
            _row[i++] = CsvValues.Number(features.ZeroCrossingRate);
            for (var f = 0; f < FmaFeatureColumns.VectorOrder.Count; f++)
                _row[i++] = f < features.Features.Length ? CsvValues.Number(features.Features[f]) : "";
        }
        _file.WriteRow(_row);
    }

    public void Commit() => _file.Commit();

    public void Dispose() => _file.Dispose();
}
