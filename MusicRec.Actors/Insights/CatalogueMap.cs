using System.Text.Json;
using MusicRec.Recommendation;

namespace MusicRec.Insights;

/// <summary>
/// The catalogue on one plane: every track of the similarity index at its coordinates on the index's first two
/// principal components, with its genre (an index into <see cref="Genres"/>, most frequent genre first).
/// The dashboard and report.html draw the same picture from it.
/// </summary>
public sealed record CatalogueMap(
    IReadOnlyList<string> Genres, int[] TrackIds, float[] X, float[] Y, int[] Genre, double FirstShare, double SecondShare)
{
    public const string UnknownGenre = "unknown"; // the index's own name for a track without genre_top

    public int Count => TrackIds.Length;

    public static CatalogueMap From(SimilarityIndex index)
    {
        var tracks = index.Tracks;
        var plane = PrincipalPlane.Project(index.Vectors, index.Stride, index.Dimensions);

        var genres = tracks.GroupBy(GenreOf).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => g.Key).ToList();
        var genreIndex = genres.Select((g, i) => (g, i)).ToDictionary(p => p.g, p => p.i, StringComparer.Ordinal);
        var x = new float[tracks.Count];
        var y = new float[tracks.Count];
        var ids = new int[tracks.Count];
        var genre = new int[tracks.Count];
        for (var r = 0; r < tracks.Count; r++)
        {
            ids[r] = tracks[r].TrackId;
            x[r] = plane.X(r);
            y[r] = plane.Y(r);
            genre[r] = genreIndex[GenreOf(tracks[r])];
        }
        return new CatalogueMap(genres, ids, x, y, genre, plane.FirstShare, plane.SecondShare);
    }

    /// <summary>
    /// Writes genres, track_ids, x, y and genre (coordinates to 4 decimals) into the open JSON object, the columns
    /// catalogue-map.js reads; the dashboard and report.html add their own properties around them.
    /// </summary>
    public void WriteColumns(Utf8JsonWriter w)
    {
        w.WriteStartArray("genres");
        foreach (var g in Genres) w.WriteStringValue(g);
        w.WriteEndArray();
        w.WriteStartArray("track_ids");
        foreach (var id in TrackIds) w.WriteNumberValue(id);
        w.WriteEndArray();
        w.WriteStartArray("x");
        foreach (var v in X) w.WriteNumberValue(MathF.Round(v, 4));
        w.WriteEndArray();
        w.WriteStartArray("y");
        foreach (var v in Y) w.WriteNumberValue(MathF.Round(v, 4));
        w.WriteEndArray();
        w.WriteStartArray("genre");
        foreach (var g in Genre) w.WriteNumberValue(g);
        w.WriteEndArray();
    }

    /// <summary>The genre a track is counted under: its genre_top, or <see cref="UnknownGenre"/>.</summary>
    public static string GenreOf(TrackInfo track) => string.IsNullOrWhiteSpace(track.Genre) ? UnknownGenre : track.Genre;
}
