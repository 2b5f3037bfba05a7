using MongoDB.Bson;
using MusicRec.Catalog;
using MusicRec.Catalog.Features;

namespace MusicRec.Stores;

/// <summary>
/// A track document as a MongoDB document, with the original design's field names: <c>track_id</c>,
/// <c>File_Name</c>, <c>MFCCs</c> (array of 20), <c>Spectral_Centroid</c>, <c>Zero_Crossing_Rate</c>,
/// <c>genre_id</c>; the merged metadata as flat fields named as <see cref="TrackDocumentColumns"/>; the echonest
/// values as the sub-document <c>echonest</c>; every statistic as a flat field named as
/// <see cref="FmaFeatureColumns.VectorOrder"/> (so any column is a server-side projection: the 154 from audio, all 518
/// for a track from FMA's features.csv) and <c>feature_source</c>. <c>_id</c> is left to the
/// server (an ObjectId, as the original design's insert_many made), so collections loaded that way can be upserted into.
/// </summary>
public static class MongoTrackDocumentMapper
{
    public const string EchonestField = "echonest";

    public static BsonDocument ToBson(TrackDocument d)
    {
        TrackDocumentChecks.Validate(d);
        if (d.Features.Length > FmaFeatureColumns.Count)
            throw new ArgumentException($"track {d.TrackId} has {d.Features.Length} statistics; at most {FmaFeatureColumns.Count} have names");
        var m = d.Metadata;
        var doc = new BsonDocument
        {
            { "track_id", d.TrackId },
            { "File_Name", m.FileName is null ? BsonNull.Value : new BsonString(m.FileName) },
            { "title", m.Title },
            { "artist_id", Nullable(m.ArtistId) },
            { "artist_name", m.ArtistName },
            { "album_id", Nullable(m.AlbumId) },
            { "album_title", m.AlbumTitle },
            { "genre_id", Nullable(m.GenreId) },
            { "genre_top", m.GenreTop },
            { "genres", new BsonArray(m.Genres) },
            { "genres_all", new BsonArray(m.GenresAll) },
            { "duration", m.DurationSeconds is { } s ? Exact(s) : BsonNull.Value },
            { "subset", m.Subset },
            { EchonestField, new BsonDocument(m.Echonest.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => new BsonElement(kv.Key, Exact(kv.Value)))) },
            { "MFCCs", new BsonArray(d.Mfccs.Select(Exact)) },
            { "Spectral_Centroid", Exact(d.SpectralCentroid) },
            { "Zero_Crossing_Rate", Exact(d.ZeroCrossingRate) },
            { TrackDocumentColumns.FeatureSourceColumn, d.FeatureSource },
        };
        for (var i = 0; i < d.Features.Length; i++) doc.Add(FmaFeatureColumns.VectorOrder[i], Exact(d.Features[i]));
        return doc;
    }

    public static TrackDocument FromBson(BsonDocument doc)
    {
        var id = doc["track_id"].ToInt32();
        var features = new List<double>(FmaFeatureColumns.Count);
        foreach (var name in FmaFeatureColumns.VectorOrder)
        {
            if (!doc.TryGetValue(name, out var v)) break;
            features.Add(v.ToDouble());
        }
        return new TrackDocument
        {
            TrackId = id,
            Metadata = new TrackRecord
            {
                TrackId = id,
                FileName = String(doc, "File_Name"),
                Title = String(doc, "title") ?? "",
                ArtistId = Int(doc, "artist_id"),
                ArtistName = String(doc, "artist_name") ?? "",
                AlbumId = Int(doc, "album_id"),
                AlbumTitle = String(doc, "album_title") ?? "",
                GenreId = Int(doc, "genre_id"),
                GenreTop = String(doc, "genre_top") ?? "",
                Genres = Ints(doc, "genres"),
                GenresAll = Ints(doc, "genres_all"),
                DurationSeconds = Double(doc, "duration"),
                Subset = String(doc, "subset") ?? "",
                Echonest = doc.TryGetValue(EchonestField, out var e) && e is BsonDocument ed
                    ? ed.Elements.ToDictionary(x => x.Name, x => x.Value.ToDouble(), StringComparer.Ordinal)
                    : new Dictionary<string, double>(),
            },
            Mfccs = Doubles(doc, "MFCCs"),
            SpectralCentroid = Double(doc, "Spectral_Centroid") ?? double.NaN,
            ZeroCrossingRate = Double(doc, "Zero_Crossing_Rate") ?? double.NaN,
            Features = features.ToArray(),
            FeatureSource = String(doc, TrackDocumentColumns.FeatureSourceColumn) ?? FeatureSources.Audio,
        };
    }

    /// <summary>The server-side field path of a column (<c>echonest_tempo</c> lives at <c>echonest.tempo</c>).</summary>
    public static string FieldFor(string column)
    {
        if (!TrackDocumentColumns.IsValid(column)) throw TrackDocumentColumns.UnknownColumns([column]);
        return column.StartsWith("echonest_", StringComparison.Ordinal) ? $"{EchonestField}.{column["echonest_".Length..]}" : column;
    }

    /// <summary>A projected server document as a row whose values have the types <see cref="TrackDocumentColumns.Read"/> gives.</summary>
    public static IReadOnlyDictionary<string, object?> ToRow(BsonDocument doc, IReadOnlyList<string> columns)
    {
        var row = new Dictionary<string, object?>(columns.Count, StringComparer.Ordinal);
        foreach (var column in columns)
        {
            row[column] = column switch
            {
                "track_id" => doc["track_id"].ToInt32(),
                "artist_id" or "album_id" or "genre_id" => Int(doc, column),
                "File_Name" => String(doc, column),
                "title" or "artist_name" or "album_title" or "genre_top" or "subset" => String(doc, column) ?? "",
                TrackDocumentColumns.FeatureSourceColumn => String(doc, column) ?? FeatureSources.Audio,
                "genres" or "genres_all" => Ints(doc, column),
                "duration" => Double(doc, column),
                "MFCCs" => Doubles(doc, column),
                "Spectral_Centroid" or "Zero_Crossing_Rate" => Double(doc, column) ?? double.NaN,
                _ when column.StartsWith("echonest_", StringComparison.Ordinal) =>
                    doc.TryGetValue(EchonestField, out var e) && e is BsonDocument ed ? Double(ed, column["echonest_".Length..]) : null,
                _ => Double(doc, column),
            };
        }
        return row;
    }

    // The constructor, not BsonDouble.Create or the implicit conversion: those hand out a cached 0.0 for -0.0.
    private static BsonDouble Exact(double v) => new(v);

    private static BsonValue Nullable(int? v) => v is { } x ? new BsonInt32(x) : BsonNull.Value;

    private static string? String(BsonDocument d, string name) =>
        d.TryGetValue(name, out var v) && !v.IsBsonNull ? v.AsString : null;

    private static int? Int(BsonDocument d, string name) =>
        d.TryGetValue(name, out var v) && !v.IsBsonNull ? v.ToInt32() : null;

    private static double? Double(BsonDocument d, string name) =>
        d.TryGetValue(name, out var v) && !v.IsBsonNull ? v.ToDouble() : null;

    private static int[] Ints(BsonDocument d, string name) =>
        d.TryGetValue(name, out var v) && v is BsonArray a ? a.Select(x => x.ToInt32()).ToArray() : [];

    private static double[] Doubles(BsonDocument d, string name) =>
        d.TryGetValue(name, out var v) && v is BsonArray a ? a.Select(x => x.ToDouble()).ToArray() : [];
}
