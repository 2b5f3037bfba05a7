using System.Text.Json.Serialization;
using MusicRec.Contracts;
using MusicRec.Stores;
using MusicRec.Streaming;

namespace MusicRec.Web;

/// <summary><c>GET /api/users/{id}/recommendations</c>: the kept batches, newest first (the first is the current one).</summary>
public sealed record UserRecommendations(
    [property: JsonPropertyName("user_id")] string UserId,
    [property: JsonPropertyName("batches")] IReadOnlyList<RecommendationBatch> Batches)
{
    /// <summary>True when <see cref="Batches"/> is the cold-start "popular now" batch ("{user}-0"), not the listener's own.</summary>
    [JsonPropertyName("popular_now")] public bool PopularNow { get; init; }
}

/// <summary><c>GET /api/users</c>: users with kept batches, most recently updated first (at most 50).</summary>
public sealed record RecentUsers([property: JsonPropertyName("users")] IReadOnlyList<string> Users);

/// <summary><c>GET /api/tracks/{id}</c>: what the page shows about a track, with its 20 normalised MFCC means.</summary>
public sealed record TrackView(
    [property: JsonPropertyName("track_id")] int TrackId,
    [property: JsonPropertyName("title")] string Title,
    [property: JsonPropertyName("artist")] string Artist,
    [property: JsonPropertyName("album")] string Album,
    [property: JsonPropertyName("genre")] string Genre,
    [property: JsonPropertyName("duration_s")] double? DurationSeconds,
    [property: JsonPropertyName("mfcc")] IReadOnlyList<double> Mfcc)
{
    public static TrackView From(TrackDocument d) => new(d.TrackId, d.Metadata.Title, d.Metadata.ArtistName,
        d.Metadata.AlbumTitle, d.Metadata.GenreTop, d.Metadata.DurationSeconds,
        // Non-finite values cannot be written as JSON numbers; the chart draws them as zero.
        d.Mfccs.Select(v => double.IsFinite(v) ? v : 0).ToArray());
}

/// <summary><c>GET /api/tracks</c>: tracks to start from.</summary>
public sealed record TrackList([property: JsonPropertyName("tracks")] IReadOnlyList<TrackView> Tracks);

/// <summary><c>GET /api/tracks/{id}/similar</c>: tracks like one track by one source (reasons and sources as in a batch).</summary>
public sealed record SimilarTracks(
    [property: JsonPropertyName("track_id")] int TrackId,
    [property: JsonPropertyName("source")] string Source,
    [property: JsonPropertyName("tracks")] IReadOnlyList<RecommendedTrack> Tracks);

/// <summary><c>GET /api/popular</c>: the chart now, overall (<c>genre</c> null) or of one genre, scores relative to its top.</summary>
public sealed record PopularTracks(
    [property: JsonPropertyName("genre")] string? Genre,
    [property: JsonPropertyName("tracks")] IReadOnlyList<RecommendedTrack> Tracks);
