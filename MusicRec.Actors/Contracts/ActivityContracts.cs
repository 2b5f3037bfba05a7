using System.Text.Json.Serialization;

namespace MusicRec.Contracts;

/// <summary>One <c>user_activity</c> event, as on the wire (docs/interface.md).</summary>
public sealed record ActivityEvent(
    [property: JsonPropertyName("event_id")] string EventId,
    [property: JsonPropertyName("user_id")] string UserId,
    [property: JsonPropertyName("track_id")] int TrackId,
    [property: JsonPropertyName("action")] string Action,
    [property: JsonPropertyName("ts")] DateTimeOffset Ts);

public static class Actions
{
    public const string Listen = "listen";
    public const string Like = "like";
    public const string Skip = "skip";
    public static readonly IReadOnlySet<string> All = new HashSet<string> { Listen, Like, Skip };

    /// <summary>The shared constant for a known action (null for any other text), so a parsed copy is not kept.</summary>
    public static string? Canonical(string action) => action switch { Listen => Listen, Like => Like, Skip => Skip, _ => null };
}

/// <summary>
/// One suggested track inside a batch. <c>source</c> names what chose it: colistening, popularity, audio, replacement
/// or exploration (older messages without it read as audio, the only source before issue 16).
/// </summary>
public sealed record RecommendedTrack(
    [property: JsonPropertyName("track_id")] int TrackId,
    [property: JsonPropertyName("title")] string Title,
    [property: JsonPropertyName("artist")] string Artist,
    [property: JsonPropertyName("genre")] string Genre,
    [property: JsonPropertyName("score")] double Score,
    [property: JsonPropertyName("because")] string Because,
    [property: JsonPropertyName("source")] string Source = "audio");

/// <summary>One <c>recommendations</c> message: exactly three tracks; <c>batch_id</c> = "{user}-{sequence}".</summary>
public sealed record RecommendationBatch(
    [property: JsonPropertyName("batch_id")] string BatchId,
    [property: JsonPropertyName("user_id")] string UserId,
    [property: JsonPropertyName("generated_at")] DateTimeOffset GeneratedAt,
    [property: JsonPropertyName("tracks")] IReadOnlyList<RecommendedTrack> Tracks);
