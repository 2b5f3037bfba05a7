namespace MusicRec.Catalog;

/// <summary>
/// One track after the metadata merge: tracks.csv joined with albums, artists, genres and echonest on their ids.
/// Shared contract between extraction (Catalog), the ETL pipeline (Etl) and the stores (Stores).
/// </summary>
public sealed record TrackRecord
{
    public required int TrackId { get; init; }
    public string Title { get; init; } = "";
    public int? ArtistId { get; init; }
    public string ArtistName { get; init; } = "";
    public int? AlbumId { get; init; }
    public string AlbumTitle { get; init; } = "";
    /// <summary>Top-level genre id (the original design's <c>genre_id</c>); null when the track has none.</summary>
    public int? GenreId { get; init; }
    /// <summary>Title of the top-level genre (tracks.csv <c>genre_top</c>, or derived from the genre tree).</summary>
    public string GenreTop { get; init; } = "";
    /// <summary>The track's own genre ids (tracks.csv <c>track.genres</c>).</summary>
    public IReadOnlyList<int> Genres { get; init; } = [];
    /// <summary>The genre ids with all their ancestors (tracks.csv <c>track.genres_all</c>).</summary>
    public IReadOnlyList<int> GenresAll { get; init; } = [];
    public double? DurationSeconds { get; init; }
    public string Subset { get; init; } = "";
    /// <summary>Echonest audio features (acousticness, danceability, ...) when echonest.csv has the track.</summary>
    public IReadOnlyDictionary<string, double> Echonest { get; init; } = new Dictionary<string, double>();
    /// <summary>Audio file relative to the audio root, FMA layout (<c>000/000002.mp3</c>); null when none was found.</summary>
    public string? FileName { get; init; }
}
